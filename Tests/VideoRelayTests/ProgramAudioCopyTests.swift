import Testing
@testable import VideoRelay

/// What lets the program copy a source's AAC frames instead of encoding its sound: the frame's
/// ADTS header, the program's frame grid, and the timeline saying who is heard alone where.
@Suite struct ProgramAudioCopyTests {
    /// The first frame of drone-1's sound (ffmpeg's AAC-LC, 48 kHz stereo), 132 bytes long.
    static let header: [UInt8] = [0xFF, 0xF1, 0x4C, 0x80, 0x10, 0x9F, 0xFC]

    static func frame(_ header: [UInt8], length: Int) -> [UInt8] {
        header + Array(repeating: 0x21, count: length - header.count)
    }

    static func fit(_ bytes: [UInt8], sampleRate: Int = 48_000) -> ADTSHeader.Fit {
        bytes.withUnsafeBufferPointer { ADTSHeader.fit($0, sampleRate: sampleRate) }
    }

    @Test func aSourcesADTSHeaderIsRead() throws {
        let header = try #require(Self.header.withUnsafeBufferPointer { ADTSHeader($0) })
        #expect(header == ADTSHeader.expected(objectType: 2, sampleRate: 48_000, channels: 2, length: 132))
    }

    @Test func onlyOneWholeAACLCFrameAtTheProgramsRateInStereoIsCopyable() {
        #expect(Self.fit(Self.frame(Self.header, length: 132)) == .oneFrame)
        #expect(Self.fit(Self.frame(Self.header, length: 132), sampleRate: 44_100) == .other, "another rate")
        #expect(Self.fit(Self.frame(Self.header, length: 132) + Self.frame(Self.header, length: 132)) == .programFormat,
            "two frames in one packet: in the format, not one frame")
        #expect(Self.fit(Array(Self.frame(Self.header, length: 132).prefix(100))) == .programFormat, "cut short")
        var mono = Self.header
        mono[2] = 0x4C
        mono[3] = 0x40
        #expect(Self.fit(Self.frame(mono, length: 132)) == .other, "mono")
        var heAAC = Self.header
        heAAC[2] = 0x0C // object type 1 (AAC Main)
        #expect(Self.fit(Self.frame(heAAC, length: 132)) == .other, "not AAC-LC")
        var blocks = Self.header
        blocks[6] |= 0x01
        #expect(Self.fit(Self.frame(blocks, length: 132)) == .programFormat, "two raw data blocks")
        var layer = Self.header
        layer[1] = 0xF3
        #expect(Self.fit(Self.frame(layer, length: 132)) == .other, "layer 1 is not ADTS")
        #expect(Self.fit([0xFF, 0xF1, 0x4C]) == .other, "too short for a header")
        #expect(Self.fit(Array(repeating: 0x47, count: 132)) == .other, "no syncword")
    }

    @Test func aSourcesFramesGoToTheNearestGridPointAndStayThereThroughJitter() {
        var grid = AudioFrameGrid(frameSize: 1024, tolerance: 240)
        #expect(grid.shift(forFrameAt: 10_300, of: "heli-1") == -60, "10 300 → 10 240, 1.25 ms earlier")
        #expect(grid.shift(forFrameAt: 11_324, of: "heli-1") == -60, "the next frame, the same shift")
        #expect(grid.shift(forFrameAt: 12_349, of: "heli-1") == -61, "one sample of rounding: still on the grid")
        #expect(grid.shift(forFrameAt: 13_600, of: "heli-1") == -288, "228 samples off with its shift: kept, landing on the grid")
        #expect(grid.shift(forFrameAt: 14_000, of: "heli-1") == 336, "396 off: a jump, the nearest grid point again")
        #expect(grid.shift(forFrameAt: 700, of: "drone-1") == 324, "each source its own shift, at most half a frame")
        #expect(grid.shift(forFrameAt: -300, of: "mobile-1") == 300)
        grid.forget("heli-1")
        #expect(grid.shift(forFrameAt: 10_000, of: "heli-1") == 240)
    }

    @Test func aShiftNearHalfAFrameDoesNotFlipBackAndForth() {
        var grid = AudioFrameGrid(frameSize: 1024, tolerance: 240)
        let first = grid.shift(forFrameAt: 512, of: "heli-1")
        #expect(first == 512)
        // Rounding moves the source one sample either side of the half-way point.
        #expect(grid.shift(forFrameAt: 1535, of: "heli-1") == 513)
        #expect(grid.shift(forFrameAt: 2561, of: "heli-1") == 511)
    }

    @Test func theTimelineNamesWhoIsHeardAloneOutsideTheCrossfade() {
        var timeline = SoundTimeline(sampleRate: 48_000)
        #expect(timeline.soleInput(over: 0..<2048) == nil, "silence before anything is on air")
        timeline.cut(at: 0, to: "heli-1")
        #expect(timeline.soleInput(over: 0..<2048) == nil, "the fade-in")
        #expect(timeline.soleInput(over: 240..<2288) == "heli-1")
        timeline.cut(at: 48_000, to: "drone-1")
        #expect(timeline.soleInput(over: 45_712..<47_760) == "heli-1", "before the cut's crossfade")
        #expect(timeline.soleInput(over: 45_713..<47_761) == nil, "reaching into the crossfade")
        #expect(timeline.soleInput(over: 47_000..<49_048) == nil, "across the cut")
        #expect(timeline.soleInput(over: 48_240..<50_288) == "drone-1")
        timeline.cut(at: 96_000, to: nil)
        #expect(timeline.soleInput(over: 96_240..<98_288) == nil, "the slate is silence")
        #expect(timeline.soleInput(over: 90_000..<92_048) == "drone-1")
    }

    @Test func skippingMovesThePositionOnAndDropsWhatWasWritten() {
        var timeline = SoundTimeline(sampleRate: 48_000)
        timeline.cut(at: 0, to: "heli-1")
        timeline.place(ProgramSoundTests.tone(2048, 0.5), at: 0, from: "heli-1")
        timeline.skip(1024)
        #expect(timeline.position == 1024 && timeline.end == 2048)
        #expect(timeline.take(1024)[0].allSatisfy { $0 == 0.5 })
        timeline.skip(4096)
        #expect(timeline.position == 6144 && timeline.end == 6144, "past what was written: silence skipped")
    }

    @Test func placingSaysWhereTheSoundWent() {
        var timeline = SoundTimeline(sampleRate: 48_000)
        timeline.cut(at: 0, to: "heli-1")
        #expect(timeline.place(ProgramSoundTests.tone(1024), at: 1024, from: "heli-1") == 1024..<2048)
        #expect(timeline.place(ProgramSoundTests.tone(1024), at: 0, from: "drone-1").isEmpty, "not heard")
        _ = timeline.take(2560)
        #expect(timeline.place(ProgramSoundTests.tone(1024), at: 2048, from: "heli-1") == 2560..<3072, "its late part dropped")
    }
}

extension ADTSHeader {
    static func expected(objectType: Int, sampleRate: Int, channels: Int, length: Int) -> ADTSHeader {
        var bytes: [UInt8] = [0xFF, 0xF1, 0, 0, 0, 0, 0xFC]
        let index = sampleRates.firstIndex(of: sampleRate) ?? 15
        bytes[2] = UInt8((objectType - 1) << 6) | UInt8(index << 2) | UInt8(channels >> 2)
        bytes[3] = UInt8((channels & 3) << 6) | UInt8(length >> 11)
        bytes[4] = UInt8((length >> 3) & 0xFF)
        bytes[5] = UInt8((length & 7) << 5) | 0x1F
        return bytes.withUnsafeBufferPointer { ADTSHeader($0)! }
    }
}
