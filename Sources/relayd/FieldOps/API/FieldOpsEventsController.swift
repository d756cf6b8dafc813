import FieldOps
import Foundation
import Hummingbird

/// `GET /api/fieldops/events`: server-sent events telling open FieldOps pages that the data
/// changed, so a reading logged by one coordinator moves the band on every other page without
/// a reload. The signal is the data's revision (the highest audit id, which every write
/// raises), published by `FieldOpsWriteMiddleware` after each write through the API and by
/// `FieldOpsFileWatcher` after a command-line write; the stream waits for it to change.
struct FieldOpsEventsController: Sendable {
    let database: FieldOpsDatabase
    /// The revision after the latest write.
    let revisions: Broadcast<Int64>
    /// A comment line after this long without an event keeps proxies from closing the stream.
    var keepAliveInterval: Duration = .seconds(15)

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/fieldops/events") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody { writer in try await stream(to: &writer) })
        }
    }

    private func stream(to writer: inout any ResponseBodyWriter) async throws {
        // Subscribed before the revision is read, so a write in between is not missed.
        var changes = revisions.subscribe()
        var sent = try await database.revision()
        try await writer.write(ByteBuffer(string: "retry: 1000\nevent: revision\ndata: {\"revision\":\(sent)}\n\n"))
        // Ends when relayd shuts down (so shutdown never waits on an open page) or the page goes.
        while true {
            switch await changes.next(timeout: keepAliveInterval) {
            case .changed(let revision):
                guard revision > sent else { continue }
                try await writer.write(ByteBuffer(string: "event: change\ndata: {\"revision\":\(revision)}\n\n"))
                sent = revision
            case .timedOut:
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
            case .ended:
                try await writer.finish(nil)
                return
            }
        }
    }
}

/// Publishes the FieldOps revision after every write through the API (a method other than GET
/// or HEAD under /api/fieldops that succeeded), so the event streams learn of it at once.
struct FieldOpsWriteMiddleware<Context: RequestContext>: RouterMiddleware {
    let fieldOps: FieldOpsHTTP
    /// Also told of each write (the control room, whose header shows FieldOps alerts).
    var alsoSignal: ChangeSignal? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        if !AccessRules.reads.contains(request.method), request.uri.path.hasPrefix("/api/fieldops/"), response.status.kind == .successful {
            fieldOps.noteWrite()
            alsoSignal?.signal()
        }
        return response
    }
}
