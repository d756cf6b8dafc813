/// When a source fed from upstream calls its upstream next. Pure: the relay thread reports what
/// happened (an attempt started, failed, connected, a connection was lost) and asks when the next
/// attempt is due; unit tests drive it with made-up instants.
///
/// Failed attempts wait with capped exponential backoff. A connection that was lost only resets
/// the backoff when it had lasted `stableAfter`: an upstream that accepts and then drops at once
/// (a refused key length, a source held off there) is called less and less often, not hammered.
struct UpstreamSchedule: Sendable, Equatable {
    enum Phase: Sendable, Equatable {
        /// No connection; the next attempt is due at this instant.
        case waiting(until: ContinuousClock.Instant)
        /// An attempt is under way (the SRT handshake has not completed).
        case connecting(since: ContinuousClock.Instant)
        /// The upstream is sending.
        case connected(since: ContinuousClock.Instant)
    }

    private(set) var phase: Phase
    private var backoff: Backoff
    /// How long a connection must have lasted for its loss to count as a fresh start.
    let stableAfter: Duration
    /// Attempts that never connected, since start.
    private(set) var failedAttempts = 0
    /// Connections made, since start.
    private(set) var connections = 0
    /// Why the last attempt failed or the last connection ended.
    private(set) var lastError: String?

    /// The first attempt is due at `now`.
    init(backoff: Backoff, stableAfter: Duration = .seconds(5), now: ContinuousClock.Instant) {
        self.backoff = backoff
        self.stableAfter = stableAfter
        phase = .waiting(until: now)
    }

    /// When the next attempt is due; nil while connecting or connected.
    var nextAttemptAt: ContinuousClock.Instant? {
        if case .waiting(let until) = phase { return until }
        return nil
    }

    func isDue(now: ContinuousClock.Instant) -> Bool { nextAttemptAt.map { now >= $0 } ?? false }

    mutating func attemptStarted(now: ContinuousClock.Instant) {
        phase = .connecting(since: now)
    }

    /// The attempt was refused or timed out. Returns the wait before the next one.
    @discardableResult
    mutating func attemptFailed(reason: String, now: ContinuousClock.Instant) -> Duration {
        failedAttempts += 1
        return wait(reason: reason, now: now)
    }

    /// The attempt under way was abandoned (the source was held off): the next one is due as
    /// soon as the source may connect again.
    mutating func attemptCancelled(now: ContinuousClock.Instant) {
        phase = .waiting(until: now)
    }

    mutating func connected(now: ContinuousClock.Instant) {
        connections += 1
        lastError = nil
        phase = .connected(since: now)
    }

    /// The connection ended. Returns the wait before the next attempt.
    @discardableResult
    mutating func connectionLost(reason: String, now: ContinuousClock.Instant) -> Duration {
        if case .connected(let since) = phase, now - since >= stableAfter { backoff.reset() }
        return wait(reason: reason, now: now)
    }

    private mutating func wait(reason: String, now: ContinuousClock.Instant) -> Duration {
        lastError = reason
        let delay = backoff.nextDelay()
        phase = .waiting(until: now + delay)
        return delay
    }
}
