/// Where a source fed from upstream comes from: the relay calls this SRT listener (another
/// site's relayd, or any SRT listener) as a caller and receives what it sends.
public struct UpstreamConfiguration: Sendable, Equatable {
    /// The upstream listener.
    public var address: HostPort
    /// The stream id sent in the handshake, e.g. `#!::r=program,m=request,u=npa`.
    public var streamID: String?
    /// The upstream's secret for this connection (10 to 79 characters).
    public var passphrase: String?
    /// SRT receive latency of this link; nil takes the relay's.
    public var latencyMilliseconds: Int32?

    public init(address: HostPort, streamID: String? = nil, passphrase: String? = nil, latencyMilliseconds: Int32? = nil) {
        self.address = address
        self.streamID = streamID
        self.passphrase = passphrase
        self.latencyMilliseconds = latencyMilliseconds
    }
}
