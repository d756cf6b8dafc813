import Hummingbird
import VideoRelay

/// Sources, sinks and readers of the relay, read from its latest snapshot.
struct RelayController<Context: AuthenticatedContext> {
    let relay: Relay
    /// The program pipeline, when it makes the program (it then knows what is on air).
    var program: ProgramPipeline? = nil
    /// Where kicks are recorded (nil only in tests that do not need it).
    var auditTrail: AuditTrail? = nil
    /// The resources' demuxers, whose drops /metrics reports (nil when there are none).
    var demuxes: DemuxHub? = nil
    /// The recorder, whose segments and drops /metrics reports (nil when nothing is recorded).
    var recorder: Recorder? = nil
    /// Picture health, shown in each source (nil when nothing is watched).
    var health: PictureHealthMonitor? = nil
    /// Upstream sites' delays, shown in each chained source (nil in tests that need none).
    var hops: HopDelayMonitor? = nil

    func addRoutes(to router: Router<Context>) {
        router.get("/api/sources") { _, _ in try JSONBody.response(relay.snapshot.sources(with: health, hops: hops)) }
        router.get("/api/sources/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let source = relay.snapshot.sources(with: health, hops: hops).first(where: { $0.id == id }) else {
                throw APIError(.notFound, "unknown source", detail: id)
            }
            return try JSONBody.response(source)
        }
        router.get("/api/sinks") { _, _ in try JSONBody.response(relay.snapshot.sinks) }
        router.get("/api/readers") { _, _ in try JSONBody.response(relay.snapshot.readers) }
        router.delete("/api/readers/{id}") { request, context in
            let id = try context.parameters.require("id", as: Int32.self)
            guard let reader = relay.snapshot.readers.first(where: { $0.id == id }), await relay.kickReader(id) else {
                throw APIError(.notFound, "no such reader", detail: "reader \(id) is not connected")
            }
            try await auditTrail?.append(actor: context.actorName(for: request), action: "relay.kick_reader", programTime: program?.status.programTimeSeconds, details: [
                "reader": "\(id)", "resource": reader.resource, "user": reader.user ?? "", "sink": reader.sink ?? "",
            ])
            return Response(status: .noContent)
        }
        router.delete("/api/sources/{id}/publisher") { request, context in
            let id = try context.parameters.require("id")
            guard let source = relay.snapshot.source(id) else { throw APIError(.notFound, "unknown source", detail: id) }
            guard await relay.kickPublisher(of: id) else {
                throw APIError(.conflict, "source has no publisher", detail: "\(id) is \(source.state.rawValue)")
            }
            try await auditTrail?.append(actor: context.actorName(for: request), action: "relay.kick_publisher", programTime: program?.status.programTimeSeconds, details: [
                "source": id, "user": source.publisherUser ?? "",
            ])
            return Response(status: .noContent)
        }
        router.put("/api/sources/{id}/enabled") { request, context in
            try await hold(request, context, kind: "source") { id, enabled in await relay.setSource(id, enabled: enabled) }
        }
        router.put("/api/sinks/{id}/enabled") { request, context in
            try await hold(request, context, kind: "sink") { id, enabled in await relay.setSink(id, enabled: enabled) }
        }
        router.get("/healthz") { _, _ in
            let snapshot = relay.snapshot
            return try JSONBody.response(Health(
                status: "ok", srtPort: relay.srtPort.map(Int.init),
                sourcesLive: snapshot.sources.filter { $0.state == .live }.count,
                programSource: program.map(\.status.onAir) ?? snapshot.programSource))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: PrometheusText.render(relay.snapshot)
                    + (demuxes.map { PrometheusText.render(demuxDroppedBytes: $0.droppedBytes) } ?? "")
                    + (program.map { PrometheusText.render(program: $0.status) } ?? "")
                    + (recorder.map { PrometheusText.render(recording: $0.statistics, drops: $0.queue.drops, queuedBytes: $0.queue.queuedBytes) } ?? "")
                    + (health.map { PrometheusText.render(health: $0) } ?? "")
                    + (hops.map { PrometheusText.render(hops: $0, sources: relay.snapshot.sources) } ?? "")
                    + PrometheusText.renderMemory())))
        }
    }

    /// Holds or releases a source or sink, and records who did.
    private func hold(
        _ request: Request, _ context: Context, kind: String, apply: (String, Bool) async -> Bool
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        let body = try await APIRequestBody.decode(EnabledRequest.self, from: request)
        guard await apply(id, body.enabled) else { throw APIError(.notFound, "unknown \(kind)", detail: id) }
        try await auditTrail?.append(
            actor: context.actorName(for: request), action: "relay.\(kind)_\(body.enabled ? "enabled" : "held")",
            programTime: program?.status.programTimeSeconds, details: [kind: id])
        return try JSONBody.response(body)
    }

    /// Holds a source or sink (`false`) or releases it (`true`).
    struct EnabledRequest: Codable {
        var enabled: Bool
    }

    struct Health: Encodable {
        var status: String
        var srtPort: Int?
        var sourcesLive: Int
        var programSource: String?
    }
}
