import Foundation

/// A headquarters delivery while the relay runs. Pull sinks are readers that call in as the
/// sink's user; push sinks are connections the relay makes and remakes itself. Totals survive
/// reconnections, so the control room sees the whole day's drops and reconnects.
final class SinkRuntime {
    let configuration: SinkConfiguration
    /// For push sinks: the connection being made, not yet a reader.
    var connecting: SRTSocket?
    var nextAttemptAt: ContinuousClock.Instant
    var backoff: Backoff
    /// The sink's connected readers (a pull sink's HQ may call in more than once).
    private(set) var readers: [Reader] = []
    var connections = 0
    var failedAttempts = 0
    var lastError: String?
    /// Totals of readers that have left.
    var retiredBytes: UInt64 = 0
    var retiredDroppedPayloads = 0
    var retiredPacketsDropped: Int64 = 0
    var retiredPacketsRetransmitted: Int64 = 0
    var retiredPacketsLost: Int64 = 0
    private var bitrateMark: (bytes: UInt64, at: ContinuousClock.Instant)?
    private(set) var bitrateBitsPerSecond = 0

    init(configuration: SinkConfiguration, limits: FanoutLimits, now: ContinuousClock.Instant) {
        self.configuration = configuration
        self.nextAttemptAt = now
        self.backoff = Backoff(
            initial: .milliseconds(limits.reconnectInitialMilliseconds),
            maximum: .milliseconds(limits.reconnectMaximumMilliseconds))
    }

    var id: String { configuration.id }

    /// Whether the relay makes this sink's connections (rather than the HQ calling in).
    var isPush: Bool {
        if case .push = configuration.delivery { return true }
        return false
    }

    /// A connection to the HQ is up.
    func connected(_ reader: Reader) {
        readers.append(reader)
        connections += 1
        lastError = nil
    }

    /// Keeps a leaving reader's counters.
    func retire(_ reader: Reader, reason: String) {
        readers.removeAll { $0 === reader }
        lastError = reason
        retiredBytes += reader.bytesSent
        retiredDroppedPayloads += reader.queue.droppedPayloads
        retiredPacketsDropped += reader.srt?.packetsDropped ?? 0
        retiredPacketsRetransmitted += reader.srt?.packetsRetransmitted ?? 0
        retiredPacketsLost += reader.srt?.packetsLost ?? 0
    }

    func status(held: Bool, now: ContinuousClock.Instant) -> SinkStatus {
        let readers = readers.sorted { $0.connectedAt < $1.connectedAt }
        let statuses = readers.map(\.status)
        let bytes = retiredBytes + readers.reduce(0) { $0 + $1.bytesSent }
        if let mark = bitrateMark, now - mark.at >= .milliseconds(500) || now - mark.at < .zero {
            let elapsed = now - mark.at
            let seconds = elapsed / .seconds(1)
            bitrateBitsPerSecond = seconds > 0 ? Int(Double(bytes &- mark.bytes) * 8 / seconds) : 0
            bitrateMark = (bytes, now)
        } else if bitrateMark == nil {
            bitrateMark = (bytes, now)
        }
        let mode: SinkStatus.Mode
        let target: String
        switch configuration.delivery {
        case .pull(let user): mode = .pull; target = "u=\(user)"
        case .push(let address, _, _): mode = .push; target = address.description
        }
        return SinkStatus(
            id: id, name: configuration.name, feed: configuration.feed, mode: mode, enabled: !held, connected: !readers.isEmpty,
            receiving: !readers.isEmpty && readers.allSatisfy(\.acknowledging),
            target: target, readers: statuses, bytesSent: bytes,
            droppedPayloads: retiredDroppedPayloads + readers.reduce(0) { $0 + $1.queue.droppedPayloads },
            packetsDropped: retiredPacketsDropped + readers.reduce(0) { $0 + ($1.srt?.packetsDropped ?? 0) },
            packetsRetransmitted: retiredPacketsRetransmitted + readers.reduce(0) { $0 + ($1.srt?.packetsRetransmitted ?? 0) },
            packetsLost: retiredPacketsLost + readers.reduce(0) { $0 + ($1.srt?.packetsLost ?? 0) },
            reconnects: max(0, connections - 1), failedAttempts: failedAttempts, lastError: lastError,
            rttMilliseconds: readers.first?.srt?.rttMilliseconds,
            bitrateBitsPerSecond: readers.isEmpty ? 0 : bitrateBitsPerSecond, link: statuses.first?.link)
    }
}
