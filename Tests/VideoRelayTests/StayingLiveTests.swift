import Testing
@testable import VideoRelay

/// A conversion that cannot keep pace skips its source's stale pictures to a fresh keyframe.
@Suite struct StayingLiveTests {
    typealias Machine = ProgramMachine<Int>
    typealias Base = ProgramMachineTests

    @Test func aLatePacketStartsASkipThatEndsAtTheFirstFreshKeyframe() {
        var live = StayingLive()
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: false, lag: .milliseconds(40)) == .decode)
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: true, lag: .seconds(1)) == .decode, "a second is still in time")
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: false, lag: .milliseconds(1200)) == .fellBehind(lag: .milliseconds(1200)))
        #expect(live.isSkipping(Base.heli) && !live.isSkipping(Base.drone))
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: false, lag: .milliseconds(300)) == .skip, "fresh, but no keyframe")
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: true, lag: .milliseconds(1100)) == .skip, "a keyframe, but stale")
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: true, lag: .milliseconds(200)) == .resume)
        #expect(!live.isSkipping(Base.heli))
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: false, lag: .milliseconds(900)) == .decode)
        #expect(live.skippedPictures == 3 && live.fallsBehind == 1)
    }

    @Test func anotherInputOnAirEndsASkip() {
        var live = StayingLive()
        _ = live.judgeVideo(of: Base.heli, isKeyframe: false, lag: .seconds(2))
        live.forget()
        #expect(!live.isSkipping(Base.heli))
        #expect(live.judgeVideo(of: Base.heli, isKeyframe: false, lag: .milliseconds(40)) == .decode)
    }

    /// heli-1 converted (a caption on air) from 70 ms: its packets 2... are decoded.
    static func heliConverted() -> Machine {
        var machine = Base.machine()
        Base.heliInPassthrough(&machine)
        _ = machine.handle(.caption(on: true))
        precondition(machine.mode == .transcode)
        return machine
    }

    static func late(_ packet: Machine.Packet, arrivedAt: Int) -> Machine.Packet {
        var packet = packet
        packet.arrivedAt = Base.ms(arrivedAt)
        return packet
    }

    @Test func aConversionThatFallsBehindSkipsToAFreshKeyframeShownOnTheNextFrame() {
        var machine = Self.heliConverted()
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 2), arrivedAt: 75), at: Base.ms(80))) == [
            .decode(2, pts: 909_000, dts: 909_000),
        ])
        _ = machine.handle(.picture(pts: 909_000, at: Base.ms(80)))
        // The program thread takes packet 3 1.5 s after it arrived: it and its sound are
        // skipped, and so is every packet up to a keyframe that arrived within a second.
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 3), arrivedAt: 110), at: Base.ms(1610))) == [
            .fellBehind(source: Base.heli, lag: .milliseconds(1500)),
        ])
        #expect(machine.handle(.packet(Self.late(Base.audio(Base.heli, 5), arrivedAt: 120), at: Base.ms(1610))) == [])
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 4, keyframe: true), arrivedAt: 140), at: Base.ms(1620))) == [])
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 40), arrivedAt: 1400), at: Base.ms(1630))) == [])
        #expect(machine.stayingLive.skippedPictures == 3)
        // Meanwhile the program repeats its last picture up to its clock, as for a silent source.
        let hold = machine.handle(.clock(at: Base.ms(1640)))
        #expect(hold.contains(.repeatLast(pts: 912_000, keyframe: false)), "\(hold)")
        let next = machine.nextFramePTS
        // The fresh keyframe: a new segment from a fresh decoder, on the next frame.
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 50, keyframe: true), arrivedAt: 1600), at: Base.ms(1650))) == [
            .newSegment, .decode(50, pts: next, dts: next),
        ])
        #expect(machine.handle(.packet(Self.late(Base.audio(Base.heli, 80), arrivedAt: 1600), at: Base.ms(1650))) == [
            .decodeAudio(1080, source: Base.heli, at: next + 1920 * 80 - 3000 * 50),
        ])
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 51), arrivedAt: 1620), at: Base.ms(1660))) == [
            .decode(51, pts: next + 3000, dts: next + 3000),
        ])
    }

    @Test func passthroughNeverSkipsHoweverLateItsPacketsAreHandled() {
        var machine = Base.machine()
        Base.heliInPassthrough(&machine)
        #expect(machine.handle(.packet(Self.late(Base.video(Base.heli, 2), arrivedAt: 70), at: Base.ms(2080))) == [
            .passThrough(2, pts: 909_000, dts: 909_000),
        ], "remuxing costs next to nothing: a late packet here is not the conversion's doing")
        #expect(machine.stayingLive.skippedPictures == 0)
    }

    @Test func aCutEndsTheSkipOfTheSourceItLeaves() {
        var machine = Self.heliConverted()
        _ = machine.handle(.packet(Self.late(Base.video(Base.heli, 2), arrivedAt: 75), at: Base.ms(1610)))
        #expect(machine.stayingLive.isSkipping(Base.heli))
        _ = machine.handle(.opened(source: Base.drone, hasVideo: true, matchesProfile: true))
        _ = machine.handle(.packet(Base.video(Base.drone, 0, keyframe: true), at: Base.ms(1620)))
        _ = machine.handle(.arrived(source: Base.drone, at: Base.ms(1620)))
        _ = machine.handle(.clock(at: Base.ms(1630)))
        _ = machine.handle(.cut(source: Base.drone, by: "op", ticket: 1, at: Base.ms(1640)))
        #expect(machine.switcher.onAir == .source(Base.drone))
        #expect(!machine.stayingLive.isSkipping(Base.heli))
    }
}
