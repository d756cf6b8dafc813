import FieldOps
import Foundation
import Hummingbird
import ServiceLifecycle

/// `GET /api/fieldops/events`: server-sent events telling open FieldOps pages that the data
/// changed, so a reading logged by one coordinator moves the band on every other page without
/// a reload. The signal is the data's revision (the highest audit id, which every write
/// raises), so writes from the CLI or another relayd on the same file count too.
struct FieldOpsEventsController: Sendable {
    let database: FieldOpsDatabase
    /// How often the revision is read: one indexed MAX per open page, well within the 2 s a
    /// coordinator should wait for another's reading to show.
    var checkInterval: Duration = .milliseconds(250)
    /// A comment line this often keeps proxies from closing an idle stream.
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
        var sent = try await database.revision()
        try await writer.write(ByteBuffer(string: "retry: 1000\nevent: revision\ndata: {\"revision\":\(sent)}\n\n"))
        var lastWriteAt = ContinuousClock.now
        // Ends when relayd shuts down (so shutdown never waits on an open page) or the page goes.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try await Task.sleep(for: checkInterval)
            let revision = try await database.revision()
            if revision != sent {
                try await writer.write(ByteBuffer(string: "event: change\ndata: {\"revision\":\(revision)}\n\n"))
                sent = revision
                lastWriteAt = .now
            } else if ContinuousClock.now - lastWriteAt >= keepAliveInterval {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                lastWriteAt = .now
            }
        }
        try await writer.finish(nil)
    }
}
