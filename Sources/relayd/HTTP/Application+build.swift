import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import VideoRelay

/// Builds relayd's HTTP application: the relay API, metrics, health, and FieldOps.
func buildApplication(
    relay: Relay, program: ProgramPipeline? = nil, thumbnails: ThumbnailMaker? = nil, fieldOps: FieldOpsHTTP, auditTrail: AuditTrail? = nil,
    recorder: Recorder? = nil, programState: ProgramStateFile? = nil, health: PictureHealthMonitor? = nil,
    hops: HopDelayMonitor? = nil,
    controlRoom: ControlRoomState = ControlRoomState(), access: AccessControl = AccessControl(accounts: []), listen: HostPort,
    server: HTTPServerSettings = HTTPServerSettings(), logger: Logger
) -> some ApplicationProtocol {
    let router = buildRouter(
        relay: relay, program: program, thumbnails: thumbnails, fieldOps: fieldOps, auditTrail: auditTrail, recorder: recorder, programState: programState,
        health: health, hops: hops,
        controlRoom: controlRoom, access: access, allowedHosts: AllowedHosts(listen: listen, configured: server.allowedHosts))
    let connections = HTTPConnectionLimit(maximum: server.maximumConnections ?? HTTPConnectionLimit.defaultMaximum(), logger: logger)
    // The idle timeout covers a request head that never completes (it counts from the
    // connection's start, whatever bytes trickle in), a body that stops, and keep-alive idling.
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [connections.makeHandler()], idleTimeout: TimeAmount(server.idleTimeout))
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(address: .hostname(listen.host, port: Int(listen.port)), serverName: "relayd"),
        logger: logger)
}

func buildRouter(
    relay: Relay, program: ProgramPipeline? = nil, thumbnails: ThumbnailMaker? = nil, fieldOps: FieldOpsHTTP, auditTrail: AuditTrail? = nil,
    recorder: Recorder? = nil, programState: ProgramStateFile? = nil, health: PictureHealthMonitor? = nil,
    hops: HopDelayMonitor? = nil,
    controlRoom: ControlRoomState = ControlRoomState(), access: AccessControl = AccessControl(accounts: []),
    allowedHosts: AllowedHosts = AllowedHosts(listen: HostPort(host: "127.0.0.1", port: 8080))
) -> Router<RelaydRequestContext> {
    let router = Router(context: RelaydRequestContext.self)
    router.middlewares.add(SecurityHeadersMiddleware(imageOrigins: fieldOps.map.imageOrigins))  // outermost: refusals get the headers too
    router.middlewares.add(APIErrorMiddleware())  // every error below, in the API's one shape
    // Before anything looks at the request: a foreign Host is a DNS-rebinding page.
    router.middlewares.add(AllowedHostsMiddleware(hosts: allowedHosts))
    router.middlewares.add(RequestBodyLimitMiddleware())
    // Every route below is subject to AccessRules; the error middleware above shapes refusals.
    router.middlewares.add(AuthMiddleware(access: access))
    router.middlewares.add(FieldOpsWriteMiddleware(fieldOps: fieldOps, alsoSignal: controlRoom.changes))
    SessionController(access: access).addRoutes(to: router)
    RelayController(relay: relay, program: program, auditTrail: auditTrail, demuxes: thumbnails?.demuxes, recorder: recorder, health: health, hops: hops).addRoutes(to: router)
    if let program { ProgramController(program: program, relay: relay, auditTrail: auditTrail, controlRoom: controlRoom, programState: programState).addRoutes(to: router) }
    let view = ControlRoomSources(
        relay: relay, program: program, state: controlRoom, thumbnailSequences: { thumbnails?.sequences ?? [:] },
        fieldOpsAlerts: FieldOpsAlerts(database: fieldOps.database, revisions: fieldOps.revisions), exports: { recorder?.exports.recent ?? [] },
        health: health, recordingRevision: { recorder?.revision }, hops: hops)
    // The control room's event stream waits for these instead of polling them.
    relay.onChange { [changes = controlRoom.changes] in changes.signal() }
    program?.onChange { [changes = controlRoom.changes] in changes.signal() }
    hops?.onChange { [changes = controlRoom.changes] in changes.signal() }
    ControlRoomController(sources: view, auditTrail: auditTrail).addRoutes(to: router)
    EventStreamController(sources: view, watching: { thumbnails?.markWatched() }).addRoutes(to: router)
    if let auditTrail { AuditTrailController(audit: auditTrail).addRoutes(to: router) }
    if let thumbnails { ThumbnailController(thumbnails: thumbnails).addRoutes(to: router) }
    if let recorder {
        RecordingController(catalog: recorder.catalog).addRoutes(to: router)
        ClipExportController(jobs: recorder.exports).addRoutes(to: router)
        recorder.exports.onChange { [changes = controlRoom.changes] in changes.signal() }
        recorder.onChange { [changes = controlRoom.changes] in changes.signal() }
    }
    fieldOps.addRoutes(to: router)
    return router
}
