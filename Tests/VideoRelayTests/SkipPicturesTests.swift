import Foundation
import Testing
@testable import VideoRelay

/// Skip pictures: written bit by bit, checked by ffmpeg's decoder after a real x264 keyframe.
@Suite struct SkipPicturesTests {
    @Test func exponentialGolombCodesReadBackAsWritten() {
        var writer = BitWriter()
        let values = [0, 1, 2, 3, 7, 8, 254, 3600, 65_535]
        for value in values { writer.exponentialGolomb(value) }
        for value in [0, 1, -1, 5, -17] { writer.signedExponentialGolomb(value) }
        writer.bits(0b101, count: 3)
        var reader = BitReader(writer.bytes)
        #expect(values.map { _ in reader.exponentialGolomb() } == values)
        #expect([0, 1, -1, 5, -17].map { _ in reader.signedExponentialGolomb() } == [0, 1, -1, 5, -17])
        #expect(reader.bits(3) == 0b101)
        var one = BitWriter()
        one.exponentialGolomb(3)
        #expect(one.bytes == [0b0010_0000], "ue(3) is 00100")
    }

    @Test func emulationPreventionIsAddedAndRemoved() {
        let rbsp: [UInt8] = [0, 0, 0, 0, 0, 1, 0, 0, 3, 0, 0, 4, 0xff]
        let escaped = SkipPictures.escaped(rbsp)
        #expect(escaped == [0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 3, 3, 0, 0, 4, 0xff])
        #expect(SkipPictures.unescaped(escaped[...]) == rbsp)
        #expect(SkipPictures.nalUnits([0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3]).map(Array.init) == [[0x67, 1, 2], [0x68, 3]])
    }

    /// One x264 keyframe of a 1280x720 test picture, as a raw H.264 stream.
    static func keyframe(x264Params: String, preset: String = "veryfast") async throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("skip-\(UUID().uuidString).h264").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30", "-frames:v", "1",
            "-c:v", "libx264", "-preset", preset, "-tune", "zerolatency", "-x264-params", x264Params, "-f", "h264", path,
        ])
        guard made.status == 0 else { throw TestFailure("ffmpeg: \(made.stderr)") }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The program's preset, and the slate's (ultrafast: no deblocking, one reference).
    @Test(arguments: ["veryfast", "ultrafast"])
    func skipPicturesAfterAnX264KeyframeDecodeToThatPictureWithoutErrors(preset: String) async throws {
        let keyframe = try await Self.keyframe(x264Params: "cabac=0:weightp=0:repeat-headers=1", preset: preset)
        let skips = try #require(SkipPictures(keyframe: keyframe))
        #expect(skips.macroblocks == 80 * 45)
        var stream = keyframe
        for index in 1..<30 { stream += skips.picture(index: index) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("skips-\(UUID().uuidString).h264").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(stream).write(to: URL(fileURLWithPath: path))
        let decoded = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-err_detect", "explode", "-i", path, "-f", "framemd5", "-",
        ])
        #expect(decoded.status == 0)
        #expect(decoded.stderr.isEmpty, "\(decoded.stderr)")
        let hashes = String(decoding: decoded.stdout, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        #expect(hashes.count == 30, "the keyframe and 29 skip pictures")
        #expect(Set(hashes).count == 1, "every picture is the keyframe's")
    }

    @Test func aStreamSkipPicturesCannotFollowIsRefused() async throws {
        #expect(SkipPictures(keyframe: try await Self.keyframe(x264Params: "cabac=1:repeat-headers=1")) == nil, "CABAC")
        #expect(SkipPictures(keyframe: try await Self.keyframe(x264Params: "cabac=0:weightp=2:repeat-headers=1")) == nil, "weighted prediction")
        #expect(SkipPictures(keyframe: [0, 0, 0, 1, 0x65, 0x88]) == nil, "no parameter sets")
    }
}
