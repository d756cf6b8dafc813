import Testing
import VideoRelay

/// Which packets of a recording go into a clip: from the last keyframe at or before the start,
/// to the end, without audio from before the video starts.
@Suite struct ClipPacketSelectorTests {
    /// 30 fps video (3000 ticks a frame), a keyframe each `gop` frames, from PTS 1_000_000;
    /// an audio packet before each video packet.
    static func stream(frames: Int, gop: Int = 30) -> [ClipPacketSelector.Packet] {
        (0..<frames).flatMap { frame -> [ClipPacketSelector.Packet] in
            let pts = 1_000_000 + Int64(frame) * 3000
            return [
                .init(kind: .audio, stream: 1, isKeyframe: true, pts: pts - 1500, dts: pts - 1500),
                .init(kind: .video, stream: 0, isKeyframe: frame % gop == 0, pts: pts, dts: pts),
            ]
        }
    }

    /// Runs the selector as the remuxer does; returns what was written.
    static func select(_ packets: [ClipPacketSelector.Packet], start: Int64, end: Int64) -> (written: [ClipPacketSelector.Packet], selector: ClipPacketSelector) {
        var selector = ClipPacketSelector(startOffset: start, endOffset: end, audioStreams: 1)
        var held: [ClipPacketSelector.Packet] = []
        var written: [ClipPacketSelector.Packet] = []
        func flush() {
            for packet in held where selector.admits(packet) { written.append(packet) }
            held.removeAll()
        }
        loop: for packet in packets {
            switch selector.next(packet) {
            case .hold: held.append(packet)
            case .replaceHeld: held = [packet]
            case .drop: continue
            case .writeHeld(let thenDrop):
                flush()
                if !thenDrop { written.append(packet) }
            case .write: written.append(packet)
            case .finish: break loop
            }
        }
        if selector.endOfInput() { flush() }
        return (written, selector)
    }

    @Test func theClipStartsAtTheLastKeyframeAtOrBeforeTheStart() {
        // Start 1.5 s in: the keyframe at 1 s (frame 30) starts the clip; the end 2.5 s in.
        let (written, selector) = Self.select(Self.stream(frames: 150), start: 135_000, end: 225_000)
        let video = written.filter { $0.kind == .video }
        #expect(video.first == .init(kind: .video, stream: 0, isKeyframe: true, pts: 1_090_000, dts: 1_090_000))
        #expect(video.last?.pts == 1_225_000)
        #expect(video.count == 46)
        #expect(selector.startKeyframe?.pts == 90_000)
        #expect(selector.timestampBase == 1_090_000)
        // No audio from before the first keyframe, none after the end.
        #expect(written.filter { $0.kind == .audio }.allSatisfy { $0.pts >= 1_090_000 && $0.pts <= 1_225_000 })
        #expect(written.contains { $0.kind == .audio })
    }

    @Test func aStartOnAKeyframeStartsThere() {
        let (written, _) = Self.select(Self.stream(frames: 150), start: 90_000, end: 120_000)
        #expect(written.first { $0.kind == .video }?.pts == 1_090_000)
    }

    @Test func aStartInTheLastGOPIsFoundAtTheEndOfTheInput() {
        let (written, selector) = Self.select(Self.stream(frames: 100), start: 297_000, end: 1_000_000)
        #expect(written.first { $0.kind == .video }?.pts == 1_270_000)
        #expect(written.last { $0.kind == .video }?.pts == 1_297_000)
        #expect(selector.lastVideoOffset == 297_000)
    }

    @Test func audioAheadOfTheFirstVideoPacketIsDroppedAndOffsetsCountFromTheVideo() {
        var packets = Self.stream(frames: 60)
        packets.insert(.init(kind: .audio, stream: 1, isKeyframe: true, pts: 900_000, dts: 900_000), at: 0)
        let (written, selector) = Self.select(packets, start: 0, end: 30_000)
        #expect(selector.origin == 1_000_000)
        #expect(written.first == .init(kind: .video, stream: 0, isKeyframe: true, pts: 1_000_000, dts: 1_000_000))
    }

    @Test func readingStopsOnceVideoAndAudioHavePassedTheEnd() {
        var selector = ClipPacketSelector(startOffset: 0, endOffset: 3000, audioStreams: 1)
        let actions = Self.stream(frames: 10).map { selector.next($0) }
        #expect(actions.contains(.finish))
        #expect(actions.firstIndex(of: .finish) ?? 99 < 10)
    }
}
