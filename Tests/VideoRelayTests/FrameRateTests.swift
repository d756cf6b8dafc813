import Testing
@testable import VideoRelay

/// Exact frame rates: the program's frame times come from frame counts on a rational grid, so
/// 29.97 and 59.94 programs do not drift, and passthrough compares rates as fractions.
@Suite struct FrameRateTests {
    typealias Machine = ProgramMachine<Int>

    /// The slate alone on air for `hours`, the clock read once a second: every picture's PTS.
    static func slatePictures(rate: FrameRate, hours: Int) -> [Int64] {
        var machine = Machine(settings: .init(frameRate: rate, instantCut: true), sources: ["heli-1"])
        var pts: [Int64] = []
        pts.reserveCapacity(hours * 3600 * rate.framesPerSecondRoundedUp)
        for second in 0...(hours * 3600) {
            for action in machine.handle(.clock(at: .seconds(second))) {
                if case .encodeSlate(let at, _) = action { pts.append(at) }
            }
        }
        return pts
    }

    @Test func twelveHoursAt2997PutFrameNAtExactlyNTimes3003Ticks() {
        let pts = Self.slatePictures(rate: .ntsc30, hours: 12)
        // 12 h of 30000/1001 frames, all of them out (the clock is read at 43 200 s inclusive).
        #expect(pts.count == 43_200 * 30_000 / 1001 + 1)
        let drifted = pts.enumerated().first { n, at in at != ProgramTime.startTicks + Int64(n) * 1001 * 90_000 / 30_000 }
        #expect(drifted == nil, "frame \(drifted?.offset ?? -1) off the grid")
        #expect(pts.last == ProgramTime.startTicks + Int64(pts.count - 1) * 3003)
    }

    @Test func twelveHoursAt5994AlternateFrameLengthsWithoutDrift() {
        let pts = Self.slatePictures(rate: .ntsc60, hours: 12)
        #expect(pts.count == 43_200 * 60_000 / 1001 + 1)
        let drifted = pts.enumerated().first { n, at in at != ProgramTime.startTicks + Int64(n) * 1001 * 90_000 / 60_000 }
        #expect(drifted == nil, "frame \(drifted?.offset ?? -1) off the grid")
        // 1501.5 ticks a frame: steps of 1501 and 1502, never 1501 throughout (which would lose
        // 0.5 tick a frame, 19 s in 12 h).
        #expect(Set(zip(pts, pts.dropFirst()).map { $1 - $0 }) == [1501, 1502])
    }

    @Test func ratesAreComparedAsFractionsTelling2997From30() {
        #expect(FrameRate(60, 2) == .fps30)
        #expect(FrameRate.ntsc30 != .fps30)
        #expect(FrameRate.ntsc30.matches(numerator: 2997, denominator: 100), "a rate measured as a decimal")
        #expect(!FrameRate.ntsc30.matches(numerator: 30, denominator: 1))
        #expect(!FrameRate.fps30.matches(numerator: 30_000, denominator: 1001))
        #expect(FrameRate.ntsc30.frameTicks == 3003 && FrameRate.ntsc60.frameTicks == 1501 && FrameRate.fps25.frameTicks == 3600)
        #expect(FrameRate(parsing: "24") == nil && FrameRate(parsing: "30/0") == nil && FrameRate(parsing: "x") == nil)
    }

    @Test func aFrameGridReanchorsOffGridAndCountsOnAlongIt() {
        var grid = FrameGrid(rate: .ntsc60, anchor: 1000)
        #expect(grid.next == 2501)
        grid.note(2501)
        #expect(grid.next == 4003)
        grid.note(5000)
        #expect(grid.last == 5000 && grid.next == 6501)
    }

    // MARK: - Passthrough matching

    static let drone = VideoFormat(isH264: true, width: 1920, height: 1080, frameRate: FrameRate(30_000, 1001))

    @Test func b1080p2997SourceMatchesTheDefaultProfileWhateverItsReordering() {
        #expect(ProgramProfile().matches(Self.drone))
        var thirty = Self.drone
        thirty.frameRate = .fps30
        #expect(!ProgramProfile().matches(thirty), "30 is not 29.97")
        var small = Self.drone
        small.width = 1280
        small.height = 720
        #expect(!ProgramProfile().matches(small))
    }

    @Test func interlacedSourcesMatchOnlyAnInterlacedTopFieldFirstProfile() {
        var heli = Self.drone
        heli.interlaced = true
        let interlaced = ProgramProfile(scan: .interlaced)
        #expect(!ProgramProfile().matches(heli), "1080i is not passed through to 1080p")
        #expect(interlaced.matches(heli))
        #expect(!interlaced.matches(Self.drone), "1080p is not passed through to 1080i")
        heli.bottomFieldFirst = true
        #expect(!interlaced.matches(heli))
    }

    // MARK: - B-frames through the rebaser

    /// A GOP with two B-frames in decode order (I P B B P B B), frame = 3003: each packet's
    /// (pts, dts) in the source's clock, starting at `dts0`.
    static func gop(from dts0: Int64) -> [(pts: Int64, dts: Int64)] {
        let order: [Int64] = [0, 3, 1, 2, 6, 4, 5]
        return order.enumerated().map { decodeIndex, shown in
            // Decode times run one frame apart; a picture is shown two frames after the I's DTS.
            (pts: dts0 + (shown + 2) * 3003, dts: dts0 + Int64(decodeIndex) * 3003)
        }
    }

