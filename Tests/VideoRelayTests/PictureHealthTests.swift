import Testing
@testable import VideoRelay

/// Picture-health decisions without libav: signatures and levels in, states out.
@Suite struct PictureHealthTests {
    /// A grey picture with one cell set to `mark`, so two pictures can differ.
    static func picture(level: UInt8 = 120, mark: UInt8 = 120) -> PictureSignature {
        var cells = [UInt8](repeating: level, count: PictureSignature.columns * PictureSignature.rows)
        cells[0] = mark
        // Enough change in one cell to matter: spread it over a row.
        for index in 0..<PictureSignature.columns { cells[index] = mark }
        return PictureSignature(cells: cells)
    }

    static let black = PictureSignature(cells: [UInt8](repeating: 0, count: PictureSignature.columns * PictureSignature.rows))

    static func seconds(_ value: Double) -> Duration { .milliseconds(Int(value * 1000)) }

    /// Feeds pictures one a second from `start`; returns every change.
    static func feed(_ health: inout PictureHealth, _ pictures: [PictureSignature], from start: Double) -> [PictureHealth.Change] {
        pictures.enumerated().flatMap { index, picture in health.observe(.picture(picture, at: seconds(start + Double(index)))) }
    }

    @Test func anUnchangedPictureIsFrozenOnceItHasNotChangedForTheThreshold() {
        var health = PictureHealth()
        let still = Self.picture()
        // Pictures at 0...4 s: unchanged for 4 s, not yet frozen.
        #expect(Self.feed(&health, Array(repeating: still, count: 5), from: 0).isEmpty)
        #expect(health.observe(.picture(still, at: .seconds(5))) == [.started(.frozen, since: .zero, at: .seconds(5))])
        #expect(health.active == [.frozen: .zero])
        #expect(health.observe(.picture(still, at: .seconds(6))).isEmpty, "a state starts once")
    }

    @Test func aMovingPictureIsNeverFrozen() {
        var health = PictureHealth()
        let pictures = (0..<20).map { Self.picture(mark: UInt8(100 + $0 % 2 * 40)) }
        #expect(Self.feed(&health, pictures, from: 0).isEmpty)
    }

    @Test func frozenEndsOnlyAfterThePictureHasKeptChangingForTheClearTime() {
        var health = PictureHealth()
        let still = Self.picture()
        _ = Self.feed(&health, Array(repeating: still, count: 6), from: 0)
        #expect(health.active[.frozen] != nil)
        // One changed picture, then the same again: still frozen (no flapping).
        #expect(health.observe(.picture(Self.picture(mark: 200), at: .seconds(6))).isEmpty)
        #expect(health.observe(.picture(Self.picture(mark: 200), at: .seconds(7))).isEmpty)
        #expect(health.active[.frozen] != nil)
        // Moving again from 8 s: ends once it has moved for 2 s.
        #expect(health.observe(.picture(Self.picture(mark: 10), at: .seconds(8))).isEmpty)
        #expect(health.observe(.picture(Self.picture(mark: 60), at: .seconds(9))).isEmpty)
        #expect(health.observe(.picture(Self.picture(mark: 10), at: .seconds(10))) == [.ended(.frozen, since: .zero, at: .seconds(10))])
        #expect(health.active.isEmpty)
    }

    @Test func aBlackPictureIsBlackAfterItsThresholdAndNotAlsoFrozen() {
        var health = PictureHealth()
        #expect(Self.feed(&health, Array(repeating: Self.black, count: 3), from: 0).isEmpty)
        #expect(health.observe(.picture(Self.black, at: .seconds(3))) == [.started(.black, since: .zero, at: .seconds(3))])
        #expect(Self.feed(&health, Array(repeating: Self.black, count: 10), from: 4).isEmpty, "black never changes, but it is not frozen")
        #expect(health.active.keys.sorted() == [.black])
    }

    @Test func blackEndsOnlyAboveItsMarginForTheClearTime() {
        var health = PictureHealth()
        _ = Self.feed(&health, Array(repeating: Self.black, count: 4), from: 0)
        // Slightly brighter than the black level but within the margin: still black.
        let dim = PictureSignature(cells: [UInt8](repeating: 15, count: PictureSignature.columns * PictureSignature.rows))
        #expect(Self.feed(&health, Array(repeating: dim, count: 4), from: 4).isEmpty)
        #expect(health.active[.black] == .zero)
        // A real picture for 2 s ends it.
        let changes = Self.feed(&health, [Self.picture(mark: 90), Self.picture(mark: 10), Self.picture(mark: 90)], from: 8)
        #expect(changes == [.ended(.black, since: .zero, at: .seconds(10))])
    }

    @Test func aSmallBrightPartMeansTheDarkPictureIsNotBlack() {
        var health = PictureHealth()
        var cells = [UInt8](repeating: 0, count: PictureSignature.columns * PictureSignature.rows)
        cells[100] = 200  // a lit window in a night scene
        let night = PictureSignature(cells: cells)
        #expect(night.meanLuma < 1)
        let changes = Self.feed(&health, Array(repeating: night, count: 10), from: 0)
        #expect(!changes.contains { if case .started(.black, _, _) = $0 { true } else { false } })
    }

