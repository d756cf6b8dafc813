import Foundation

/// A field source while the relay runs: what its payload holds, its fan-out and counters.
/// Confined to the relay loop's thread. Who publishes it is the `Gatekeeper`'s to know (its
/// listen callback needs it); the connection itself is a `Publisher`.
final class SourceRuntime {
    let configuration: SourceConfiguration
    let fanout: ResourceFanout
    private(set) var lastPayloadAt: ContinuousClock.Instant?
    private(set) var bytesReceived: UInt64 = 0
    private(set) var payloadsReceived: UInt64 = 0
    private(set) var payloadFormat = SourceStatus.PayloadFormat.unknown
    private(set) var invalidPayloads: UInt64 = 0
    private(set) var invalidStreak = 0
    var invalidPayloadDisconnects = 0
    private(set) var publishCount = 0
    private(set) var lastError: String?
    var srt: SRTStatistics?
    private(set) var bitrateBitsPerSecond = 0
    private var bitrateMark: (bytes: UInt64, at: ContinuousClock.Instant)?

    var id: String { configuration.id }

    init(configuration: SourceConfiguration, fanout: ResourceFanout) {
        self.configuration = configuration
        self.fanout = fanout
    }

    /// A new publisher starts from a clean slate: its PIDs and GOPs are its own, and readers
    /// resume on its first keyframe.
    func publisherStarted() {
        fanout.restart()
        lastPayloadAt = nil
        invalidStreak = 0
        payloadFormat = .unknown
        publishCount += 1
        srt = nil
    }

    func publisherEnded(reason: String) {
        lastError = reason
        lastPayloadAt = nil
        fanout.clearCache()
        bitrateBitsPerSecond = 0
        bitrateMark = nil
    }

    /// Counts and inspects a payload. Returns the inspection of a valid MPEG-TS payload, or nil
    /// for anything else (then `invalidStreak` says how many came in a row).
    func take(_ payload: ArraySlice<UInt8>, now: ContinuousClock.Instant) -> TransportStreamInspector.Inspection? {
        bytesReceived &+= UInt64(payload.count)
        payloadsReceived &+= 1
        let inspection = fanout.inspect(payload)
        guard inspection.isTransportStream else {
            invalidPayloads += 1
            invalidStreak += 1
            payloadFormat = .invalid
            return nil
        }
        invalidStreak = 0
        payloadFormat = .mpegts
        lastPayloadAt = now
        return inspection
    }

    /// When valid data last arrived from the current publisher, if it sends MPEG-TS.
    var lastValidPayloadAt: ContinuousClock.Instant? { payloadFormat == .mpegts ? lastPayloadAt : nil }

    func state(publishing: Bool, now: ContinuousClock.Instant, stallAfter: Duration) -> SourceStatus.State {
        guard publishing else { return .offline }
        guard let last = lastPayloadAt, now - last <= stallAfter, payloadFormat == .mpegts else { return .stalled }
        return .live
    }

    /// Updates the bitrate over the time since the last call.
    func measureBitrate(now: ContinuousClock.Instant) {
        if let mark = bitrateMark {
            let seconds = (now - mark.at) / .seconds(1)
            if seconds > 0 { bitrateBitsPerSecond = Int(Double(bytesReceived - mark.bytes) * 8 / seconds) }
        }
        bitrateMark = (bytesReceived, now)
    }

    func status(publisher: Publisher?, held: Bool, now: ContinuousClock.Instant, stallAfter: Duration) -> SourceStatus {
        SourceStatus(
            id: id, kind: configuration.kind.rawValue, label: configuration.label, enabled: !held,
            state: state(publishing: publisher != nil, now: now, stallAfter: stallAfter), publisherUser: publisher?.user,
            publisherAddress: publisher?.socket.peerAddress, connectedAt: publisher?.connectedAt,
            bitrateBitsPerSecond: publisher == nil ? 0 : bitrateBitsPerSecond, bytesReceived: bytesReceived,
            payloadsReceived: payloadsReceived, payloadFormat: payloadFormat, invalidPayloads: invalidPayloads,
            invalidPayloadDisconnects: invalidPayloadDisconnects, publishCount: publishCount, lastError: lastError,
            readers: fanout.targets.count, gopCacheBytes: fanout.gop.bytes, srt: publisher == nil ? nil : srt,
            link: publisher.flatMap { publisher in srt.map { LinkStatistics($0, direction: .receiving, packetFilter: publisher.packetFilter) } })
    }
}

/// A source's publisher: the connection whose handshake completed and that the `Gatekeeper`
/// let claim the source.
final class Publisher {
    let socket: SRTSocket
    let source: SourceRuntime
    let user: String?
    let connectedAt = Date()
    /// The packet filter the handshake settled on, read once.
    let packetFilter: String?

    init(socket: SRTSocket, source: SourceRuntime, user: String?) {
        packetFilter = socket.packetFilter
        self.socket = socket
        self.source = source
        self.user = user
    }
}
