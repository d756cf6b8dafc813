/// The relay's counting and reporting: when statistics are next collected, the relay-wide
/// counters, and the last snapshot published, so a snapshot goes out only when it differs.
/// Relay thread only.
struct RelayStatistics {
    /// Twice a second, so a receiver that stops acknowledging shows within a second; counters
    /// (bytes, bitrates) in snapshots are this fresh.
    static let interval = Duration.milliseconds(500)

    private(set) var nextCollectionAt: ContinuousClock.Instant
    /// Readers disconnected because they stalled.
    var stalledReaderDisconnects = 0
    /// How long a reader may make no progress.
    let readerStallLimit: Duration
    /// Silence after which a publisher counts as stalled.
    let sourceStallLimit: Duration
    private var lastPublished: RelaySnapshot?
    private let publish: @Sendable (RelaySnapshot) -> Void

    init(configuration: FanoutLimits, now: ContinuousClock.Instant, publish: @escaping @Sendable (RelaySnapshot) -> Void) {
        nextCollectionAt = now
        readerStallLimit = .milliseconds(configuration.stallMilliseconds)
        sourceStallLimit = .milliseconds(configuration.sourceStallMilliseconds)
        self.publish = publish
    }

    /// Statistics are being collected now; the next time is one interval on.
    mutating func collecting(now: ContinuousClock.Instant) {
        nextCollectionAt = now + Self.interval
    }

    /// Publishes `snapshot` unless it equals the last one published.
    mutating func publishIfChanged(_ snapshot: RelaySnapshot) {
        guard snapshot != lastPublished else { return }
        lastPublished = snapshot
        publish(snapshot)
    }
}
