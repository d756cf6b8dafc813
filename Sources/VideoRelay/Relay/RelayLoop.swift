import CSRT
import Foundation
import Logging

/// The relay's one I/O thread: it owns every SRT socket, receives each publisher's payloads and
/// hands them to every reader's own queue. Per-packet work stays on this thread, off the Swift
/// concurrency pool (STYLE 6); everything else sees only the snapshots it publishes.
final class RelayLoop {
    private let configuration: RelayConfiguration
    private let logger: Logger
    private let gatekeeper: Gatekeeper
    private let epoll: SRTEpoll
    private let listener: SRTSocket
    private let sources: [SourceRuntime]
    private let sourcesByID: [String: SourceRuntime]
    private let sinks: [SinkRuntime]
    /// Socket → what it is.
    private var publishers: [SRTSOCKET: SourceRuntime] = [:]
    private var readers: [SRTSOCKET: Reader] = [:]
    /// Resource → its readers, the per-payload fan-out list.
    private var readersByResource: [String: [Reader]] = [:]
    /// Without a program feed: the source the program passes through.
    private var programSource: SourceRuntime?
    /// With a program feed: its output, inspected and cached like a source's.
    private let programFeed: ProgramFeed?
    private let programOutput: SourceRuntime
    /// Sees every source and program payload too (thumbnails); it only enqueues.
    private let tap: PayloadTap?
    private var stalledReaderDisconnects = 0
    /// Encrypted callers closed because their AES key was shorter than configured.
    private var weakKeyRefusals = 0
    /// Publishers closed after their handshake because another was accepted first.
    private var lostPublishRaces = 0
    private let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 16)
    private let stallLimit: Duration
    private let sourceStallLimit: Duration
    private var lastStatisticsAt: ContinuousClock.Instant
    private var lastSnapshotAt: ContinuousClock.Instant
    /// Returns what libsrt's handshakes left in the allocator's arenas to the system.
    private var allocatorTrim: AllocatorTrim
    private let publish: @Sendable (RelaySnapshot) -> Void
    /// Operator requests (kicks) from other threads, applied on this one.
    private let takeCommands: @Sendable () -> [RelayCommand]

    /// The port the listener is bound to (differs from the configuration when it asked for 0).
    let boundPort: UInt16

    init(
        configuration: RelayConfiguration, programFeed: ProgramFeed?, tap: PayloadTap? = nil, logger: Logger,
        takeCommands: @escaping @Sendable () -> [RelayCommand] = { [] },
        publish: @escaping @Sendable (RelaySnapshot) -> Void
    ) throws(SRTError) {
        self.configuration = configuration
        self.takeCommands = takeCommands
        self.programFeed = programFeed
        self.tap = tap
        self.logger = logger
        self.publish = publish
        programOutput = SourceRuntime(
            configuration: SourceConfiguration(id: RelayConfiguration.programResource, kind: .relay, label: "Program"),
            gopLimitBytes: configuration.fanout.queueBytes / 2)
        let now = ContinuousClock.now
        gatekeeper = Gatekeeper(policy: AccessPolicy(configuration: configuration), keyLength: configuration.keyLength, logger: logger)
        epoll = try SRTEpoll()
        listener = try SRTSocket(options: SRTSocketOption.liveDefaults(latency: configuration.latencyMilliseconds))
        do {
            try listener.bind(configuration.srtListen)
            try gatekeeper.install(on: listener)
            try listener.listen(backlog: 64)
            boundPort = try listener.localPort()
        } catch {
            listener.close()
            throw error
        }
        epoll.add(listener, [.input, .error])
        // A GOP may use at most half a reader's queue, so a joiner's burst never overflows it.
        sources = configuration.sources.map { SourceRuntime(configuration: $0, gopLimitBytes: configuration.fanout.queueBytes / 2) }
        sourcesByID = Dictionary(uniqueKeysWithValues: sources.map { ($0.id, $0) })
        sinks = configuration.sinks.map { SinkRuntime(configuration: $0, limits: configuration.fanout, now: now) }
        stallLimit = .milliseconds(configuration.fanout.stallMilliseconds)
        sourceStallLimit = .milliseconds(configuration.fanout.sourceStallMilliseconds)
        lastStatisticsAt = now
        lastSnapshotAt = now
        allocatorTrim = AllocatorTrim(now: now)
    }

    deinit {
        receiveBuffer.deallocate()
    }

    /// Runs until `shouldStop` says so, then closes every socket.
    func run(shouldStop: () -> Bool) {
        logger.info("SRT listener ready", metadata: ["srt.address": "\(configuration.srtListen.host):\(boundPort)"])
        var events = [SRT_EPOLL_EVENT](repeating: SRT_EPOLL_EVENT(), count: 256)
        // The program feed's output arrives off the epoll; a short wait bounds its delay.
        let wait: Int64 = programFeed == nil ? 20 : 5
        while !shouldStop() {
            let ready = epoll.wait(into: &events, timeoutMilliseconds: wait)
            let now = ContinuousClock.now
            for event in ready { handle(socket: event.fd, events: event.events, now: now) }
            if let programFeed {
                for payload in programFeed.takeOutput() { ingestProgramOutput(payload[...], now: now) }
            }
            for command in takeCommands() { apply(command) }
            housekeeping(now: now)
        }
        closeEverything()
    }

    // MARK: - Events

    private func handle(socket handle: SRTSOCKET, events: Int32, now: ContinuousClock.Instant) {
        if handle == listener.handle {
            acceptPending(now: now)
        } else if let source = publishers[handle] {
            receive(from: source, now: now)
        } else if let reader = readers[handle] {
            if events & Int32(SRT_EPOLL_ERR.rawValue) != 0 || reader.socket.status.rawValue >= SRTS_BROKEN.rawValue {
                remove(reader, reason: "connection closed")
            } else {
                if events & Int32(SRT_EPOLL_IN.rawValue) != 0 { discardIncoming(reader) }
                send(to: reader, now: now)
            }
        } else if let sink = sinks.first(where: { $0.connecting?.handle == handle }) {
            finishConnecting(sink, now: now)
        }
    }

    private func acceptPending(now: ContinuousClock.Instant) {
        while true {
            let socket: SRTSocket?
            do {
                socket = try listener.accept()
            } catch {
                logger.info("SRT accept failed", metadata: ["srt.error": "\(error)"])
                return
            }
            guard let socket else { return }
            guard let grant = gatekeeper.takeGrant(for: socket.handle) else {
                socket.close()
                continue
            }
            let request = grant.request
            // In SRT's handshake the caller's key length wins, so the configured length is
            // enforced here as a minimum: a weaker encrypted connection is closed.
            if grant.passphrase != nil, let used = socket.keyLength, used < configuration.keyLength {
                weakKeyRefusals += 1
                logger.info("caller refused: AES key too short", metadata: [
                    "srt.streamid": "\(request.text)", "srt.key_length": "\(used)", "srt.required": "\(configuration.keyLength)",
                ])
                socket.close()
                continue
            }
            switch request.mode {
            case .publish:
                guard let source = sourcesByID[request.resource], source.enabled else {
                    logger.info("publisher refused: source held off", metadata: ["source.id": "\(request.resource)"])
                    socket.close()
                    continue
                }
                // Only a caller that completed its handshake holds a source. Two that both passed
                // the callback: the first accepted publishes, the other is closed (or, with
                // takeover, replaces it).
                if let previous = source.publisher {
                    guard grant.allowTakeover else {
                        lostPublishRaces += 1
                        logger.info("publisher refused: another publisher was accepted first", metadata: [
                            "source.id": "\(source.id)", "srt.user": "\(request.user ?? "-")",
                        ])
                        socket.close()
                        continue
                    }
                    logger.info("publisher taken over", metadata: ["source.id": "\(source.id)"])
                    disconnectPublisher(source, socketHandle: previous.handle, reason: "taken over by a new publisher")
                }
                source.attach(socket, user: request.user)
                publishers[socket.handle] = source
                gatekeeper.publisherAttached(source.id, socket: socket.handle)
                epoll.add(socket, [.input, .error])
                logger.info("publisher connected", metadata: ["source.id": "\(source.id)", "srt.user": "\(request.user ?? "-")"])
                // Readers of this source resume on the new publisher's first keyframe.
                for reader in readersByResource[source.id] ?? [] { reader.restartOnNextKeyframe() }
                updateProgramSource()
            case .request:
                let sinkID = sinks.first { sink in
                    if case .pull(let user) = sink.configuration.delivery { return user == request.user && sink.configuration.feed == request.resource }
                    return false
                }?.id
                if let sinkID, sinks.first(where: { $0.id == sinkID })?.enabled == false {
                    logger.info("reader refused: delivery held", metadata: ["sink.id": "\(sinkID)"])
                    socket.close()
                    continue
                }
                addReader(Reader(
                    socket: socket, resource: request.resource, user: request.user, sinkID: sinkID,
                    queueBytes: configuration.fanout.queueBytes, now: now))
            }
        }
    }

    private func addReader(_ reader: Reader) {
        readers[reader.socket.handle] = reader
        readersByResource[reader.resource, default: []].append(reader)
        epoll.add(reader.socket, [.input, .error])
        if let sinkID = reader.sinkID, let sink = sinks.first(where: { $0.id == sinkID }) {
            sink.connections += 1
            sink.lastError = nil
        }
        if let source = feedSource(of: reader.resource) {
            reader.join(source.gop, programTables: source.inspector.programTables, useCache: configuration.fanout.gopCache)
            send(to: reader, now: ContinuousClock.now)
        }
        logger.info("reader connected", metadata: [
            "reader.resource": "\(reader.resource)", "reader.user": "\(reader.user ?? "-")",
            "reader.sink": "\(reader.sinkID ?? "-")", "reader.count": "\(readers.count)",
        ])
    }

    /// The source whose payloads a resource carries right now.
    private func feedSource(of resource: String) -> SourceRuntime? {
        guard resource == RelayConfiguration.programResource else { return sourcesByID[resource] }
        return programFeed == nil ? programSource : programOutput
    }

    /// Reads one message per readiness event. In live mode libsrt releases packets one at a time
    /// at their play time, and a read that finds nothing costs a C++ exception inside libsrt, so
    /// draining until "would block" costs more than letting the level-triggered epoll report
    /// the socket again.
    private func receive(from source: SourceRuntime, now: ContinuousClock.Instant) {
        guard let publisher = source.publisher else { return }
        let length: Int?
        do {
            length = try publisher.receive(into: receiveBuffer)
        } catch {
            disconnectPublisher(source, socketHandle: publisher.handle, reason: "connection lost: \(error.message)")
            return
        }
        guard let length, length > 0 else { return }
        let payload = Array(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<length]))[...]
        ingest(payload, from: source, now: now)
    }

    private func ingest(_ payload: ArraySlice<UInt8>, from source: SourceRuntime, now: ContinuousClock.Instant) {
        source.bytesReceived += UInt64(payload.count)
        source.payloadsReceived += 1
        let inspection = source.inspector.inspect(payload)
        guard inspection.isTransportStream else {
            // Garbage never reaches a reader; a publisher that keeps sending it is cut off.
            source.invalidPayloads += 1
            source.invalidStreak += 1
            source.payloadFormat = .invalid
            if source.invalidStreak >= configuration.fanout.invalidPayloadLimit, let publisher = source.publisher {
                source.invalidPayloadDisconnects += 1
                disconnectPublisher(source, socketHandle: publisher.handle, reason: "payload is not MPEG-TS (\(source.invalidStreak) payloads in a row)")
            }
            return
        }
        source.invalidStreak = 0
        source.payloadFormat = .mpegts
        source.lastPayloadAt = now
        distribute(payload, inspection: inspection, of: source, to: source.id, now: now)
        tap?.observe(resource: source.id, payload: payload, keyframeOffset: inspection.keyframeOffset)
        if let programFeed {
            programFeed.receive(sourceID: source.id, payload: payload)
        } else if programSource === source {
            distribute(payload, inspection: inspection, of: source, to: RelayConfiguration.programResource, now: now, cache: false)
            tap?.observe(resource: RelayConfiguration.programResource, payload: payload, keyframeOffset: inspection.keyframeOffset)
        } else if programSource == nil {
            updateProgramSource()
        }
    }

    /// The program feed's output goes to program readers exactly as a source's payloads go to
    /// its readers: keyframe joins, GOP cache, own queues.
    private func ingestProgramOutput(_ payload: ArraySlice<UInt8>, now: ContinuousClock.Instant) {
        programOutput.bytesReceived += UInt64(payload.count)
        programOutput.payloadsReceived += 1
        let inspection = programOutput.inspector.inspect(payload)
        guard inspection.isTransportStream else {
            programOutput.invalidPayloads += 1
            return
        }
        programOutput.payloadFormat = .mpegts
        programOutput.lastPayloadAt = now
        distribute(payload, inspection: inspection, of: programOutput, to: RelayConfiguration.programResource, now: now)
        tap?.observe(resource: RelayConfiguration.programResource, payload: payload, keyframeOffset: inspection.keyframeOffset)
    }

    /// Updates the GOP cache (unless the payload is already cached under its source) and queues
    /// the payload for every reader of `resource`.
    private func distribute(
        _ payload: ArraySlice<UInt8>, inspection: TransportStreamInspector.Inspection, of source: SourceRuntime,
        to resource: String, now: ContinuousClock.Instant, cache: Bool = true
    ) {
        if cache {
            if let offset = inspection.keyframeOffset {
                source.gop.start(with: payload[(payload.startIndex + offset)...])
            } else {
                source.gop.append(payload)
            }
        }
        let tables = source.inspector.programTables
        for reader in readersByResource[resource] ?? [] {
            reader.deliver(payload, keyframeOffset: inspection.keyframeOffset, programTables: tables)
            send(to: reader, now: now)
        }
    }

    private func send(to reader: Reader, now: ContinuousClock.Instant) {
        do {
            try reader.flush(now: now)
        } catch {
            remove(reader, reason: "send failed: \(error.message)")
            return
        }
        // Watch for writability only while something waits, so idle readers cost no wake-ups.
        let backedUp = !reader.queue.isEmpty
        if backedUp != reader.watchesOutput {
            reader.watchesOutput = backedUp
            epoll.update(reader.socket, backedUp ? [.input, .output, .error] : [.input, .error])
        }
    }

    /// Readers have nothing to say; whatever they send is read and dropped so a level-triggered
    /// epoll does not keep waking for it.
    private func discardIncoming(_ reader: Reader) {
        while let length = try? reader.socket.receive(into: receiveBuffer), length > 0 {}
    }

    // MARK: - Program

    /// Without a program feed, the program passes a live source through: the one it carries
    /// stays while it is live (no surprise cut when another comes up); when it stops, the first
    /// live source in configuration order takes over.
    private func updateProgramSource() {
        guard programFeed == nil else { return }
        let now = ContinuousClock.now
        if let current = programSource, current.state(now: now, stallAfter: sourceStallLimit) == .live { return }
        let next = sources.first { $0.state(now: now, stallAfter: sourceStallLimit) == .live }
        guard next !== programSource else { return }
        programSource = next
        logger.info("program source changed", metadata: ["program.source": "\(next?.id ?? "none")"])
        for reader in readersByResource[RelayConfiguration.programResource] ?? [] {
            if let next {
                reader.join(next.gop, programTables: next.inspector.programTables, useCache: configuration.fanout.gopCache)
                send(to: reader, now: now)
            }
        }
    }

    // MARK: - Push sinks

    private func startConnecting(_ sink: SinkRuntime, now: ContinuousClock.Instant) {
        guard case .push(let address, let passphrase, let streamID) = sink.configuration.delivery else { return }
        var options = SRTSocketOption.liveDefaults(latency: configuration.latencyMilliseconds)
        options.append(.connectTimeout(milliseconds: 3000))
        if let passphrase {
            options.append(.passphrase(passphrase))
            options.append(.keyLength(bytes: configuration.keyLength))
        }
        if let streamID { options.append(.streamID(streamID)) }
        do {
            let socket = try SRTSocket(options: options)
            do {
                try socket.connect(address)
            } catch {
                socket.close()
                throw error
            }
            sink.connecting = socket
            epoll.add(socket, [.output, .error])
        } catch {
            connectFailed(sink, reason: "\(error)", now: now)
        }
    }

    private func finishConnecting(_ sink: SinkRuntime, now: ContinuousClock.Instant) {
        guard let socket = sink.connecting else { return }
        sink.connecting = nil
        epoll.remove(socket)
        guard socket.status == SRTS_CONNECTED else {
            let reason = socket.rejectReason
            socket.close()
            connectFailed(sink, reason: "connection refused or timed out (reason \(reason): \(String(cString: srt_rejectreason_str(reason))))", now: now)
            return
        }
        sink.backoff.reset()
        logger.info("push sink connected", metadata: ["sink.id": "\(sink.id)"])
        addReader(Reader(
            socket: socket, resource: sink.configuration.feed, user: nil, sinkID: sink.id,
            queueBytes: configuration.fanout.queueBytes, now: now))
    }

    private func connectFailed(_ sink: SinkRuntime, reason: String, now: ContinuousClock.Instant) {
        sink.failedAttempts += 1
        sink.lastError = reason
        let delay = sink.backoff.nextDelay()
        sink.nextAttemptAt = now + delay
        logger.info("push sink connect failed", metadata: ["sink.id": "\(sink.id)", "sink.error": "\(reason)", "sink.retry_in": "\(delay)"])
    }

    // MARK: - Operator commands

    private func apply(_ command: RelayCommand) {
        switch command {
        case .kickReader(let id, let reply):
            guard let reader = readers[id] else { return reply(false) }
            remove(reader, reason: "kicked by an operator")
            reply(true)
        case .kickPublisher(let sourceID, let reply):
            guard let source = sourcesByID[sourceID], let handle = source.publisher?.handle else { return reply(false) }
            disconnectPublisher(source, socketHandle: handle, reason: "kicked by an operator")
            reply(true)
        case .setSourceEnabled(let sourceID, let enabled, let reply):
            guard let source = sourcesByID[sourceID] else { return reply(false) }
            source.enabled = enabled
            gatekeeper.hold(source: sourceID, !enabled)
            if !enabled, let handle = source.publisher?.handle {
                disconnectPublisher(source, socketHandle: handle, reason: "source held off by an admin")
            }
            logger.info(enabled ? "source enabled" : "source held off", metadata: ["source.id": "\(sourceID)"])
            reply(true)
        case .setSinkEnabled(let sinkID, let enabled, let reply):
            guard let sink = sinks.first(where: { $0.id == sinkID }) else { return reply(false) }
            sink.enabled = enabled
            if case .pull(let user) = sink.configuration.delivery {
                gatekeeper.hold(resource: sink.configuration.feed, user: user, !enabled)
            }
            if !enabled {
                for reader in readers.values where sink.owns(reader) { remove(reader, reason: "delivery held by an admin") }
                if let connecting = sink.connecting {
                    epoll.remove(connecting)
                    connecting.close()
                    sink.connecting = nil
                }
            }
            logger.info(enabled ? "sink enabled" : "sink held", metadata: ["sink.id": "\(sinkID)"])
            reply(true)
        }
    }

    // MARK: - Housekeeping

    private func housekeeping(now: ContinuousClock.Instant) {
        for sink in sinks {
            guard case .push = sink.configuration.delivery, sink.enabled, sink.connecting == nil, now >= sink.nextAttemptAt else { continue }
            if !readers.values.contains(where: { sink.owns($0) }) { startConnecting(sink, now: now) }
        }
        // Twice a second, so a receiver that stops acknowledging shows within a second.
        if now - lastStatisticsAt >= .milliseconds(500) {
            lastStatisticsAt = now
            collectStatistics(now: now)
            updateProgramSource()
            gatekeeper.dropAbandonedGrants()
            if allocatorTrim.shouldTrim(handshakes: gatekeeper.callerCount, now: now) { AllocatorTrim.trim() }
        }
        if now - lastSnapshotAt >= .milliseconds(200) {
            lastSnapshotAt = now
            publish(snapshot(now: now))
        }
    }

    private func collectStatistics(now: ContinuousClock.Instant) {
        for source in sources {
            source.measureBitrate(now: now)
            if let publisher = source.publisher { source.srt = publisher.statistics(clear: false) }
        }
        for reader in Array(readers.values) {
            if let statistics = reader.socket.statistics(clear: false) { reader.update(statistics, now: now) }
            if let reason = reader.stallReason(now: now, limit: stallLimit) {
                stalledReaderDisconnects += 1
                remove(reader, reason: "stalled: \(reason)")
            }
        }
    }

    private func snapshot(now: ContinuousClock.Instant) -> RelaySnapshot {
        var snapshot = RelaySnapshot()
        snapshot.sources = sources.map {
            $0.status(now: now, stallAfter: sourceStallLimit, readers: readersByResource[$0.id]?.count ?? 0)
        }
        let allReaders = readers.values.sorted { $0.connectedAt < $1.connectedAt }
        snapshot.readers = allReaders.map(\.status)
        snapshot.sinks = sinks.map { sink in sink.status(readers: allReaders.filter { sink.owns($0) }, now: now) }
        snapshot.programSource = programSource?.id
        snapshot.refusals = Dictionary(uniqueKeysWithValues: gatekeeper.refusals.map { (String($0.key), $0.value) })
        if weakKeyRefusals > 0 { snapshot.refusals["key_length"] = weakKeyRefusals }
        if lostPublishRaces > 0 { snapshot.refusals["publish_race"] = lostPublishRaces }
        snapshot.pendingHandshakes = gatekeeper.pendingGrantCount
        snapshot.abandonedHandshakes = gatekeeper.abandonedGrantCount
        snapshot.stalledReaderDisconnects = stalledReaderDisconnects
        return snapshot
    }

    // MARK: - Teardown

    private func disconnectPublisher(_ source: SourceRuntime, socketHandle: SRTSOCKET, reason: String) {
        guard publishers.removeValue(forKey: socketHandle) != nil, let socket = source.detach(reason: reason) else { return }
        epoll.remove(socket)
        socket.close()
        gatekeeper.release(source.id, socket: socketHandle)
        logger.info("publisher disconnected", metadata: ["source.id": "\(source.id)", "source.reason": "\(reason)"])
        updateProgramSource()
    }

    private func remove(_ reader: Reader, reason: String) {
        guard readers.removeValue(forKey: reader.socket.handle) != nil else { return }
        readersByResource[reader.resource]?.removeAll { $0 === reader }
        if let sink = sinks.first(where: { $0.owns(reader) }) {
            sink.retire(reader)
            sink.lastError = reason
            if case .push = sink.configuration.delivery {
                sink.nextAttemptAt = ContinuousClock.now + sink.backoff.nextDelay()
            }
        }
        epoll.remove(reader.socket)
        reader.socket.close()
        logger.info("reader disconnected", metadata: [
            "reader.resource": "\(reader.resource)", "reader.sink": "\(reader.sinkID ?? "-")", "reader.reason": "\(reason)",
        ])
    }

    private func closeEverything() {
        for reader in Array(readers.values) { remove(reader, reason: "relay shutting down") }
        for source in sources {
            if let publisher = source.publisher { disconnectPublisher(source, socketHandle: publisher.handle, reason: "relay shutting down") }
        }
        for sink in sinks {
            if let socket = sink.connecting {
                epoll.remove(socket)
                socket.close()
                sink.connecting = nil
            }
        }
        epoll.remove(listener)
        listener.close()
        publish(snapshot(now: ContinuousClock.now))
    }
}