    @Test func bFramesKeepTheirReorderingAndASpliceShowsAfterEverythingShown() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3003)
        let first = Self.gop(from: 5_000).map { packet in
            let out = rebaser.rebase(pts: packet.pts, dts: packet.dts)
            rebaser.noteOutput(out.dts, pts: out.pts)  // passed through: shown
            return out
        }
        #expect(first.map { $0.pts - $0.dts } == Self.gop(from: 5_000).map { $0.pts - $0.dts }, "PTS - DTS kept")
        #expect(first.first?.dts == 900_000)
        let shownBefore = first.map(\.pts).max() ?? 0
        // A cut to another source at its IDR.
        rebaser.splice()
        let second = Self.gop(from: 7_777_777).map { rebaser.rebase(pts: $0.pts, dts: $0.dts) }
        #expect(second.first?.pts == shownBefore + 3003, "the IDR is shown one frame after the last picture")
        let all = first + second
        #expect(zip(all, all.dropFirst()).allSatisfy { $1.dts > $0.dts }, "decode order kept")
        #expect(Set(all.map(\.pts)).count == all.count, "no two pictures shown at once")
        #expect(second.map { $0.pts - $0.dts } == Self.gop(from: 0).map { $0.pts - $0.dts })
    }

    @Test func aSpliceFromPicturesWithoutReorderingToBFramesKeepsDecodeOrder() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3003)
        _ = rebaser.rebase(pts: 1000, dts: 1000)
        _ = rebaser.rebase(pts: 4003, dts: 4003)
        rebaser.splice(at: 903_003 + 3003)
        // The IDR is shown two frames after it is decoded: decoded after 903 003, shown when
        // that order allows.
        let idr = rebaser.rebase(pts: 50_000 + 6006, dts: 50_000)
        #expect(idr.dts > 903_003 && idr.pts - idr.dts == 6006 && idr.pts >= 906_006)
    }

    @Test func aSourceLoopingWhileDecodedFollowsThePicturesItsDecoderStillHolds() {
        var rebaser = TimestampRebaser(start: 900_000, frameTicks: 3003)
        let gop = Self.gop(from: 5_000).map { rebaser.rebase(pts: $0.pts, dts: $0.dts, forDecoding: true) }
        // The encoder has written only the first two pictures; the decoder holds the rest.
        rebaser.noteOutput(gop[0].pts)
        rebaser.noteOutput(gop[2].pts)
        let held = gop.map(\.pts).max() ?? 0
        // The publisher loops: its clock goes back, a new segment without a splice.
        let again = rebaser.rebase(pts: 5_000 + 2 * 3003, dts: 5_000, forDecoding: true)
        #expect(again.pts == held + 3003, "shown after the held pictures, on the same frame spacing")
    }

    @Test func anInstantCutToABFrameSourceShowsItsNewestPictureNextAndItsLivePicturesOnTheGrid() {
        var machine = Machine(settings: .init(frameRate: .ntsc30, instantCut: true), sources: ["heli-1", "drone-1"])
        _ = machine.handle(.clock(at: .zero))  // the slate's first picture: 900 000
        _ = machine.handle(.opened(source: "drone-1", hasVideo: true, matchesProfile: false))
        let packets = Self.gop(from: 50_000) + Self.gop(from: 50_000 + 7 * 3003).map { ($0.pts, $0.dts) }
        func packet(_ n: Int) -> Machine.Packet {
            Machine.Packet(source: "drone-1", kind: .video, isKeyframe: n % 7 == 0, pts: packets[n].pts, dts: packets[n].dts, payload: n)
        }
        for n in 0..<5 { _ = machine.handle(.packet(packet(n), at: .milliseconds(10 + n))) }
        // The health check puts drone-1 on air (nothing else is): its cached GOP is decoded, the
        // newest picture (I P B B P: the second P, shown last) on the next frame.
        let actions = machine.handle(.clock(at: .milliseconds(50)))
        let newestAt = actions.compactMap { action -> Int64? in
            if case .decodeCachedGOP(_, _, let at, .show) = action { return at } else { return nil }
        }.first
        let shownAt = newestAt.map { $0 + Self.gop(from: 0)[4].pts - Self.gop(from: 0)[4].dts }
        #expect(shownAt == 903_003, "the newest picture is the next frame")
        _ = machine.handle(.picture(pts: 903_003, at: .milliseconds(50)))
        // The live packets that follow keep the GOP's mapping: pictures one frame apart after it.
        var shown: [Int64] = []
        for n in 5..<9 {
            for action in machine.handle(.packet(packet(n), at: .milliseconds(60 + n))) {
                if case .decode(_, let pts, _) = action { shown.append(pts) }
            }
        }
        // B4 B5 (before the newest picture, already out), then I7 right after it and P10 later.
        #expect(shown.sorted().filter { $0 > 903_003 } == [906_006, 915_015])
        #expect(shown.allSatisfy { ($0 - 900_000) % 3003 == 0 }, "on the program's frame grid: \(shown)")
    }
}
