/// A synthetic MPEG-TS stream for end-to-end delivery checks: PAT, PMT and one H.264-typed PID
/// whose packets carry a sequence number and a send time instead of pictures. A keyframe
/// (random-access flag) opens every GOP so a relay treats it like real video; each payload is
/// exactly what a field encoder sends (7 TS packets, 1316 bytes).
struct ProbeStream {
    static let videoPID: UInt16 = 0x100
    static let pmtPID: UInt16 = 0x1000
    static let magic: [UInt8] = Array("RLPB".utf8)
    /// Payloads per GOP: at 8 Mbit/s about one keyframe a second.
    let payloadsPerGOP: Int
    private var continuity: [UInt16: UInt8] = [:]

    init(payloadsPerGOP: Int) {
        self.payloadsPerGOP = payloadsPerGOP
    }

    /// The payload numbered `sequence`, stamped with `sentAt` (nanoseconds, monotonic).
    mutating func payload(sequence: UInt64, sentAt: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1316)
        let keyframe = sequence % UInt64(payloadsPerGOP) == 0
        var videoPackets = 7
        if keyframe {
            bytes += packet(pid: 0, unitStart: true, randomAccess: false, body: Self.pat)
            bytes += packet(pid: Self.pmtPID, unitStart: true, randomAccess: false, body: Self.pmt)
            videoPackets = 5
        }
        var stamp = Self.magic
        withUnsafeBytes(of: sequence.bigEndian) { stamp += $0 }
        withUnsafeBytes(of: sentAt.bigEndian) { stamp += $0 }
        for index in 0..<videoPackets {
            let first = index == 0
            // The first packet of a keyframe payload opens a PES as a real encoder's would.
            let body = first ? (keyframe ? Self.pesHeader : []) + stamp : []
            bytes += packet(pid: Self.videoPID, unitStart: first && keyframe, randomAccess: first && keyframe, body: body)
        }
        return bytes
    }

    /// Reads the sequence and send time from a payload (the first video packet carrying them).
    static func stamp(in payload: ArraySlice<UInt8>) -> (sequence: UInt64, sentAt: UInt64)? {
        var offset = payload.startIndex
        while offset + 188 <= payload.endIndex {
            let pid = UInt16(payload[offset + 1] & 0x1f) << 8 | UInt16(payload[offset + 2])
            if pid == videoPID {
                var start = offset + 4
                if payload[offset + 3] & 0x20 != 0 { start += 1 + Int(payload[offset + 4]) }
                if payload[offset + 1] & 0x40 != 0 { start += pesHeader.count }
                guard start + 20 <= offset + 188, Array(payload[start..<(start + 4)]) == magic else { return nil }
                let sequence = payload[(start + 4)..<(start + 12)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let sentAt = payload[(start + 12)..<(start + 20)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return (sequence, sentAt)
            }
            offset += 188
        }
        return nil
    }

    private mutating func packet(pid: UInt16, unitStart: Bool, randomAccess: Bool, body: [UInt8]) -> [UInt8] {
        let cc = continuity[pid, default: 0]
        continuity[pid] = (cc + 1) & 0x0f
        var packet: [UInt8] = [0x47, (unitStart ? 0x40 : 0) | UInt8(pid >> 8), UInt8(pid & 0xff)]
        // Adaptation field (random access flag, then stuffing) so the body fills the packet.
        let room = 184 - body.count
        if room == 0 {
            packet.append(0x10 | cc)
        } else {
            packet.append(0x30 | cc)
            packet.append(UInt8(room - 1))
            if room > 1 {
                packet.append(randomAccess ? 0x40 : 0x00)
                packet += [UInt8](repeating: 0xff, count: room - 2)
            }
        }
        return packet + body
    }

    /// A PES header for H.264 video without timestamps.
    private static let pesHeader: [UInt8] = [0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80, 0x00, 0x00]

    private static let pat: [UInt8] = section([0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0 | UInt8(pmtPID >> 8), UInt8(pmtPID & 0xff)])
    private static let pmt: [UInt8] = section([
        0x02, 0xb0, 0x12, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0 | UInt8(videoPID >> 8), UInt8(videoPID & 0xff), 0xf0, 0x00,
        0x1b, 0xe0 | UInt8(videoPID >> 8), UInt8(videoPID & 0xff), 0xf0, 0x00,
    ])

    /// Pointer field + section + CRC-32/MPEG-2.
    private static func section(_ body: [UInt8]) -> [UInt8] {
        [0x00] + body + MPEGCRC32.bytes(body)
    }
}
