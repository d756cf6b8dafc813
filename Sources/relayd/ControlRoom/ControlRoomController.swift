import Foundation
import Hummingbird
import VideoRelay

/// The operators' web page (served from the binary, no build step) and the control-room state
/// the program does not hold: the preview source.
struct ControlRoomController<Context: AuthenticatedContext> {
    let sources: ControlRoomSources
    /// Where operator actions are recorded (nil only in tests that do not need it).
    var auditTrail: AuditTrail? = nil

    func addRoutes(to router: Router<Context>) {
        router.get("/") { _, _ in Self.asset(ControlRoomPage.html, type: "text/html; charset=utf-8") }
        router.get("/static/control-room.js") { _, _ in Self.asset(ControlRoomPage.script, type: "text/javascript; charset=utf-8") }
        router.get("/static/control-room.css") { _, _ in Self.asset(ControlRoomPage.style, type: "text/css; charset=utf-8") }
        router.get("/api/control-room") { _, _ in try JSONBody.response(await sources.freshView()) }
        router.post("/api/control-room/preview") { request, context in
            let body = try await APIRequestBody.decode(PreviewRequest.self, from: request)
            let known = sources.relay.configuration.sources.map(\.id)
            if let source = body.source, !known.contains(source) {
                throw APIError(.notFound, "unknown source", detail: source)
            }
            let previous = sources.state.preview
            sources.state.setPreview(body.source)
            try await auditTrail?.append(
                actor: context.actorName(for: request), action: "control_room.preview",
                programTime: sources.program?.status.programTimeSeconds, details: ["from": previous ?? "", "to": body.source ?? ""])
            return try JSONBody.response(PreviewResponse(preview: body.source))
        }
    }

    struct PreviewRequest: Decodable {
        /// The source to preview; null clears the preview.
        var source: String?
    }

    struct PreviewResponse: Encodable {
        var preview: String?
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
