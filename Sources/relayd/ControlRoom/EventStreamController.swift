import Foundation
import Hummingbird
import ServiceLifecycle

/// `GET /api/events`: server-sent events carrying the whole control-room view whenever it
/// changes, so the page needs no polling. The browser's EventSource reconnects by itself when
/// relayd restarts (`retry` tells it how soon).
struct EventStreamController<Context: RequestContext> {
    let sources: ControlRoomSources
    /// How often the view is compared with what was last sent. Relay snapshots refresh every
    /// 200 ms; this keeps a sink turning red well within 2 s.
    var checkInterval: Duration = .milliseconds(250)
    /// A comment line this often keeps proxies from closing an idle stream.
    var keepAliveInterval: Duration = .seconds(15)

    func addRoutes(to router: Router<Context>) {
        router.get("/api/events") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody { writer in try await stream(to: &writer) })
        }
    }

    private func stream(to writer: inout any ResponseBodyWriter) async throws {
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        var lastSent: ControlRoomView?
        var lastWriteAt = ContinuousClock.now
        // Ends when relayd shuts down (so shutdown never waits on an open page) or the page goes.
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let view = await sources.freshView()
            if view != lastSent {
                let json = try JSONBody.encoder.encode(view)
                try await writer.write(ByteBuffer(string: "event: state\ndata: \(String(decoding: json, as: UTF8.self))\n\n"))
                lastSent = view
                lastWriteAt = .now
            } else if ContinuousClock.now - lastWriteAt >= keepAliveInterval {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                lastWriteAt = .now
            }
            try await Task.sleep(for: checkInterval)
        }
        try await writer.finish(nil)
    }
}
