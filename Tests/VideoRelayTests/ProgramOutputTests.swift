import Testing
@testable import VideoRelay

/// The program's output queue between the muxer and the relay thread.
@Suite struct ProgramOutputTests {
    static func write(_ output: ProgramOutput, packets: Int) {
        let bytes = [UInt8](repeating: 0x47, count: 188 * packets)
        bytes.withUnsafeBytes { output.write($0) }
    }

    @Test func bytesAreCutIntoWholeTSPacketsOfAtMost1316Bytes() {
        let output = ProgramOutput()
        Self.write(output, packets: 10)
        output.write(UnsafeRawBufferPointer(start: nil, count: 0))
        let payloads = output.take()
        #expect(payloads.map(\.count) == [1316, 3 * 188])
        #expect(output.totalBytes == 1880)
        #expect(output.droppedPayloads == 0)
    }

    @Test func payloadsNobodyTakesAreDroppedOldestFirstAndCounted() {
        let output = ProgramOutput(limitBytes: 2 * 1316)
        for _ in 0..<5 { Self.write(output, packets: 7) }
        #expect(output.droppedPayloads == 3, "five payloads, room for two")
        #expect(output.take().count == 2)
        Self.write(output, packets: 7)
        #expect(output.take().count == 1)
        #expect(output.droppedPayloads == 3, "a counter: taking does not reset it")
    }
}
