import Foundation
import Hummingbird
import Logging
import VideoRelay

/// Builds relayd's HTTP application: the relay API, metrics, health, and FieldOps.
func buildApplication(
    relay: Relay, program: ProgramPipeline? = nil, fieldOps: FieldOpsHTTP, auditTrail: AuditTrail? = nil,
    listen: HostPort, logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(relay: relay, program: program, fieldOps: fieldOps, auditTrail: auditTrail)
    return Application(
        router: router,
        configuration: .init(address: .hostname(listen.host, port: Int(listen.port)), serverName: "relayd"),
        logger: logger)
}

func buildRouter(
    relay: Relay, program: ProgramPipeline? = nil, fieldOps: FieldOpsHTTP, auditTrail: AuditTrail? = nil
) -> Router<BasicRequestContext> {
    let router = Router()
    router.middlewares.add(APIErrorMiddleware())
    RelayController(relay: relay, program: program).addRoutes(to: router)
    if let program { ProgramController(program: program, relay: relay, auditTrail: auditTrail).addRoutes(to: router) }
    if let auditTrail { AuditTrailController(audit: auditTrail).addRoutes(to: router) }
    fieldOps.addRoutes(to: router)
    return router
}
