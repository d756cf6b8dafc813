import Foundation
import Hummingbird
import VideoRelay

/// The program feed: cut, caption, presets, and its state.
struct ProgramController<Context: RequestContext> {
    let program: ProgramPipeline
    let relay: Relay
    /// Where every operator action is recorded (nil only in tests that do not need it).
    var auditTrail: AuditTrail? = nil
    /// Keeps the captions panel's history (nil only in tests that do not need it).
    var controlRoom: ControlRoomState? = nil

    func addRoutes(to router: Router<Context>) {
        router.get("/api/program") { _, _ in try JSONBody.response(program.status) }
        router.post("/api/program/cut") { request, _ in try await cut(request) }
        router.put("/api/program/caption") { request, _ in try await putCaption(request) }
        router.delete("/api/program/caption") { request, _ in
            let previous = program.status.caption
            program.clearCaption()
            try record(request, "program.caption.off", ["text": previous?.text ?? ""])
            return try JSONBody.response(CaptionResponse(caption: nil))
        }
        router.get("/api/program/presets") { _, _ in try JSONBody.response(program.configuration.presets) }
        router.put("/api/program/presets/{name}/on-air") { request, context in
            // Preset names are often Japanese, so they arrive percent-encoded.
            let encoded = try context.parameters.require("name")
            let name = encoded.removingPercentEncoding ?? encoded
            let caption = try show { () throws(CaptionError) in try program.showPreset(name) }
            try record(request, "program.caption.preset", ["preset": name, "text": caption.text])
            controlRoom?.noteCaption(caption, preset: name, by: actorName(request))
            return try JSONBody.response(CaptionResponse(caption: caption))
        }
    }

    /// Appends an operator action to the audit trail. The actor is the `X-Actor` header until
    /// control-room accounts exist.
    private func record(_ request: Request, _ action: String, _ details: [String: String], actor: String? = nil) throws {
        guard let auditTrail else { return }
        let who = actor ?? actorName(request)
        try auditTrail.append(actor: who, action: action, details: details)
    }

    /// Who made the request.
    private func actorName(_ request: Request) -> String {
        request.headers.first { $0.name.canonicalName == "x-actor" }?.value ?? "operator"
    }

    struct CutRequest: Decodable {
        var source: String
        /// Who cut, for the record (default: "operator").
        var by: String?
    }

    struct CutResponse: Encodable {
        var source: String
        var tookEffectAt: Date
        /// From the request to the keyframe the cut landed on.
        var waitedMilliseconds: Int
        var mode: ProgramStatus.Mode
    }

    struct CaptionRequest: Decodable {
        var text: String?
        var position: Caption.Position?
        var style: Caption.Style?
        /// Put this configured preset on air instead of `text`.
        var preset: String?
    }

    struct CaptionResponse: Encodable {
        var caption: Caption?
    }

    private func cut(_ request: Request) async throws -> Response {
        let body = try await APIRequestBody.decode(CutRequest.self, from: request)
        let from = program.status.onAir
        let outcome = await program.cut(to: body.source, by: body.by ?? "operator")
        let result: String
        switch outcome {
        case .tookEffect: result = "took effect"
        case .refused(.unknownSource): result = "refused: unknown source"
        case .refused(.offline): result = "refused: source offline"
        case .abandoned(let why): result = "abandoned: \(why)"
        }
        try record(request, "program.cut", ["from": from, "to": body.source, "result": result], actor: body.by)
        switch outcome {
        case .tookEffect(let at, let waited):
            return try JSONBody.response(CutResponse(source: body.source, tookEffectAt: at, waitedMilliseconds: waited, mode: program.status.mode))
        case .refused(.unknownSource):
            throw APIError(.notFound, "unknown source", detail: body.source)
        case .refused(.offline):
            throw APIError(.conflict, "source offline", detail: "\(body.source) is not live; the program stays on \(program.status.onAir)")
        case .abandoned(let why):
            throw APIError(.conflict, "cut did not take effect", detail: "\(why); the program stays on \(program.status.onAir)")
        }
    }

    private func putCaption(_ request: Request) async throws -> Response {
        let body = try await APIRequestBody.decode(CaptionRequest.self, from: request)
        let caption: Caption
        let wasOnAir = program.status.caption != nil
        if let preset = body.preset {
            caption = try show { () throws(CaptionError) in try program.showPreset(preset) }
            try record(request, "program.caption.preset", ["preset": preset, "text": caption.text])
            controlRoom?.noteCaption(caption, preset: preset, by: actorName(request))
        } else {
            guard let text = body.text else { throw APIError(.badRequest, "invalid request body", detail: "give \"text\" or \"preset\"") }
            caption = try show { () throws(CaptionError) in
                let caption = Caption(text: text, position: body.position ?? .bottom, style: body.style ?? .label)
                try program.showCaption(caption)
                return caption
            }
            try record(request, wasOnAir ? "program.caption.edit" : "program.caption.on", [
                "text": caption.text, "position": caption.position.rawValue, "style": caption.style.rawValue,
            ])
            controlRoom?.noteCaption(caption, preset: nil, by: actorName(request))
        }
        return try JSONBody.response(CaptionResponse(caption: caption))
    }

    private func show(_ body: () throws(CaptionError) -> Caption) throws -> Caption {
        do {
            return try body()
        } catch .emptyText {
            throw APIError(.unprocessableContent, "caption text is empty")
        } catch .textTooLong(let count) {
            throw APIError(.unprocessableContent, "caption text too long", detail: "\(count) characters, at most 200")
        } catch .unknownPreset(let name) {
            throw APIError(.notFound, "unknown preset", detail: name)
        }
    }
}
