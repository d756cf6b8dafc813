import Foundation
import Hummingbird

/// `GET /api/events`: server-sent events carrying the whole control-room view whenever it
/// changes, so the page needs no polling. The stream waits on `ControlRoomState.changes`, which
/// the relay's snapshots, the program's status, the operators' actions and FieldOps writes
/// signal. The browser's EventSource reconnects by itself when relayd restarts (`retry` tells
/// it how soon).
struct EventStreamController<Context: RequestContext> {
    let sources: ControlRoomSources
    /// Views go out at most this often: the program's status alone changes ten times a second,
    /// and the page needs no more than a few updates a second to turn a sink red well within 2 s.
    var minimumSpacing: Duration = .milliseconds(250)
    /// A comment line after this long without an event keeps proxies from closing the stream.
    var keepAliveInterval: Duration = .seconds(15)
    /// Called at least once per keep-alive interval while a stream is open: an open control
    /// room is a viewer of the thumbnails.
    var watching: @Sendable () -> Void = {}

    func addRoutes(to router: Router<Context>) {
        router.get("/api/events") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
                body: ResponseBody { writer in try await stream(to: &writer) })
        }
    }

    private func stream(to writer: inout any ResponseBodyWriter) async throws {
        var changes = sources.state.changes.subscribe()
        try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
        var lastSent: ControlRoomView?
        var lastSentAt: ContinuousClock.Instant?
        var lastWriteAt = ContinuousClock.now
        var event = ChangeSignal.Event.changed(0)  // the view as it is, at once
        // Ends when relayd shuts down (so shutdown never waits on an open page) or the page goes.
        while event != .ended {
            watching()
            if case .changed = event {
                if let lastSentAt, ContinuousClock.now < lastSentAt + minimumSpacing {
                    try? await Task.sleep(until: lastSentAt + minimumSpacing)
                }
                let view = await sources.freshView()
                if view != lastSent {
                    let json = try JSONBody.encoder.encode(view)
                    try await writer.write(ByteBuffer(string: "event: state\ndata: \(String(decoding: json, as: UTF8.self))\n\n"))
                    lastSent = view
                    lastSentAt = .now
                    lastWriteAt = .now
                }
            }
            if ContinuousClock.now - lastWriteAt >= keepAliveInterval {
                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                lastWriteAt = .now
            }
            event = await changes.next(timeout: lastWriteAt + keepAliveInterval - ContinuousClock.now)
        }
        try await writer.finish(nil)
    }
}
