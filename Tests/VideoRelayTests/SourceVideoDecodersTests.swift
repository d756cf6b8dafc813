import CFFmpeg
import Testing
@testable import VideoRelay

/// A source's program decoder is kept across cuts and emptied each time it is taken: decoding a
/// cached GOP into it again gives the same newest picture as into a new decoder, and it carries
/// on with the source's next packets. Uses the helicopter's real 1080i clip (B-frames).
@Suite struct SourceVideoDecodersTests {
    static let heli = "heli-1"

    struct Clip {
        let video: InputStream
        let packets: [Packet]
        let keyframes: [Int]
    }

    static func clip() throws -> Clip {
        let input = try InputFormat(path: MediaFiles.clip(heli))
        let video = try #require(input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO })
        var packets: [Packet] = []
        while let packet = try input.readPacket() {
            if packet.streamIndex == video.index { packets.append(packet) }
        }
        let keyframes = packets.indices.filter { packets[$0].isKeyframe }
        try #require(keyframes.count >= 3, "the clip has a keyframe every GOP")
        #expect(video.parameters.videoDelay > 0, "the clip has B-frames")
        return Clip(video: video, packets: packets, keyframes: keyframes)
    }

    static func gop(_ clip: Clip, _ number: Int) -> [ProgramMachine<Packet>.CachedPacket] {
        clip.packets[clip.keyframes[number]..<clip.keyframes[number + 1]].map { .init(pts: $0.pts, dts: $0.dts, payload: $0) }
    }

    @Test func theSameSourceGetsItsKeptDecoderUntilItsStreamIsForgotten() throws {
        let clip = try Self.clip()
        var decoders = SourceVideoDecoders(timeBase: clip.video.timeBase)
        let first = try decoders.fresh(for: Self.heli, stream: clip.video)
        #expect(try decoders.fresh(for: Self.heli, stream: clip.video) === first)
        #expect(try decoders.fresh(for: "drone-1", stream: clip.video) !== first)
        decoders.forget(Self.heli)
        #expect(try decoders.fresh(for: Self.heli, stream: clip.video) !== first)
        #expect(decoders.count == 2)
    }

    @Test func aReusedDecoderShowsTheSameNewestPictureAsANewOneAndCarriesOn() throws {
        let clip = try Self.clip()
        var decoders = SourceVideoDecoders(timeBase: clip.video.timeBase)
        let newestAt: Int64 = 1_000_000
        let decoder = try decoders.fresh(for: Self.heli, stream: clip.video)
        let onNew = try CachedGOPDecoding(Self.gop(clip, 0), stream: clip.video, into: decoder, newestAt: newestAt)
        // The decoder goes on with part of the next GOP, as it does on air (stamped later than
        // anything in the GOP, so a picture it still holds would win as the newest); then a cut
        // back to the source takes it again, mid-stream, for the first GOP.
        for original in clip.packets[clip.keyframes[1]..<clip.keyframes[1] + 8] {
            let packet = try original.clone()
            packet.dts += 2 * newestAt
            packet.pts += 2 * newestAt
            try decoder.send(packet)
        }
        let again = try decoders.fresh(for: Self.heli, stream: clip.video)
        #expect(again === decoder)
        let onReused = try CachedGOPDecoding(Self.gop(clip, 0), stream: clip.video, into: again, newestAt: newestAt)

        let newPicture = try #require(onNew.latest), reusedPicture = try #require(onReused.latest)
        #expect(reusedPicture.pts == newPicture.pts)
        #expect(Self.luma(reusedPicture) == Self.luma(newPicture), "the same picture, not a left-over one")

        // Carrying on: the next GOP's packets (moved after the cached one) come out as pictures.
        let shift = newestAt - clip.packets[clip.keyframes[1] - 1].dts
        var pictures = 0
        let frame = try Frame()
        for original in clip.packets[clip.keyframes[1]..<clip.keyframes[2]] {
            let packet = try original.clone()
            packet.dts += shift
            packet.pts += shift
            try again.send(packet)
            while try again.receive(into: frame) {
                pictures += 1
                frame.unref()
            }
        }
        #expect(pictures >= clip.keyframes[2] - clip.keyframes[1] - Int(clip.video.parameters.videoDelay) - 1)
    }

    /// The first row of the luma plane: enough to tell two pictures of a moving clip apart.
    static func luma(_ frame: Frame) -> [UInt8] {
        let row = Int(frame.width)
        guard let data = frame.pointer.pointee.data.0 else { return [] }
        return Array(UnsafeBufferPointer(start: data + Int(frame.pointer.pointee.linesize.0) * Int(frame.height) / 2, count: row))
    }
}
