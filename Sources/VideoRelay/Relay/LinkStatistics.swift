/// One SRT link's health as operators read it: the round trip, how much is lost and recovered,
/// what was given up as too late, and, once something was, the latency to configure instead.
/// Derived from libsrt's counters for the direction the relay uses the link in.
public struct LinkStatistics: Sendable, Codable, Equatable {
    /// Whether the relay receives on the link (a source's publisher) or sends (readers, sinks).
    public enum Direction: String, Sendable, Codable { case receiving, sending }

    /// Which way the relay uses the link; the counters below are that side's.
    public var direction: Direction
    /// The latency both ends agreed on in the handshake.
    public var latencyMilliseconds: Int
    /// libsrt's smoothed round-trip time.
    public var rttMilliseconds: Double
    /// Packets found missing, per 100 sent, since the connection started.
    public var lossPercent: Double
    /// Retransmissions that arrived (receiving) or were sent (sending).
    public var retransmittedPackets: Int64
    /// Packets given up because their retransmission would have come too late.
    public var tooLateDrops: Int64
    /// Packets the FEC filter rebuilt (receiving only).
    public var fecRecoveredPackets: Int64
    /// Play time held in the receive buffer, or not yet acknowledged in the send buffer.
    public var bufferMilliseconds: Int
    /// The packet filter in effect ("fec,cols:10,rows:5,..."), if any.
    public var packetFilter: String?
    /// Present once packets were dropped as too late.
    public var advice: LatencyAdvice?

    /// Reads the side of `srt` the relay uses the link in.
    public init(_ srt: SRTStatistics, direction: Direction, packetFilter: String?) {
        self.direction = direction
        self.packetFilter = packetFilter
        rttMilliseconds = srt.rttMilliseconds
        switch direction {
        case .receiving:
            latencyMilliseconds = srt.receiveLatencyMilliseconds
            retransmittedPackets = srt.retransmittedPacketsReceived
            lossPercent = Self.percent(srt.receiveLossPackets, of: srt.packetsReceivedUnique + srt.receiveDropPackets)
            tooLateDrops = srt.receiveDropPackets
            fecRecoveredPackets = srt.fecRecoveredPackets
            bufferMilliseconds = srt.receiveBufferMilliseconds
        case .sending:
            latencyMilliseconds = srt.sendLatencyMilliseconds
            retransmittedPackets = srt.packetsRetransmitted
            lossPercent = Self.percent(srt.sendLossPackets, of: srt.packetsSentUnique)
            tooLateDrops = srt.sendDropPackets
            fecRecoveredPackets = 0
            bufferMilliseconds = srt.sendBufferMilliseconds
        }
        advice = LatencyAdvice.advise(
            rttMilliseconds: rttMilliseconds, lossPercent: lossPercent, currentMilliseconds: latencyMilliseconds,
            tooLateDrops: tooLateDrops)
    }

    private static func percent(_ part: Int64, of whole: Int64) -> Double {
        guard whole > 0 else { return 0 }
        // Two decimals: the snapshot is only republished when something visible changed.
        return (Double(max(0, part)) * 10000 / Double(whole)).rounded() / 100
    }
}
