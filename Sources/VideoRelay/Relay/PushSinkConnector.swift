import CSRT
import Logging

/// Makes push sinks' connections: the relay calls each HQ's listener, and calls again after a
/// failed attempt or a lost connection, waiting with capped exponential backoff. Once connected,
/// the connection is an SRT reader of the sink's feed like any other. Relay thread only.
final class PushSinkConnector {
    private let sinks: [SinkRuntime]
    private let epoll: SRTEpoll
    private let link: (SinkConfiguration) -> LinkSettings
    private let keyLength: Int32
    private let logger: Logger

    /// - Parameter sinks: every sink; the push sinks among them are this connector's.
    /// - Parameter link: the link settings of a sink's connection.
    init(sinks: [SinkRuntime], epoll: SRTEpoll, link: @escaping (SinkConfiguration) -> LinkSettings, keyLength: Int32, logger: Logger) {
        self.sinks = sinks.filter(\.isPush)
        self.epoll = epoll
        self.link = link
        self.keyLength = keyLength
        self.logger = logger
    }

    /// Push sinks that should be connected and are not: not held, no connection up or being made.
    private func idle(held: Set<String>) -> some Sequence<SinkRuntime> {
        sinks.lazy.filter { $0.connecting == nil && $0.readers.isEmpty && !held.contains($0.id) }
    }

    /// When the next attempt is due, if any sink waits for one.
    func nextAttemptAt(held: Set<String>) -> ContinuousClock.Instant? {
        idle(held: held).map(\.nextAttemptAt).min()
    }

    /// Starts every attempt that is due. Returns the sockets now connecting, for the loop to
    /// route their completion back to `finishConnecting`.
    func startDueAttempts(held: Set<String>, now: ContinuousClock.Instant) -> [(SRTSOCKET, SinkRuntime)] {
        idle(held: held).filter { now >= $0.nextAttemptAt }.compactMap { sink in
            startConnecting(sink, now: now).map { ($0, sink) }
        }
    }

    private func startConnecting(_ sink: SinkRuntime, now: ContinuousClock.Instant) -> SRTSOCKET? {
        guard case .push(let address, let passphrase, let streamID) = sink.configuration.delivery else { return nil }
        do {
            let socket = try OutboundCall.start(
                to: address, link: link(sink.configuration), passphrase: passphrase, streamID: streamID, keyLength: keyLength,
                sendOnly: true, epoll: epoll)
            sink.connecting = socket
            return socket.handle
        } catch {
            failed(sink, reason: "\(error)", now: now)
            return nil
        }
    }

    /// The connecting socket reported: returns it connected, or nil after a refusal or timeout
    /// (the next attempt is scheduled).
    func finishConnecting(_ sink: SinkRuntime, now: ContinuousClock.Instant) -> SRTSocket? {
        guard let socket = sink.connecting else { return nil }
        sink.connecting = nil
        switch OutboundCall.finish(socket, epoll: epoll) {
        case .failure(let failure):
            failed(sink, reason: failure.reason, now: now)
            return nil
        case .success: break
        }
        sink.backoff.reset()
        logger.info("push sink connected", metadata: ["sink.id": "\(sink.id)"])
        return socket
    }

    /// A push sink's connection ended: the next attempt waits its backoff.
    func connectionLost(_ sink: SinkRuntime, now: ContinuousClock.Instant) {
        sink.nextAttemptAt = now + sink.backoff.nextDelay()
    }

    /// Abandons a connection being made (the sink is held, or the relay stops). Returns its
    /// handle, which no longer belongs to the sink.
    func cancel(_ sink: SinkRuntime) -> SRTSOCKET? {
        guard let socket = sink.connecting else { return nil }
        sink.connecting = nil
        return OutboundCall.cancel(socket, epoll: epoll)
    }

    private func failed(_ sink: SinkRuntime, reason: String, now: ContinuousClock.Instant) {
        sink.failedAttempts += 1
        sink.lastError = reason
        let delay = sink.backoff.nextDelay()
        sink.nextAttemptAt = now + delay
        logger.info("push sink connect failed", metadata: ["sink.id": "\(sink.id)", "sink.error": "\(reason)", "sink.retry_in": "\(delay)"])
    }
}
