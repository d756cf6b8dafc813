/// Finds the presentation timestamps of the video PES packets in MPEG-TS bytes as they are
/// written, so each segment's manifest entry can say where on the stream's clock it lies. Pure;
/// the bytes may arrive in pieces of any size (a TS packet split across writes is carried over).
struct VideoPTSScanner {
    /// The PTS (90 kHz) of the first and the latest video PES seen, in stream order.
    private(set) var first: Int64?
    private(set) var last: Int64?
    private var carry: [UInt8] = []

    static let packetSize = 188

    mutating func scan(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        if !carry.isEmpty {
            let needed = Self.packetSize - carry.count
            carry += rest.prefix(needed)
            rest = rest.dropFirst(needed)
            guard carry.count == Self.packetSize else { return }
            scanPacket(carry[...])
            carry.removeAll(keepingCapacity: true)
        }
        while rest.count >= Self.packetSize {
            scanPacket(rest.prefix(Self.packetSize))
            rest = rest.dropFirst(Self.packetSize)
        }
        carry += rest
    }

    private mutating func scanPacket(_ packet: ArraySlice<UInt8>) {
        let base = packet.startIndex
        guard packet[base] == 0x47, packet[base + 1] & 0x40 != 0 else { return }
        let adaptation = (packet[base + 3] >> 4) & 0x3
        guard adaptation & 0x1 != 0 else { return }
        var start = base + 4
        if adaptation & 0x2 != 0 { start += 1 + Int(packet[base + 4]) }
        // PES header: start code, a video stream id, flags, and the 5-byte PTS at offset 9.
        guard start + 14 <= packet.endIndex,
            packet[start] == 0, packet[start + 1] == 0, packet[start + 2] == 1,
            (0xE0...0xEF).contains(packet[start + 3]),
            packet[start + 7] & 0x80 != 0
        else { return }
        let p = start + 9
        let pts = Int64(packet[p] >> 1 & 0x07) << 30 | Int64(packet[p + 1]) << 22 | Int64(packet[p + 2] >> 1) << 15
            | Int64(packet[p + 3]) << 7 | Int64(packet[p + 4] >> 1)
        if first == nil { first = pts }
        last = pts
    }
}
