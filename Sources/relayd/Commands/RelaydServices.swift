import Foundation
import Logging
import ServiceLifecycle
import VideoRelay

/// Starts everything relayd runs in one service group and stops it in reverse order on SIGINT or
/// SIGTERM.
struct RelaydServices {
    let configuration: RelaydConfiguration
    let dataDirectory: String
    /// The audit trail's signing key file, kept outside the data directory.
    let auditKeyPath: String
    let fieldUnits: SimulatedFieldUnits?

    func run() async throws {
        // Whatever relayd or a library creates (databases, audit files, sessions, recordings)
        // is readable by its own user only, even where a mode is not given explicitly.
        umask(0o077)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "relayd")
        logger.info("relayd starting", metadata: [
            "lib.srt": "\(LibraryVersions.srt)", "lib.avformat": "\(LibraryVersions.avformat)",
            "srt.listen": "\(configuration.relay.srtListen)", "http.listen": "\(configuration.httpListen)",
        ])
        let dataURL = URL(fileURLWithPath: dataDirectory, isDirectory: true)
        try DataDirectory.prepare(dataURL, logger: logger)
        logger.info("HTTP limits", metadata: [
            "http.allowed_hosts": "\(AllowedHosts(listen: configuration.httpListen, configured: configuration.httpServer.allowedHosts).entries)",
            "http.idle_timeout": "\(configuration.httpServer.idleTimeout)",
            "http.max_connections": "\(configuration.httpServer.maximumConnections ?? HTTPConnectionLimit.defaultMaximum())",
            "process.open_file_limit": "\(HTTPConnectionLimit.openFileLimit())",
        ])
        let auditKey = try AuditTrailSigningKey.loadOrCreate(path: auditKeyPath)
        let auditTrail = try AuditTrail(dataDirectory: dataURL, key: auditKey)
        // Segments, manifests and signed heads under <data-dir>/recordings, written off the relay thread.
        let recorder = configuration.recording.resources.isEmpty ? nil : Recorder(
            settings: configuration.recording, dataDirectory: dataURL, key: auditKey, auditTrail: auditTrail, logger: Logger(label: "relayd.recording"))
        let enabled = configuration.program.enabled
        // One demuxer per source, and for the program when the pipeline makes one, fed by the
        // relay; its subscribers (the program, the thumbnails) never demux again. Without the
        // pipeline the program passes a source through: demuxing it again would only repeat it.
        let demuxes = DemuxHub(
            resources: configuration.relay.sources.map(\.id) + (enabled ? [RelayConfiguration.programResource] : []),
            logger: Logger(label: "relayd.demux"))
        // What was on air before a restart: the program returns to that source and caption.
        let programState = ProgramStateFile(dataDirectory: dataURL, logger: Logger(label: "relayd.program"))
        let resumed = enabled ? programState.load(sources: configuration.relay.sources.map(\.id)) : nil
        var programConfiguration = configuration.program
        programConfiguration.resumeSource = resumed?.onAir
        let program = ProgramPipeline(
            configuration: programConfiguration, sources: configuration.relay.sources.map(\.id), demuxes: demuxes, logger: Logger(label: "relayd.program"))
        if let caption = resumed?.caption { try? program.showCaption(caption) }
        let relay = Relay(
            configuration: configuration.relay, programFeed: enabled ? program : nil, tap: demuxes,
            failoverRules: enabled ? [:] : configuration.program.failover, recording: recorder?.queue, logger: Logger(label: "relayd.relay"))
        // Thumbnails of every source and of the program, from keyframes only, for the control
        // room; a pass-through program's (not demuxed) is its on-air source's.
        let thumbnails = ThumbnailMaker(
            demuxes: demuxes, programSource: { relay.snapshot.programSource }, logger: Logger(label: "relayd.thumbnails"))
        // Frozen, black and silent pictures and format changes per source, from the same demuxers;
        // the program fails a source over on the states its `failover_on` names.
        let sourceIDs = configuration.relay.sources.map(\.id)
        let health = PictureHealthMonitor(demuxes: demuxes, sources: sourceIDs, settings: configuration.health, logger: Logger(label: "relayd.health"))
        // Upstream sites' delay stamps in each source's pictures, from the same demuxers.
        let hops = HopDelayMonitor(demuxes: demuxes, sources: sourceIDs)
        let controlRoom = ControlRoomState(displayTimeZone: configuration.displayTimeZone.identifier)
        health.onChange { [changes = controlRoom.changes] in
            if enabled { program.updateHealth(health.conditions) }
            changes.signal()
        }
        let fieldOps = try await FieldOpsHTTP.open(
            settings: configuration.fieldOps, dataDirectory: dataURL, logger: Logger(label: "relayd.fieldops"), displayTimeZone: configuration.displayTimeZone)
        try await auditTrail.append(actor: "relayd", action: "relayd.started", details: [
            "srt.listen": configuration.relay.srtListen.description, "http.listen": configuration.httpListen.description,
        ])
        if let resumed, resumed.onAir != nil || resumed.caption != nil {
            try await auditTrail.append(actor: "relayd", action: "program.resume", details: [
                "source": resumed.onAir ?? "", "caption": resumed.caption?.text ?? "",
            ])
        }
        if configuration.accounts.isEmpty {
            // The configuration refuses this beyond loopback; on loopback it is the embedded
            // default's way of working, but it must never be a surprise.
            logger.warning("no accounts configured: the control room and API are open to anyone on this machine", metadata: ["http.listen": "\(configuration.httpListen)"])
        } else {
            logger.info("accounts configured", metadata: ["auth.accounts": "\(configuration.accounts.count)"])
        }
        let access = AccessControl(
            accounts: configuration.accounts, auditTrail: auditTrail, sessionsFile: dataURL.appendingPathComponent("sessions.json"))
        let head = try auditTrail.head
        logger.info("audit trail head", metadata: ["audit.seq": "\(head.seq)", "audit.head": "\(head.hash)", "audit.public_key": "\(head.publicKey)"])
        let application = buildApplication(
            relay: relay, program: enabled ? program : nil, thumbnails: thumbnails, fieldOps: fieldOps, auditTrail: auditTrail, recorder: recorder,
            programState: programState, health: health, hops: hops, controlRoom: controlRoom, access: access,
            listen: configuration.httpListen, server: configuration.httpServer, logger: Logger(label: "relayd.http"))
        // Stopped in reverse: the relay (no more payloads), then the demuxers, then their subscribers.
        // The recorder stops after the relay, so it finishes the segments of the last payloads.
        var services: [any Service] = (enabled ? [program] : []) + [thumbnails, health, demuxes] + (recorder.map { [$0] } ?? []) + [relay, application]
        services.insert(fieldOps.revisionFollower(logger: Logger(label: "relayd.fieldops")), at: 0)
        // Before the monitor, so it stops after it and records its last events.
        services.insert(PictureHealthRecorder(
            health: health, auditTrail: auditTrail, programTime: { enabled ? program.status.programTimeSeconds : nil }, logger: Logger(label: "relayd.audit")), at: 0)
        // First in the group, so it stops last and records the failed logins of the final minute.
        if let failedLogins = access.failedLogins { services.insert(failedLogins, at: 0) }
        if enabled {
            services.append(ProgramMovesRecorder(program: program, auditTrail: auditTrail, logger: Logger(label: "relayd.audit")))
        }
        if let fieldUnits { services.append(fieldUnits) }
        if let recorder {
            // Exports older than recording.exports_keep_h go now and then every few minutes.
            let sweeper = ClipExportSweeper(
                jobs: recorder.exports, sweep: ClipExportSweep(kept: configuration.recording.exportsKept), auditTrail: auditTrail,
                logger: Logger(label: "relayd.recording"))
            await sweeper.sweepOnce()
            services.append(sweeper)
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        let stopped = try await auditTrail.append(actor: "relayd", action: "relayd.stopped")
        logger.info("relayd stopped", metadata: ["audit.head": "\(stopped.hash)"])
    }
}
