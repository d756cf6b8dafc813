/// Makes the PAT and PMT handed to a joining reader continue the stream's continuity counters.
///
/// The tables a reader gets first are copies of the latest ones seen, carrying the counter they
/// had then; the stream that follows (a cached GOP, or the payload a keyframe starts in) may
/// hold an older or the very same table packet, and a receiver reports the jump ("Continuity
/// check failed" for PIDs 0 and the PMT's). So each inserted table takes the counter just before
/// the next packet of its PID in what follows; a PID that does not occur there keeps the
/// captured counter, which is the latest of the stream, so the live packet after it continues.
enum TableContinuity {
    /// `tables` (whole 188-byte packets) with their continuity counters set to precede
    /// `following`. Looks at most `scanLimit` packets into `following`.
    static func continuing(_ tables: [UInt8], before following: [ArraySlice<UInt8>], scanLimit: Int = 20_000) -> [UInt8] {
        let size = TransportStreamInspector.packetSize
        guard !tables.isEmpty, tables.count % size == 0 else { return tables }
        var wanted: [UInt16: Int] = [:]  // PID -> offset of its packet in `tables`
        for offset in stride(from: 0, to: tables.count, by: size) where tables[offset] == 0x47 {
            wanted[pid(tables[offset...]), default: offset] = offset
        }
        var result = tables
        var scanned = 0
        scan: for payload in following {
            var offset = payload.startIndex
            while offset + size <= payload.endIndex {
                defer { offset += size; scanned += 1 }
                if scanned >= scanLimit || wanted.isEmpty { break scan }
                guard payload[offset] == 0x47 else { continue }
                let found = pid(payload[offset...])
                guard let tableOffset = wanted.removeValue(forKey: found) else { continue }
                let counter = payload[offset + 3] & 0x0f
                let hasPayload = payload[offset + 3] & 0x10 != 0
                // A packet without payload repeats the counter before it.
                let previous = hasPayload ? (counter &+ 15) & 0x0f : counter
                result[tableOffset + 3] = (result[tableOffset + 3] & 0xf0) | previous
            }
        }
        return result
    }

    private static func pid(_ packet: ArraySlice<UInt8>) -> UInt16 {
        let base = packet.startIndex
        return UInt16(packet[base + 1] & 0x1f) << 8 | UInt16(packet[base + 2])
    }
}
