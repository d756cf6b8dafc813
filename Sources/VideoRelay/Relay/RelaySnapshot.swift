import Foundation

/// What the relay looks like right now, for the HTTP API and metrics. The relay loop publishes
/// it when it differs from the last one: at once after a connection, a hold or a program change,
/// and with fresh counters twice a second. Plain values: reading it never touches a socket.
public struct RelaySnapshot: Sendable, Codable, Equatable {
    public var sources: [SourceStatus] = []
    public var sinks: [SinkStatus] = []
    public var readers: [ReaderStatus] = []
    /// The source the program currently carries, if any is live.
    public var programSource: String?
    /// Refusals since start by Access Control reject code.
    public var refusals: [String: Int] = [:]
    /// Readers disconnected because they stalled.
    public var stalledReaderDisconnects = 0
    /// Callers accepted by the listen callback whose handshake has not completed yet. Failed
    /// handshakes (a wrong or missing passphrase) leave the count within seconds.
    public var pendingHandshakes = 0
    /// Callers accepted by the listen callback whose handshake never completed, since start.
    public var abandonedHandshakes = 0

    public init() {}

    public func source(_ id: String) -> SourceStatus? { sources.first { $0.id == id } }
    public func sink(_ id: String) -> SinkStatus? { sinks.first { $0.id == id } }
}

/// One field source.
public struct SourceStatus: Sendable, Codable, Equatable {
    /// Offline: no publisher. Live: data arriving. Stalled: publisher connected but silent.
    public enum State: String, Sendable, Codable { case offline, live, stalled }
    /// What the publisher sends: nothing yet, MPEG-TS, or something else.
    public enum PayloadFormat: String, Sendable, Codable { case unknown, mpegts, invalid }

    public var id: String
    public var kind: String
    public var label: String
    /// False while an admin holds the source off (publishers refused).
    public var enabled: Bool
    public var state: State
    public var publisherUser: String?
    /// Where the publisher called from ("a.b.c.d:port").
    public var publisherAddress: String?
    public var connectedAt: Date?
    public var bitrateBitsPerSecond: Int
    public var bytesReceived: UInt64
    public var payloadsReceived: UInt64
    public var payloadFormat: PayloadFormat
    public var invalidPayloads: UInt64
    public var invalidPayloadDisconnects: Int
    public var publishCount: Int
    public var lastError: String?
    public var readers: Int
    public var gopCacheBytes: Int
    public var srt: SRTStatistics?
    /// For a source fed from upstream: the link's state.
    public var upstream: UpstreamStatus? = nil
    /// The service the stream's SDT names: for a chained site, the upstream site and its
    /// on-air source.
    public var service: ServiceName? = nil
    /// The publisher's link: RTT, loss, drops and, after drops, a latency recommendation.
    public var link: LinkStatistics?
    /// Frozen, black, silent and the last format change, while the link is up; filled in by
    /// relayd from the `PictureHealthMonitor` (nil for a source not watched).
    public var health: SourceHealth? = nil
    /// For another site's program: each upstream site from its delay stamps, farthest first;
    /// filled in by relayd from the `HopDelayMonitor` (nil when the source carries no stamps).
    public var hops: [HopDelay]? = nil
}

/// One connected reader (including pull sinks while connected and push sinks once connected).
public struct ReaderStatus: Sendable, Codable, Equatable {
    public var id: Int32
    public var resource: String
    public var user: String?
    public var sink: String?
    /// Where the reader called from ("a.b.c.d:port"); nil for a push sink's connection.
    public var address: String?
    public var connectedAt: Date
    public var waitingForKeyframe: Bool
    /// False once the peer stopped acknowledging (it stopped receiving); see `Reader.acknowledging`.
    public var acknowledging: Bool
    public var bytesSent: UInt64
    public var payloadsSent: UInt64
    public var queuedBytes: Int
    public var droppedPayloads: Int
    public var srt: SRTStatistics?
    /// The link to the reader, as the relay sends on it.
    public var link: LinkStatistics?
}

/// One headquarters delivery.
public struct SinkStatus: Sendable, Codable, Equatable {
    public enum Mode: String, Sendable, Codable { case pull, push }

    public var id: String
    public var name: String
    public var feed: String
    public var mode: Mode
    /// False while an admin holds delivery (the HQ's calls refused, pushes not made).
    public var enabled: Bool
    public var connected: Bool
    /// Connected and every connection acknowledging: the HQ is actually receiving. Goes false
    /// about a second after its receiver stops, before the connection times out.
    public var receiving: Bool
    /// For push sinks: where the relay calls; for pull sinks: the user the HQ calls in as.
    public var target: String
    public var readers: [ReaderStatus]
    public var bytesSent: UInt64
    public var droppedPayloads: Int
    public var packetsDropped: Int64
    public var packetsRetransmitted: Int64
    public var packetsLost: Int64
    public var reconnects: Int
    public var failedAttempts: Int
    public var lastError: String?
    public var rttMilliseconds: Double?
    public var bitrateBitsPerSecond: Int
    /// The link of the sink's first connection, while one is up.
    public var link: LinkStatistics?
}
