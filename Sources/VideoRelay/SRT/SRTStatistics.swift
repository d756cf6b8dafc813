import CSRT

/// The libsrt counters the relay reports for one connection. Totals since connect, plus the
/// current round-trip time, rate and buffer levels.
public struct SRTStatistics: Sendable, Equatable, Codable {
    public var rttMilliseconds: Double
    public var bytesReceived: UInt64
    public var bytesSent: UInt64
    public var packetsReceived: Int64
    public var packetsSent: Int64
    public var packetsLost: Int64
    public var packetsRetransmitted: Int64
    public var packetsDropped: Int64
    /// ACKs the peer sent; a peer that stops acknowledging has stalled.
    public var acksReceived: Int64
    public var receiveBufferBytes: Int
    public var sendBufferMilliseconds: Int
    public var receiveRateMbps: Double
    public var sendRateMbps: Double

    public init() {
        rttMilliseconds = 0; bytesReceived = 0; bytesSent = 0; packetsReceived = 0; packetsSent = 0
        packetsLost = 0; packetsRetransmitted = 0; packetsDropped = 0; acksReceived = 0; receiveBufferBytes = 0
        sendBufferMilliseconds = 0; receiveRateMbps = 0; sendRateMbps = 0
    }

    init(_ perf: SRT_TRACEBSTATS) {
        rttMilliseconds = perf.msRTT
        bytesReceived = perf.byteRecvTotal
        bytesSent = perf.byteSentTotal
        packetsReceived = perf.pktRecvTotal
        packetsSent = perf.pktSentTotal
        packetsLost = Int64(perf.pktRcvLossTotal) + Int64(perf.pktSndLossTotal)
        packetsRetransmitted = Int64(perf.pktRetransTotal)
        packetsDropped = Int64(perf.pktRcvDropTotal) + Int64(perf.pktSndDropTotal)
        acksReceived = Int64(perf.pktRecvACKTotal)
        receiveBufferBytes = Int(perf.byteRcvBuf)
        sendBufferMilliseconds = Int(perf.msSndBuf)
        receiveRateMbps = perf.mbpsRecvRate
        sendRateMbps = perf.mbpsSendRate
    }
}
