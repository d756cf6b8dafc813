import Foundation
import Testing
@testable import VideoRelay

/// A held picture (the program's last, repeated while its source sends none in time) is encoded
/// the slate's way: one keyframe, then skip pictures of a few bytes, which ffmpeg decodes to
/// that very picture.
@Suite struct HeldPictureTests {
    @Test func aHeldPictureIsOneKeyframeThenSkipPicturesThatDecodeToIt() async throws {
        let configuration = ProgramConfiguration.forTests()
        let profile = configuration.profile
        let slate = try ProgramSlate(configuration: configuration)
        // Any picture of the profile's size stands for the last one the program showed.
        let held = try slate.still(pts: 0)
        var packets: [(keyframe: Bool, bytes: [UInt8])] = []
        for index in 0..<profile.gopFrames {
            try slate.encodeHeld(held, pts: Int64(index) * profile.frameTicks, keyframe: index == 0, streamIndex: 0) { packet in
                packets.append((packet.isKeyframe, packet.bytes))
            }
        }
        #expect(packets.count == profile.gopFrames)
        #expect(packets.first?.keyframe == true)
        let repeats = packets.dropFirst()
        #expect(repeats.allSatisfy { !$0.keyframe && $0.bytes.count < 64 }, "skip pictures: \(repeats.map(\.bytes.count).prefix(5))")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("held-\(UUID().uuidString).h264").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(packets.flatMap(\.bytes)).write(to: URL(fileURLWithPath: path))
        let decoded = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-err_detect", "explode", "-i", path, "-f", "framemd5", "-",
        ])
        #expect(decoded.status == 0 && decoded.stderr.isEmpty, "\(decoded.stderr)")
        let hashes = String(decoding: decoded.stdout, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        #expect(hashes.count == profile.gopFrames)
        #expect(Set(hashes).count == 1, "every picture is the held one")
    }
}
