import Foundation
import Hummingbird
import VideoRelay

/// The program feed: cut, caption, presets, and its state.
struct ProgramController<Context: AuthenticatedContext> {
    let program: ProgramPipeline
    let relay: Relay
    /// Where every operator action is recorded (nil only in tests that do not need it).
    var auditTrail: AuditTrail? = nil
    /// Keeps the captions panel's history (nil only in tests that do not need it).
    var controlRoom: ControlRoomState? = nil
    /// Keeps what is on air across a restart (nil only in tests that do not need it).
    var programState: ProgramStateFile? = nil

    func addRoutes(to router: Router<Context>) {
        router.get("/api/program") { _, _ in try JSONBody.response(program.status) }
        router.post("/api/program/cut") { request, context in
            try await cut(request, by: context.actorName(for: request), open: context.account == .local)
        }
        router.put("/api/program/caption") { request, context in try await putCaption(request, by: context.actorName(for: request)) }
        router.delete("/api/program/caption") { request, context in
            let previous = program.status.caption
            program.clearCaption()
            programState?.noteCaption(nil)
            try await record("program.caption.off", ["text": previous?.text ?? ""], by: context.actorName(for: request))
            return try JSONBody.response(CaptionResponse(caption: nil))
        }
        router.get("/api/program/presets") { _, _ in try JSONBody.response(program.configuration.presets) }
        router.put("/api/program/presets/{name}/on-air") { request, context in
            // Preset names are often Japanese, so they arrive percent-encoded.
            let encoded = try context.parameters.require("name")
            let name = encoded.removingPercentEncoding ?? encoded
            let caption = try show { () throws(CaptionError) in try program.showPreset(name) }
            programState?.noteCaption(caption)
            let actor = context.actorName(for: request)
            try await record("program.caption.preset", ["preset": name, "text": caption.text], by: actor)
            controlRoom?.noteCaption(caption, preset: name, by: actor)
            return try JSONBody.response(CaptionResponse(caption: caption))
        }
    }

    /// Appends an operator action to the audit trail, with the account that made it.
    /// The program time is where the action shows in the program (a cut's first picture, else
    /// the latest frame written), so an entry can be matched with a recording.
    private func record(_ action: String, _ details: [String: String], by actor: String, programTime: Double? = nil) async throws {
        try await auditTrail?.append(actor: actor, action: action, programTime: programTime ?? program.status.programTimeSeconds, details: details)
    }

    struct CutRequest: Decodable {
        var source: String
        /// Who cut, as `relayd program cut --by` names it; heeded only when relayd runs open
        /// (no accounts), where nobody is authenticated anyway.
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

    private func cut(_ request: Request, by authenticated: String, open: Bool) async throws -> Response {
        let body = try await APIRequestBody.decode(CutRequest.self, from: request)
        let actor = open ? body.by ?? authenticated : authenticated
        let from = program.status.onAir
        let outcome = await program.cut(to: body.source, by: actor)
        let result: String
        switch outcome {
        case .tookEffect: result = "took effect"
        case .refused(.unknownSource): result = "refused: unknown source"
        case .refused(.offline): result = "refused: source offline"
        case .refused(.unhealthy): result = "refused: source unhealthy"
        case .abandoned(let why): result = "abandoned: \(why)"
        }
        let cutProgramTime: Double? = if case .tookEffect = outcome { program.status.lastCut?.programTimeSeconds } else { nil }
        if case .tookEffect = outcome { programState?.noteCut(to: body.source) }
        try await record("program.cut", ["from": from, "to": body.source, "result": result], by: actor, programTime: cutProgramTime)
        switch outcome {
        case .tookEffect(let at, let waited):
            return try JSONBody.response(CutResponse(source: body.source, tookEffectAt: at, waitedMilliseconds: waited, mode: program.status.mode))
        case .refused(.unknownSource):
            throw APIError(.notFound, "unknown source", detail: body.source)
        case .refused(.offline):
            throw APIError(.conflict, "source offline", detail: "\(body.source) is not live; the program stays on \(program.status.onAir)")
        case .refused(.unhealthy):
            throw APIError(.conflict, "source unhealthy", detail: "\(body.source) is frozen, black or silent and fails over on it; the program stays on \(program.status.onAir)")
        case .abandoned(let why):
            throw APIError(.conflict, "cut did not take effect", detail: "\(why); the program stays on \(program.status.onAir)")
        }
    }

    private func putCaption(_ request: Request, by actor: String) async throws -> Response {
        let body = try await APIRequestBody.decode(CaptionRequest.self, from: request)
        let caption: Caption
        let wasOnAir = program.status.caption != nil
        if let preset = body.preset {
            caption = try show { () throws(CaptionError) in try program.showPreset(preset) }
            programState?.noteCaption(caption)
            try await record("program.caption.preset", ["preset": preset, "text": caption.text], by: actor)
            controlRoom?.noteCaption(caption, preset: preset, by: actor)
        } else {
            guard let text = body.text else { throw APIError(field: "text", "is required unless \"preset\" is given") }
            caption = try show { () throws(CaptionError) in
                let caption = Caption(text: text, position: body.position ?? .bottom, style: body.style ?? .label)
                try program.showCaption(caption)
                return caption
            }
            programState?.noteCaption(caption)
            try await record(wasOnAir ? "program.caption.edit" : "program.caption.on", [
                "text": caption.text, "position": caption.position.rawValue, "style": caption.style.rawValue,
            ], by: actor)
            controlRoom?.noteCaption(caption, preset: nil, by: actor)
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
