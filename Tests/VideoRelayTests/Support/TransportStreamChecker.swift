import Foundation

/// Reads a recorded MPEG-TS and reports what a receiver would trip over: continuity-counter
/// gaps, DTS that go back or jump, PID changes. Independent of the code under test.
struct TransportStreamChecker {
    struct Report: CustomStringConvertible {
        var packets = 0
        var continuityErrors: [String] = []
        /// Continuity errors of the PSI tables (PAT, PMT, SDT): `isClean` leaves them out.
        var tableContinuityErrors: [String] = []
        var timestampErrors: [String] = []
        /// Every PES timestamp (DTS, else PTS) per PID, in file order.
        var timestamps: [UInt16: [Int64]] = [:]
        var pids: Set<UInt16> = []
        /// PES_packet_length of every video PES (0: unbounded, the PES ends where the next begins).
        var videoPESLengths: [Int] = []

        /// Continuity of the elementary streams. The PSI tables' is reported apart
        /// (`tableContinuityErrors`): a source's stream carries its publisher's tables, whose
        /// counters restart when the publisher does; the program's muxer writes its own.
        var isClean: Bool { continuityErrors.isEmpty && timestampErrors.isEmpty }
        var description: String {
            "packets \(packets), pids \(pids.sorted()), continuity errors \(continuityErrors.prefix(5)), timestamp errors \(timestampErrors.prefix(5))"
        }
    }

    /// - Parameter maximumStep: the largest allowed forward DTS step per PID (90 kHz): six
    ///   frames at 29.97. With B-frames a P-frame is decoded up to four frames before it is
    ///   shown, so leaving such a source for encoded pictures (decoded when shown) moves the
    ///   DTS on by up to five frames while the pictures follow each other frame by frame (gaps
    ///   in what is shown are checked on the PTS, `RecordedFrames`).
    static func check(_ path: String, maximumStep: Int64 = 18_018) throws -> Report {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var report = Report()
        var lastCC: [UInt16: UInt8] = [:]
        var lastTimestamp: [UInt16: Int64] = [:]
        var offset = 0
        while offset + 188 <= bytes.count {
            defer { offset += 188 }
            guard bytes[offset] == 0x47 else {
                report.continuityErrors.append("lost sync at byte \(offset)")
                continue
            }
            report.packets += 1
            let pid = UInt16(bytes[offset + 1] & 0x1f) << 8 | UInt16(bytes[offset + 2])
            if pid == 0x1fff { continue }
            report.pids.insert(pid)
            let start = bytes[offset + 1] & 0x40 != 0
            let adaptation = (bytes[offset + 3] >> 4) & 0x3
            let cc = bytes[offset + 3] & 0x0f
            var discontinuity = false
            var payload = offset + 4
            if adaptation & 0x2 != 0 {
                let length = Int(bytes[offset + 4])
                if length > 0 { discontinuity = bytes[offset + 5] & 0x80 != 0 }
                payload += 1 + length
            }
            if adaptation & 0x1 != 0 {
                if let last = lastCC[pid], !discontinuity, cc != (last + 1) & 0x0f {
                    report.continuityErrors.append("pid \(pid) at packet \(report.packets): cc \(last) -> \(cc)")
                }
                lastCC[pid] = cc
            }
            guard start, adaptation & 0x1 != 0, payload + 14 <= offset + 188 else { continue }
            // PES header: 00 00 01 stream_id len(2) flags(2) header_length, then PTS/DTS.
            guard bytes[payload] == 0, bytes[payload + 1] == 0, bytes[payload + 2] == 1 else { continue }
            if bytes[payload + 3] & 0xf0 == 0xe0 { report.videoPESLengths.append(Int(bytes[payload + 4]) << 8 | Int(bytes[payload + 5])) }
            let flags = bytes[payload + 7] >> 6
            guard flags & 0x2 != 0 else { continue }
            func timestamp(_ at: Int) -> Int64 {
                (Int64(bytes[at] >> 1) & 0x07) << 30 | Int64(bytes[at + 1]) << 22 | (Int64(bytes[at + 2]) >> 1) << 15
                    | Int64(bytes[at + 3]) << 7 | Int64(bytes[at + 4]) >> 1
            }
            let value = flags == 0x3 ? timestamp(payload + 14) : timestamp(payload + 9)
            if let last = lastTimestamp[pid] {
                let step = value - last
                if step <= 0 || step > maximumStep {
                    report.timestampErrors.append("pid \(pid) at packet \(report.packets): \(last) -> \(value) (step \(step))")
                }
            }
            lastTimestamp[pid] = value
            report.timestamps[pid, default: []].append(value)
        }
        let elementary = Set(report.timestamps.keys)
        let all = report.continuityErrors
        report.continuityErrors = all.filter { error in
            elementary.contains { error.hasPrefix("pid \($0) ") } || error.hasPrefix("lost sync")
        }
        report.tableContinuityErrors = all.filter { !report.continuityErrors.contains($0) }
        return report
    }
}
