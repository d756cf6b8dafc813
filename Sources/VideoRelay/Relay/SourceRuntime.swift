import Foundation

/// A field source while the relay runs: its publisher connection, what its payload holds, its
/// GOP cache and counters. Confined to the relay loop's thread.
final class SourceRuntime {
    let configuration: SourceConfiguration
    private(set) var publisher: SRTSocket?
    private(set) var publisherUser: String?
    private(set) var connectedAt: Date?
    var inspector = TransportStreamInspector()
    /// False while an admin holds the source off: its publishers are refused.
    var enabled = true
    var gop: GOPCache
    var lastPayloadAt: ContinuousClock.Instant?
    var bytesReceived: UInt64 = 0
    var payloadsReceived: UInt64 = 0
    var payloadFormat = SourceStatus.PayloadFormat.unknown
    var invalidPayloads: UInt64 = 0
    var invalidStreak = 0
    var invalidPayloadDisconnects = 0
    var publishCount = 0
    var lastError: String?
    var srt: SRTStatistics?
    private(set) var bitrateBitsPerSecond = 0
    private var bitrateMark: (bytes: UInt64, at: ContinuousClock.Instant)?

    var id: String { configuration.id }

    init(configuration: SourceConfiguration, gopLimitBytes: Int) {
        self.configuration = configuration
        self.gop = GOPCache(limitBytes: gopLimitBytes)
    }

    /// A new publisher starts from a clean slate: its PIDs and GOPs are its own.
    func attach(_ socket: SRTSocket, user: String?) {
        publisher = socket
        publisherUser = user
        connectedAt = Date()
        inspector = TransportStreamInspector()
        gop.reset()
        lastPayloadAt = nil
        invalidStreak = 0
        payloadFormat = .unknown
        publishCount += 1
        srt = nil
    }

    /// Forgets the publisher; returns its socket for the caller to close.
    func detach(reason: String?) -> SRTSocket? {
        let socket = publisher
        publisher = nil
        publisherUser = nil
        connectedAt = nil
        lastError = reason ?? lastError
        gop.reset()
        bitrateBitsPerSecond = 0
        bitrateMark = nil
        return socket
    }

    func state(now: ContinuousClock.Instant, stallAfter: Duration) -> SourceStatus.State {
        guard publisher != nil else { return .offline }
        guard let last = lastPayloadAt, now - last <= stallAfter, payloadFormat == .mpegts else { return .stalled }
        return .live
    }

    /// Updates the bitrate over the time since the last call.
    func measureBitrate(now: ContinuousClock.Instant) {
        if let mark = bitrateMark {
            let seconds = Double((now - mark.at).components.attoseconds) / 1e18 + Double((now - mark.at).components.seconds)
            if seconds > 0 { bitrateBitsPerSecond = Int(Double(bytesReceived - mark.bytes) * 8 / seconds) }
        }
        bitrateMark = (bytesReceived, now)
    }

    func status(now: ContinuousClock.Instant, stallAfter: Duration, readers: Int) -> SourceStatus {
        SourceStatus(
            id: id, kind: configuration.kind.rawValue, label: configuration.label, enabled: enabled,
            state: state(now: now, stallAfter: stallAfter), publisherUser: publisherUser, publisherAddress: publisher?.peerAddress, connectedAt: connectedAt,
            bitrateBitsPerSecond: publisher == nil ? 0 : bitrateBitsPerSecond, bytesReceived: bytesReceived,
            payloadsReceived: payloadsReceived, payloadFormat: payloadFormat, invalidPayloads: invalidPayloads,
            invalidPayloadDisconnects: invalidPayloadDisconnects, publishCount: publishCount, lastError: lastError,
            readers: readers, gopCacheBytes: gop.bytes, srt: publisher == nil ? nil : srt)
    }
}