    @Test func silenceBelowTheLevelStartsAfterItsThresholdAndEndsWithHysteresis() {
        var health = PictureHealth()
        var changes: [PictureHealth.Change] = []
        // Digital silence every 100 ms for 10 s.
        for step in 0...100 { changes += health.observe(.audioLevel(-.infinity, at: .milliseconds(step * 100))) }
        #expect(changes == [.started(.silent, since: .zero, at: .seconds(10))])
        // A level between -60 and -54 dBFS does not end it, nor does one loud click.
        #expect(health.observe(.audioLevel(-57, at: .milliseconds(10_100))).isEmpty)
        #expect(health.observe(.audioLevel(-6, at: .milliseconds(10_200))).isEmpty)
        #expect(health.observe(.audioLevel(-90, at: .milliseconds(10_300))).isEmpty)
        #expect(health.active[.silent] == .zero)
        // Sound for 2 s ends it.
        changes = []
        for step in 0...20 { changes += health.observe(.audioLevel(-20, at: .milliseconds(11_000 + step * 100))) }
        #expect(changes == [.ended(.silent, since: .zero, at: .seconds(13))])
    }

    @Test func quietSoundAboveTheLevelIsNotSilence() {
        var health = PictureHealth()
        var changes: [PictureHealth.Change] = []
        for step in 0...200 { changes += health.observe(.audioLevel(-45, at: .milliseconds(step * 100))) }
        #expect(changes.isEmpty)
    }

    @Test func aFormatChangeIsAnEventAlsoAcrossAReconnect() {
        var health = PictureHealth()
        let hd = MediaFormat(codec: "h264", width: 1280, height: 720, frameRate: "30")
        let sd = MediaFormat(codec: "h264", width: 640, height: 360, frameRate: "30")
        #expect(health.observe(.format(hd, at: .zero)).isEmpty, "the first format is no change")
        #expect(health.observe(.format(hd, at: .seconds(1))).isEmpty)
        #expect(health.observe(.format(sd, at: .seconds(2))) == [.formatChanged(from: hd, to: sd, at: .seconds(2))])
        _ = health.observe(.streamEnded(at: .seconds(3)))
        let hevc = MediaFormat(codec: "hevc", width: 640, height: 360, frameRate: "30")
        #expect(health.observe(.format(hevc, at: .seconds(9))) == [.formatChanged(from: sd, to: hevc, at: .seconds(9))])
        #expect(health.active.isEmpty, "a format change is not a state")
    }

    @Test func aFormatOfUnknownSizeIsNoChangeAndDoesNotReplaceTheKnownOne() {
        var health = PictureHealth()
        let unknown = MediaFormat(codec: "h264", width: 0, height: 0, frameRate: nil)
        let full = MediaFormat(codec: "h264", width: 1920, height: 1080, frameRate: "30000/1001")
        let phone = MediaFormat(codec: "h264", width: 720, height: 1280, frameRate: "30000/1001")
        #expect(health.observe(.format(unknown, at: .zero)).isEmpty)
        #expect(health.format == nil, "nothing known yet")
        #expect(health.observe(.format(full, at: .seconds(1))).isEmpty, "the first known format is no change")
        // A reopen after a stall: the demuxer's first word is 0x0, the next keyframe says 1080 again.
        _ = health.observe(.streamEnded(at: .seconds(2)))
        #expect(health.observe(.format(unknown, at: .seconds(3))).isEmpty)
        #expect(health.format == full)
        #expect(health.observe(.format(full, at: .seconds(4))).isEmpty)
        #expect(health.observe(.format(unknown, at: .seconds(5))).isEmpty)
        #expect(health.observe(.format(phone, at: .seconds(6))) == [.formatChanged(from: full, to: phone, at: .seconds(6))])
    }

    @Test func theStreamsEndEndsEveryStateAndForgetsThePicture() {
        var health = PictureHealth()
        _ = Self.feed(&health, Array(repeating: Self.black, count: 4), from: 0)
        for step in 0...100 { _ = health.observe(.audioLevel(-.infinity, at: .milliseconds(step * 100))) }
        #expect(health.observe(.streamEnded(at: .seconds(11))) == [
            .ended(.black, since: .zero, at: .seconds(11)), .ended(.silent, since: .zero, at: .seconds(11)),
        ])
        // After a reconnect the first picture has nothing to be compared with.
        let still = Self.picture()
        #expect(health.observe(.picture(still, at: .seconds(20))).isEmpty)
        #expect(Self.feed(&health, Array(repeating: still, count: 5), from: 21) == [.started(.frozen, since: .seconds(20), at: .seconds(25))])
    }

    @Test func aCheckTurnedOffNeverStarts() {
        var health = PictureHealth(settings: PictureHealthSettings(frozenAfter: nil, blackAfter: nil, silentAfter: nil))
        var changes = Self.feed(&health, Array(repeating: Self.black, count: 30), from: 0)
        for step in 0...300 { changes += health.observe(.audioLevel(-.infinity, at: .milliseconds(step * 100))) }
        #expect(changes.isEmpty)
        #expect(!health.settings.watchesAnything)
    }

    @Test func signaturesCompareByMeanCellDifferenceAndLevelsAreDecibels() {
        let a = PictureSignature(cells: [10, 20, 30, 40])
        #expect(a.meanLuma == 25 && a.brightestCell == 40)
        #expect(a.difference(to: PictureSignature(cells: [12, 20, 30, 38])) == 1)
        #expect(a.difference(to: PictureSignature(cells: [10, 20])) == .infinity)
        let rows: [UInt8] = [1, 2, 3, 99, 4, 5, 6, 99]  // 3 x 2 with a stride of 4
        let read = rows.withUnsafeBufferPointer { PictureSignature(luma: $0, width: 3, height: 2, stride: 4) }
        #expect(read.cells == [1, 2, 3, 4, 5, 6])
        let half: [Float] = [0.1, -0.5, 0.25]
        #expect(abs(half.withUnsafeBufferPointer { AudioLevel.peak(floats: $0) } - (-6.0206)) < 0.001)
        let zero: [Int16] = [0, 0]
        #expect(zero.withUnsafeBufferPointer { AudioLevel.peak(int16s: $0) } == -.infinity)
    }
}
