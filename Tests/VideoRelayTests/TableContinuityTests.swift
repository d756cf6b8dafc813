import Testing
@testable import VideoRelay

/// The PAT and PMT a joining reader is handed first continue the counters of what follows.
@Suite struct TableContinuityTests {
    /// A 188-byte packet of `pid` with counter `cc` (payload only unless `payload` is false).
    private static func packet(pid: UInt16, cc: UInt8, payload: Bool = true) -> [UInt8] {
        var bytes = [UInt8](repeating: 0xff, count: 188)
        bytes[0] = 0x47
        bytes[1] = 0x40 | UInt8(pid >> 8)
        bytes[2] = UInt8(pid & 0xff)
        bytes[3] = (payload ? 0x10 : 0x20) | cc
        if !payload { bytes[4] = 183 }
        return bytes
    }

    private static func counters(_ bytes: [UInt8]) -> [UInt8] {
        stride(from: 0, to: bytes.count, by: 188).map { bytes[$0 + 3] & 0x0f }
    }

    private static let tables = packet(pid: 0, cc: 9) + packet(pid: 4096, cc: 9)

    @Test func tablesTakeTheCounterBeforeTheNextPacketOfTheirPID() {
        // A cached GOP is older than the latest tables: its first PAT carries 3, its PMT 15.
        let gop = [(Self.packet(pid: 256, cc: 4) + Self.packet(pid: 0, cc: 3))[...], (Self.packet(pid: 4096, cc: 15) + Self.packet(pid: 0, cc: 4))[...]]
        let result = TableContinuity.continuing(Self.tables, before: gop)
        #expect(Self.counters(result) == [2, 14])
        // Only the counters change.
        #expect(result.enumerated().allSatisfy { index, byte in index % 188 == 3 || byte == Self.tables[index] })
    }

    @Test func aTableAbsentFromWhatFollowsKeepsTheLatestCounter() {
        let keyframePayload = [(Self.packet(pid: 256, cc: 0) + Self.packet(pid: 0, cc: 10))[...]]
        #expect(Self.counters(TableContinuity.continuing(Self.tables, before: keyframePayload)) == [9, 9])
    }

    @Test func aCounterWrapsAndAPacketWithoutPayloadIsNotCounted() {
        let following = [(Self.packet(pid: 0, cc: 0) + Self.packet(pid: 4096, cc: 5, payload: false))[...]]
        #expect(Self.counters(TableContinuity.continuing(Self.tables, before: following)) == [15, 5])
    }

    @Test func somethingThatIsNotWholePacketsIsLeftAlone() {
        let odd = Array(Self.tables.dropLast())
        #expect(TableContinuity.continuing(odd, before: [Self.tables[...]]) == odd)
    }
}
