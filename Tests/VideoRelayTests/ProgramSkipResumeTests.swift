import CFFmpeg
import Foundation
import Logging
import Testing
@testable import VideoRelay

/// The program engine with the helicopter's real 1080i (B-frames, deinterlaced when converted)
/// whose conversion falls behind: its packets that reached the relay long before the program
/// takes them are skipped up to a fresh keyframe, which is shown on the very next program frame.
/// The engine is stepped by hand; the packets go in through its inbox as the demuxer sends them.
@Suite(.serialized) struct ProgramSkipResumeTests {
    static let heli = "heli-1"

    @Test func aConversionThatResumesAfterASkipLeavesNoHoleInTheProgram() async throws {
        let input = try InputFormat(path: MediaFiles.clip(Self.heli))
        let video = try #require(input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO })
        var packets: [Packet] = []
        while let packet = try input.readPacket() {
            if packet.streamIndex == video.index { packets.append(packet) }
        }
        let keyframes = packets.indices.filter { packets[$0].isKeyframe }
        try #require(keyframes.count >= 3, "the clip has a keyframe every GOP")

        let inbox = DemuxInbox()
        let output = ProgramOutput()
        let engine = try ProgramEngine(
            configuration: .forTests(), sourceIDs: [Self.heli], inboxes: [Self.heli: inbox], output: output,
            logger: Logger(label: "test"), publishStatus: { _ in })
        inbox.demuxOpened(MediaStreams(video: video, audio: nil))
        func send(_ range: Range<Int>, waited: Duration) {
            for index in range {
                inbox.demuxed(MediaPacket(kind: .video, packet: packets[index], arrivedAt: .now - waited))
                _ = engine.step(commands: [])
            }
        }
        // The first GOP and half the next on time; the rest of that GOP as if it had waited 3 s
        // behind a conversion that could not keep pace; then the third GOP on time again.
        let middle = keyframes[1] + (keyframes[2] - keyframes[1]) / 2
        send(0..<middle, waited: .zero)
        #expect(engine.status.onAir == Self.heli && engine.status.mode == .transcode)
        send(middle..<keyframes[2], waited: .seconds(3))
        send(keyframes[2]..<packets.count, waited: .zero)
        #expect(engine.status.picturesSkippedToStayLive > 0, "the late half GOP was skipped")
        #expect(engine.status.fellBehind == 1)
        #expect(engine.status.lastFellBehind?.source == Self.heli && (engine.status.lastFellBehind?.lagMilliseconds ?? 0) >= 3000)
        engine.finish()

        let recording = FileManager.default.temporaryDirectory.appendingPathComponent("skip-resume-\(UUID().uuidString).ts")
        defer { try? FileManager.default.removeItem(at: recording) }
        try Data(output.take().joined()).write(to: recording)
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts", "-of", "csv=p=0", recording.path,
        ])
        let shown = String(decoding: probe.stdout, as: UTF8.self).split(whereSeparator: \.isNewline)
            .compactMap { $0.split(separator: ",").first.flatMap { Int64($0) } }.sorted()
        #expect(shown.count > keyframes[1], "\(shown.count) pictures in the program")
        let frame = ProgramConfiguration.forTests().profile.frameTicks
        let holes = zip(shown, shown.dropFirst()).filter { $1 - $0 != frame }
        #expect(holes.isEmpty, "steps other than one frame (\(frame) ticks) between pictures shown: \(holes.prefix(5))")
    }
}
