import Foundation

/// A source fed from upstream: where the relay calls and how the link is doing. Part of the
/// source's status in `/api/sources`.
public struct UpstreamStatus: Sendable, Codable, Equatable {
    /// Connecting: an attempt is under way. Connected: the upstream is sending (the source's own
    /// state says whether data flows). Retrying: waiting until `nextAttemptAt`.
    public enum State: String, Sendable, Codable { case connecting, connected, retrying }

    /// The upstream listener, "host:port".
    public var address: String
    public var streamID: String?
    public var state: State
    /// While retrying: when the next attempt is made.
    public var nextAttemptAt: Date?
    /// Attempts that never connected, since start.
    public var failedAttempts: Int
    /// Connections made since start (the first one and every reconnection).
    public var connections: Int
    /// Why the last attempt failed or the last connection ended.
    public var lastError: String?
    /// The SRT latency this link asks for, in milliseconds.
    public var latencyMilliseconds: Int32
}
