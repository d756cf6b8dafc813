/// Capped exponential backoff between reconnect attempts.
public struct Backoff: Sendable, Equatable {
    public let initial: Duration
    public let maximum: Duration
    private var failures = 0

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before the next attempt after one more failure.
    public mutating func nextDelay() -> Duration {
        let exponent = min(failures, 20)
        failures += 1
        let delay = initial * (1 << exponent)
        return delay > maximum ? maximum : delay
    }

    /// After a success the next failure waits the initial delay again.
    public mutating func reset() {
        failures = 0
    }
}
