import Hummingbird
import VideoRelay

/// Sources, sinks and readers of the relay, read from its latest snapshot.
struct RelayController<Context: RequestContext> {
    let relay: Relay
    /// The program pipeline, when it makes the program (it then knows what is on air).
    var program: ProgramPipeline? = nil

    func addRoutes(to router: Router<Context>) {
        router.get("/api/sources") { _, _ in try JSONBody.response(relay.snapshot.sources) }
        router.get("/api/sources/{id}") { _, context in
            let id = try context.parameters.require("id")
            guard let source = relay.snapshot.source(id) else {
                throw APIError(.notFound, "unknown source", detail: id)
            }
            return try JSONBody.response(source)
        }
        router.get("/api/sinks") { _, _ in try JSONBody.response(relay.snapshot.sinks) }
        router.get("/api/readers") { _, _ in try JSONBody.response(relay.snapshot.readers) }
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
                body: ResponseBody(byteBuffer: ByteBuffer(string: PrometheusText.render(relay.snapshot))))
        }
    }

    struct Health: Encodable {
        var status: String
        var srtPort: Int?
        var sourcesLive: Int
        var programSource: String?
    }
}
