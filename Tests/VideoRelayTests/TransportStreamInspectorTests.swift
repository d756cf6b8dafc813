import Foundation
import Testing
@testable import VideoRelay

@Suite struct TransportStreamInspectorTests {
    /// Feeds a clip in SRT-sized payloads and counts the keyframes found, against ffprobe's count
    /// of key frames in the same file.
    @Test(arguments: ["heli-1", "drone-1", "mobile-1"])
    func findsEveryKeyframeFFprobeFinds(source: String) async throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: MediaFiles.clip(source))))
        var inspector = TransportStreamInspector()
        var keyframes = 0
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + 1316, bytes.count)
            let inspection = inspector.inspect(bytes[offset..<end])
            #expect(inspection.isTransportStream)
            if inspection.keyframeOffset != nil { keyframes += 1 }
            offset = end
        }
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0",
            MediaFiles.clip(source),
        ])
        let expected = String(decoding: probe.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("K") }.count
        #expect(expected > 0)
        #expect(keyframes == expected)
        #expect(inspector.programTables.count == 2 * 188)
    }

    @Test func rejectsPayloadsThatAreNotTransportStream() {
        var inspector = TransportStreamInspector()
        #expect(!inspector.inspect(ArraySlice(repeating: 0x47, count: 100)).isTransportStream, "not whole packets")
        var wrongSync = [UInt8](repeating: 0x47, count: 376)
        wrongSync[188] = 0x00
        #expect(!inspector.inspect(wrongSync[...]).isTransportStream)
        #expect(!inspector.inspect(ArraySlice("hello, this is not video".utf8)).isTransportStream)
    }
}
