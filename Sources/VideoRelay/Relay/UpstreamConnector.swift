import CSRT
import Foundation
import Logging

/// A source fed from upstream while the relay runs: its link's schedule and the connection being
/// made. Once connected, the connection is the source's `Publisher` like any field encoder's,
/// so the program, thumbnails, failover and status treat it as any other source. Relay thread
/// only.
final class UpstreamRuntime {
    let source: SourceRuntime
    let configuration: UpstreamConfiguration
    /// The link's settings: `srt.*`, the source's own, then `pull.latency_ms`.
    let link: LinkSettings
    var schedule: UpstreamSchedule
    /// The connection being made, not yet the source's publisher.
    var connecting: SRTSocket?
    /// The wall-clock time of the next attempt, fixed when it was scheduled.
    var nextAttemptDate: Date?

    init(source: SourceRuntime, configuration: UpstreamConfiguration, link: LinkSettings, schedule: UpstreamSchedule) {
        self.source = source
        self.configuration = configuration
        self.link = link
        self.schedule = schedule
    }

    var status: UpstreamStatus {
        let state: UpstreamStatus.State
        switch schedule.phase {
        case .waiting: state = .retrying
        case .connecting: state = .connecting
        case .connected: state = .connected
        }
        return UpstreamStatus(
            address: configuration.address.description, streamID: configuration.streamID, state: state,
            nextAttemptAt: state == .retrying ? nextAttemptDate : nil, failedAttempts: schedule.failedAttempts,
            connections: schedule.connections, lastError: schedule.lastError, latencyMilliseconds: link.latencyMilliseconds)
    }
}

/// Makes the connections of sources fed from upstream: the relay calls each upstream listener
/// as a caller, and calls again after a failed attempt or a lost connection, waiting as its
/// `UpstreamSchedule` says. The mirror of `PushSinkConnector`, which calls out to send.
/// Relay thread only.
final class UpstreamConnector {
    private let upstreams: [UpstreamRuntime]
    private let bySource: [String: UpstreamRuntime]
    private let epoll: SRTEpoll
    private let keyLength: Int32
    private let logger: Logger

    /// - Parameter sources: every source; those with an upstream are this connector's.
    /// - Parameter link: a pulled source's link settings (`RelayConfiguration.linkSettings(forUpstreamOf:)`).
    init(
        sources: [SourceRuntime], limits: FanoutLimits, link: (SourceConfiguration) -> LinkSettings, keyLength: Int32, epoll: SRTEpoll,
        logger: Logger, now: ContinuousClock.Instant
    ) {
        upstreams = sources.compactMap { source in
            source.configuration.upstream.map { upstream in
                UpstreamRuntime(
                    source: source, configuration: upstream, link: link(source.configuration),
                    schedule: UpstreamSchedule(
                        backoff: Backoff(
                            initial: .milliseconds(limits.reconnectInitialMilliseconds),
                            maximum: .milliseconds(limits.reconnectMaximumMilliseconds)),
                        now: now))
            }
        }
        bySource = Dictionary(uniqueKeysWithValues: upstreams.map { ($0.source.id, $0) })
        self.epoll = epoll
        self.keyLength = keyLength
        self.logger = logger
    }

    /// The link of a source, if it is fed from upstream.
    func upstream(of sourceID: String) -> UpstreamRuntime? { bySource[sourceID] }

    /// When the next attempt is due, if a source not held off waits for one.
    func nextAttemptAt(held: Set<String>) -> ContinuousClock.Instant? {
        upstreams.lazy.filter { !held.contains($0.source.id) }.compactMap(\.schedule.nextAttemptAt).min()
    }

    /// Starts every attempt that is due. Returns the sockets now connecting, for the loop to
    /// route their completion back to `finishConnecting`.
    func startDueAttempts(held: Set<String>, now: ContinuousClock.Instant) -> [(SRTSOCKET, UpstreamRuntime)] {
        upstreams.filter { !held.contains($0.source.id) && $0.schedule.isDue(now: now) }.compactMap { upstream in
            startConnecting(upstream, now: now).map { ($0, upstream) }
        }
    }

    private func startConnecting(_ upstream: UpstreamRuntime, now: ContinuousClock.Instant) -> SRTSOCKET? {
        let configuration = upstream.configuration
        upstream.schedule.attemptStarted(now: now)
        do {
            let socket = try OutboundCall.start(
                to: configuration.address, link: upstream.link, passphrase: configuration.passphrase, streamID: configuration.streamID,
                keyLength: keyLength, sendOnly: false, epoll: epoll)
            upstream.connecting = socket
            return socket.handle
        } catch {
            failed(upstream, reason: "\(error)", now: now)
            return nil
        }
    }

    /// The connecting socket reported: returns it connected, or nil after a refusal or timeout
    /// (the next attempt is scheduled).
    func finishConnecting(_ upstream: UpstreamRuntime, now: ContinuousClock.Instant) -> SRTSocket? {
        guard let socket = upstream.connecting else { return nil }
        upstream.connecting = nil
        switch OutboundCall.finish(socket, epoll: epoll) {
        case .failure(let failure):
            failed(upstream, reason: failure.reason, now: now)
            return nil
        case .success: break
        }
        upstream.schedule.connected(now: now)
        upstream.nextAttemptDate = nil
        logger.info("upstream connected", metadata: ["source.id": "\(upstream.source.id)", "upstream.address": "\(upstream.configuration.address)"])
        return socket
    }

    /// The source's connection ended: the next attempt waits as the schedule says. Returns
    /// false for a source that is not fed from upstream.
    func connectionLost(_ sourceID: String, reason: String, now: ContinuousClock.Instant) -> Bool {
        guard let upstream = bySource[sourceID] else { return false }
        let delay = upstream.schedule.connectionLost(reason: reason, now: now)
        upstream.nextAttemptDate = Date() + delay / .seconds(1)
        logger.info("upstream lost", metadata: ["source.id": "\(sourceID)", "upstream.error": "\(reason)", "upstream.retry_in": "\(delay)"])
        return true
    }

    /// Abandons a connection being made (the source is held off, or the relay stops). Returns
    /// its handle, which no longer belongs to the source.
    func cancel(_ sourceID: String) -> SRTSOCKET? {
        guard let upstream = bySource[sourceID], let socket = upstream.connecting else { return nil }
        upstream.connecting = nil
        upstream.schedule.attemptCancelled(now: ContinuousClock.now)
        return OutboundCall.cancel(socket, epoll: epoll)
    }

    /// Every source fed from upstream.
    var sourceIDs: [String] { upstreams.map(\.source.id) }

    private func failed(_ upstream: UpstreamRuntime, reason: String, now: ContinuousClock.Instant) {
        let delay = upstream.schedule.attemptFailed(reason: reason, now: now)
        upstream.nextAttemptDate = Date() + delay / .seconds(1)
        logger.info("upstream connect failed", metadata: [
            "source.id": "\(upstream.source.id)", "upstream.error": "\(reason)", "upstream.retry_in": "\(delay)",
        ])
    }
}
