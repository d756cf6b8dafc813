import CSRT
import Foundation
import Logging

/// The relay's one I/O thread: it owns every SRT socket and dispatches what its epoll reports to
/// the part that deals with it: admission (`Admission`), fan-out (`Distribution`), push sinks
/// (`PushSinkConnector`), sources fed from upstream (`UpstreamConnector`), operator commands and
/// statistics (the extensions in `RelayLoop+Commands.swift` and `RelayLoop+Statistics.swift`).
/// Per-packet work stays on this thread, off the Swift concurrency pool (STYLE 6); everything
/// else sees only the snapshots it publishes.
///
/// It sleeps until a socket is ready, another thread wakes it (`WakeSignal`: program output, an
/// operator command, stop), or the next deadline (statistics, a push sink's or an upstream's next
/// attempt).
final class RelayLoop {
    /// What a socket in the epoll is.
    enum Connection {
        case publisher(Publisher)
        case reader(Reader)
        /// A push sink's connection being made.
        case connecting(SinkRuntime)
        /// An upstream source's connection being made.
        case upstream(UpstreamRuntime)
    }

    let configuration: RelayConfiguration
    let logger: Logger
    let gatekeeper: Gatekeeper
    let epoll: SRTEpoll
    private let wake: WakeSignal
    private let listener: SRTSocket
    private(set) var admission: Admission
    /// Created on first use, so its failure handler can reach the loop.
    private(set) lazy var distribution = Distribution(
        configuration: configuration, programFeed: programFeed, tap: tap, failoverRules: failoverRules, logger: logger,
        now: ContinuousClock.now,
        failed: { [unowned self] target, failure in self.deliveryFailed(target, failure) })
    private let programFeed: ProgramFeed?
    private let tap: PayloadTap?
    private let failoverRules: [String: FailoverRule]
    let sinks: [SinkRuntime]
    let sinksByID: [String: SinkRuntime]
    let pushSinks: PushSinkConnector
    /// Created on first use, from the distribution's sources.
    private(set) lazy var upstreams = UpstreamConnector(
        sources: distribution.sources, limits: configuration.fanout, latencyMilliseconds: configuration.latencyMilliseconds,
        keyLength: configuration.keyLength, epoll: epoll, logger: logger, now: ContinuousClock.now)
    /// Every socket in the epoll but the listener, by handle.
    var connections: [SRTSOCKET: Connection] = [:]
    private let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1500, alignment: 16)
    /// Something operators see changed: publish a snapshot at the end of this round.
    var snapshotDue = true
    /// A push sink's or an upstream's schedule changed (a connection lost, a hold): look again
    /// this round.
    var outboundScheduleChanged = true
    private var nextOutboundAttemptAt: ContinuousClock.Instant?
    var statistics: RelayStatistics
    /// Operator requests (kicks, holds) from other threads, applied on this one.
    private let takeCommands: @Sendable () -> [RelayCommand]

    /// The port the listener is bound to (differs from the configuration when it asked for 0).
    let boundPort: UInt16

    init(
        configuration: RelayConfiguration, programFeed: ProgramFeed?, tap: PayloadTap? = nil,
        failoverRules: [String: FailoverRule] = [:], wake: WakeSignal, logger: Logger,
        takeCommands: @escaping @Sendable () -> [RelayCommand] = { [] },
        publish: @escaping @Sendable (RelaySnapshot) -> Void
    ) throws(SRTError) {
        self.configuration = configuration
        self.takeCommands = takeCommands
        self.programFeed = programFeed
        self.tap = tap
        self.failoverRules = failoverRules
        self.wake = wake
        self.logger = logger
        let now = ContinuousClock.now
        gatekeeper = Gatekeeper(policy: AccessPolicy(configuration: configuration), keyLength: configuration.keyLength, logger: logger)
        admission = Admission(gatekeeper: gatekeeper, keyLength: configuration.keyLength, logger: logger)
        epoll = try SRTEpoll()
        // Accepted sockets start from the listener's options; the listen callback then applies
        // each link's own (`Gatekeeper.admit`), so the listener carries no FEC a link could not
        // take off again.
        listener = try SRTSocket(options: SRTSocketOption.liveDefaults(latency: configuration.latencyMilliseconds))
        do {
            try listener.bind(configuration.srtListen)
            try gatekeeper.install(on: listener)
            try listener.listen(backlog: 64)
            boundPort = try listener.localPort()
            try epoll.addSystem(wake.readDescriptor)
        } catch {
            listener.close()
            throw error
        }
        epoll.add(listener, [.input, .error])
        sinks = configuration.sinks.map { SinkRuntime(configuration: $0, limits: configuration.fanout, now: now) }
        sinksByID = Dictionary(uniqueKeysWithValues: sinks.map { ($0.id, $0) })
        pushSinks = PushSinkConnector(
            sinks: sinks, epoll: epoll, link: { [configuration] in configuration.linkSettings(for: $0) }, keyLength: configuration.keyLength,
            logger: logger)
        statistics = RelayStatistics(configuration: configuration.fanout, now: now, publish: publish)
        programFeed?.wakeRelayOnOutput { [wake] in wake.signal() }
    }

    deinit {
        receiveBuffer.deallocate()
    }

    /// Reads at most this many messages from one publisher per wake, so one busy source cannot
    /// hold up the others or the readers.
    static let receiveBatchLimit = 64

    /// Runs until `shouldStop` says so (check it after a `WakeSignal`), then closes every socket.
    func run(shouldStop: () -> Bool) {
        logger.info("SRT listener ready", metadata: ["srt.address": "\(configuration.srtListen.host):\(boundPort)"])
        var now = ContinuousClock.now
        while !shouldStop() {
            let ready = epoll.wait(timeoutMilliseconds: timeoutUntilNextDeadline(now: now))
            // One clock read per wake: every payload of the wake carries this instant.
            now = ContinuousClock.now
            for handle in ready.readable { readable(handle, now: now) }
            for handle in ready.writable { writable(handle, now: now) }
            if ready.systemReadable {
                wake.drain()
                takeWork(now: now)
            }
            runDueWork(now: now)
        }
        closeEverything()
    }

    // MARK: - Dispatch

    private func readable(_ handle: SRTSOCKET, now: ContinuousClock.Instant) {
        if handle == listener.handle { return acceptPending(now: now) }
        switch connections[handle] {
        case .publisher(let publisher):
            receive(from: publisher, now: now)
        case .reader(let reader):
            // An error shows as readable and writable; the socket's state tells.
            guard reader.socket.status.rawValue < SRTS_BROKEN.rawValue else { return remove(reader, reason: "connection closed", now: now) }
            reader.discardIncoming(into: receiveBuffer)
            send(to: reader, now: now)
        case .connecting(let sink):
            finishConnecting(sink, now: now)
        case .upstream(let upstream):
            finishConnecting(upstream, now: now)
        case nil:
            break
        }
    }

    private func writable(_ handle: SRTSOCKET, now: ContinuousClock.Instant) {
        switch connections[handle] {
        case .reader(let reader):
            guard reader.socket.status.rawValue < SRTS_BROKEN.rawValue else { return remove(reader, reason: "connection closed", now: now) }
            send(to: reader, now: now)
        case .connecting(let sink):
            finishConnecting(sink, now: now)
        case .upstream(let upstream):
            finishConnecting(upstream, now: now)
        case .publisher, nil:
            break
        }
    }

    /// What other threads queued: the program feed's output and operator commands.
    private func takeWork(now: ContinuousClock.Instant) {
        if let programFeed {
            for payload in programFeed.takeOutput() { distribution.ingestProgramOutput(payload[...], now: now) }
        }
        for command in takeCommands() { apply(command, now: now) }
    }

    private func runDueWork(now: ContinuousClock.Instant) {
        if now >= statistics.nextCollectionAt {
            // Also picks up work whose wake-up went missing; cheap when there is none.
            takeWork(now: now)
            collectStatistics(now: now)
            snapshotDue = true
        }
        if distribution.programNeedsTick { distribution.tickProgram(now: now) }
        if outboundScheduleChanged || nextOutboundAttemptAt.map({ now >= $0 }) == true {
            outboundScheduleChanged = false
            let held = gatekeeper.held
            for (handle, sink) in pushSinks.startDueAttempts(held: held.sinks, now: now) { connections[handle] = .connecting(sink) }
            for (handle, upstream) in upstreams.startDueAttempts(held: held.sources, now: now) {
                connections[handle] = .upstream(upstream)
                snapshotDue = true
            }
            nextOutboundAttemptAt = [pushSinks.nextAttemptAt(held: held.sinks), upstreams.nextAttemptAt(held: held.sources)].compactMap { $0 }.min()
        }
        if snapshotDue {
            snapshotDue = false
            statistics.publishIfChanged(snapshot(now: now))
        }
    }

    /// Milliseconds until statistics or a push sink's or an upstream's next attempt are due.
    private func timeoutUntilNextDeadline(now: ContinuousClock.Instant) -> Int64 {
        var deadline = statistics.nextCollectionAt
        if let attempt = nextOutboundAttemptAt, attempt < deadline { deadline = attempt }
        guard deadline > now else { return 0 }
        return Int64(((deadline - now) / .milliseconds(1)).rounded(.up))
    }

    // MARK: - Admission

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
            switch admission.decide(socket) {
            case .refuse:
                socket.close()
            case .publish(let sourceID, let user, let previous):
                guard let source = distribution.source(sourceID) else {
                    gatekeeper.release(sourceID, socket: socket.handle)
                    socket.close()
                    continue
                }
                if let previous, case .publisher(let old) = connections[previous] {
                    logger.info("publisher taken over", metadata: ["source.id": "\(source.id)"])
                    disconnect(old, reason: "taken over by a new publisher", now: now)
                }
                startPublishing(socket, to: source, user: user)
            case .read(let resource, let user, let sinkID):
                add(Reader(
                    socket: socket, epoll: epoll, resource: resource, user: user, sinkID: sinkID,
                    queueBytes: configuration.fanout.queueBytes, now: now), now: now)
            }
        }
    }

    // MARK: - Publishers

    /// Makes a connection the source's publisher: a field encoder the listener accepted, or the
    /// relay's own call to the source's upstream. The `Gatekeeper` already records it.
    private func startPublishing(_ socket: SRTSocket, to source: SourceRuntime, user: String?) {
        connections[socket.handle] = .publisher(Publisher(socket: socket, source: source, user: user))
        source.publisherStarted()
        epoll.add(socket, [.input, .error])
        snapshotDue = true
        logger.info("publisher connected", metadata: ["source.id": "\(source.id)", "srt.user": "\(user ?? "-")"])
    }

    /// Reads what the publisher has ready, up to `receiveBatchLimit` messages: libsrt releases a
    /// video frame's payloads together at their play time, so one wake moves the burst instead
    /// of one payload per epoll wait (the read that finds nothing costs an exception inside
    /// libsrt, once per wake).
    private func receive(from publisher: Publisher, now: ContinuousClock.Instant) {
        for _ in 0..<Self.receiveBatchLimit {
            let length: Int?
            do {
                length = try publisher.socket.receive(into: receiveBuffer)
            } catch {
                return disconnect(publisher, reason: "connection lost: \(error.message)", now: now)
            }
            guard let length, length > 0 else { return }
            // The one copy: the GOP cache and every reader's queue share these bytes.
            let payload = Array(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<length]))[...]
            if let reason = distribution.ingest(payload, from: publisher.source, now: now) {
                return disconnect(publisher, reason: reason, now: now)
            }
        }
    }

    func disconnect(_ publisher: Publisher, reason: String, now: ContinuousClock.Instant) {
        let handle = publisher.socket.handle
        guard connections.removeValue(forKey: handle) != nil else { return }
        epoll.remove(publisher.socket)
        publisher.socket.close()
        gatekeeper.release(publisher.source.id, socket: handle)
        publisher.source.publisherEnded(reason: reason)
        if upstreams.connectionLost(publisher.source.id, reason: reason, now: now) { outboundScheduleChanged = true }
        logger.info("publisher disconnected", metadata: ["source.id": "\(publisher.source.id)", "source.reason": "\(reason)"])
        // A program on this source leaves it now rather than at the next tick.
        distribution.tickProgram(now: now)
        snapshotDue = true
    }

    /// The publisher of a source, from the `Gatekeeper`'s record of who holds it.
    func publisher(of sourceID: String) -> Publisher? {
        gatekeeper.publisher(of: sourceID).flatMap { connections[$0]?.publisher }
    }

    // MARK: - Readers

    func add(_ reader: Reader, now: ContinuousClock.Instant) {
        connections[reader.socket.handle] = .reader(reader)
        if let sinkID = reader.sinkID { sinksByID[sinkID]?.connected(reader) }
        snapshotDue = true
        logger.info("reader connected", metadata: [
            "reader.resource": "\(reader.resource)", "reader.user": "\(reader.user ?? "-")",
            "reader.sink": "\(reader.sinkID ?? "-")", "reader.count": "\(connections.count)",
        ])
        distribution.attach(reader, to: reader.resource, now: now)
    }

    private func send(to reader: Reader, now: ContinuousClock.Instant) {
        do {
            try reader.send(now: now)
        } catch {
            remove(reader, reason: error.reason, now: now)
        }
    }

    private func deliveryFailed(_ target: any DeliveryTarget, _ failure: DeliveryFailure) {
        if let reader = target as? Reader { remove(reader, reason: failure.reason, now: ContinuousClock.now) }
    }

    func remove(_ reader: Reader, reason: String, now: ContinuousClock.Instant) {
        guard connections.removeValue(forKey: reader.socket.handle) != nil else { return }
        distribution.detach(reader, from: reader.resource)
        if let sinkID = reader.sinkID, let sink = sinksByID[sinkID] {
            sink.retire(reader, reason: reason)
            if sink.isPush {
                pushSinks.connectionLost(sink, now: now)
                outboundScheduleChanged = true
            }
        }
        reader.close()
        snapshotDue = true
        logger.info("reader disconnected", metadata: [
            "reader.resource": "\(reader.resource)", "reader.sink": "\(reader.sinkID ?? "-")", "reader.reason": "\(reason)",
        ])
    }

    /// Every connected reader.
    var readers: [Reader] { connections.values.compactMap(\.reader) }

    // MARK: - Push sinks

    private func finishConnecting(_ sink: SinkRuntime, now: ContinuousClock.Instant) {
        if let handle = sink.connecting?.handle { connections[handle] = nil }
        outboundScheduleChanged = true
        guard let socket = pushSinks.finishConnecting(sink, now: now) else { return }
        add(Reader(
            socket: socket, epoll: epoll, resource: sink.configuration.feed, user: nil, sinkID: sink.id,
            queueBytes: configuration.fanout.queueBytes, now: now), now: now)
    }

    // MARK: - Upstream sources

    /// An upstream call completed or failed. Connected, the relay holds the source as its
    /// publisher (the listener refuses publishers of such a source anyway: 1405).
    private func finishConnecting(_ upstream: UpstreamRuntime, now: ContinuousClock.Instant) {
        if let handle = upstream.connecting?.handle { connections[handle] = nil }
        outboundScheduleChanged = true
        snapshotDue = true
        guard let socket = upstreams.finishConnecting(upstream, now: now) else { return }
        let source = upstream.source
        guard case .claimed = gatekeeper.claimPublisher(source.id, socket: socket.handle, takeover: false) else {
            // Held off while the handshake ran.
            socket.close()
            _ = upstreams.connectionLost(source.id, reason: "source held off", now: now)
            return
        }
        startPublishing(socket, to: source, user: nil)
    }

    // MARK: - Teardown

    private func closeEverything() {
        let now = ContinuousClock.now
        for reader in readers { remove(reader, reason: "relay shutting down", now: now) }
        for case .publisher(let publisher) in Array(connections.values) {
            disconnect(publisher, reason: "relay shutting down", now: now)
        }
        for sink in sinks { if let handle = pushSinks.cancel(sink) { connections[handle] = nil } }
        for sourceID in upstreams.sourceIDs { if let handle = upstreams.cancel(sourceID) { connections[handle] = nil } }
        epoll.remove(listener)
        epoll.removeSystem(wake.readDescriptor)
        listener.close()
        statistics.publishIfChanged(snapshot(now: now))
    }
}

extension RelayLoop.Connection {
    var publisher: Publisher? {
        if case .publisher(let publisher) = self { return publisher }
        return nil
    }

    var reader: Reader? {
        if case .reader(let reader) = self { return reader }
        return nil
    }
}
