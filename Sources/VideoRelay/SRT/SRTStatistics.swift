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
    /// Data packets without retransmissions: sent by the application, and to be received by it.
    public var packetsSentUnique: Int64 = 0
    public var packetsReceivedUnique: Int64 = 0
    /// Retransmitted packets that arrived (receiving); `packetsRetransmitted` counts the ones sent.
    public var retransmittedPacketsReceived: Int64 = 0
    /// Packets this end found missing (receiving) and the peer reported missing (sending).
    public var receiveLossPackets: Int64 = 0
    public var sendLossPackets: Int64 = 0
    /// Packets given up as too late: never arrived before their play time (receiving), or too
    /// old to send by the time the link took them (sending).
    public var receiveDropPackets: Int64 = 0
    public var sendDropPackets: Int64 = 0
    /// Packets the FEC filter rebuilt, and losses it could not cover (receiving).
    public var fecRecoveredPackets: Int64 = 0
    public var fecUnrecoveredPackets: Int64 = 0
    /// What the receive buffer holds, as play time, and the latency both ends agreed on.
    public var receiveBufferMilliseconds = 0
    public var receiveLatencyMilliseconds = 0
    public var sendLatencyMilliseconds = 0

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
        packetsSentUnique = perf.pktSentUniqueTotal
        packetsReceivedUnique = perf.pktRecvUniqueTotal
        // The relay never clears the interval counters, so this one counts since connect.
        retransmittedPacketsReceived = Int64(perf.pktRcvRetrans)
        receiveLossPackets = Int64(perf.pktRcvLossTotal)
        sendLossPackets = Int64(perf.pktSndLossTotal)
        receiveDropPackets = Int64(perf.pktRcvDropTotal)
        sendDropPackets = Int64(perf.pktSndDropTotal)
        fecRecoveredPackets = Int64(perf.pktRcvFilterSupplyTotal)
        fecUnrecoveredPackets = Int64(perf.pktRcvFilterLossTotal)
        receiveBufferMilliseconds = Int(perf.msRcvBuf)
        receiveLatencyMilliseconds = Int(perf.msRcvTsbPdDelay)
        sendLatencyMilliseconds = Int(perf.msSndTsbPdDelay)
    }
}
