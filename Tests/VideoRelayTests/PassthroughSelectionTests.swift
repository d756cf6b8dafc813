import Testing
@testable import VideoRelay

/// The program without a pipeline passes a source through, on `ProgramSwitcher`'s decisions.
@Suite struct PassthroughSelectionTests {
    let start = ContinuousClock.now

    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    func selection(rules: [String: FailoverRule] = [:]) -> PassthroughSelection {
        PassthroughSelection(sources: ["heli-1", "drone-1", "mobile-1"], rules: rules, silence: .seconds(1), origin: start)
    }

    @Test func theFirstLiveSourceGoesOnAirAtItsKeyframeNotBefore() {
        var program = selection()
        // Given drone-1 sending, nothing on air
        #expect(program.tick(now: at(100), lastData: ["drone-1": at(90)]) == nil)
        #expect(program.awaitsKeyframe(of: "drone-1"))
        #expect(program.onAir == nil, "no cut mid-GOP")
        // When its keyframe arrives
        #expect(program.keyframe(of: "heli-1", now: at(120)) == nil, "another source's keyframe changes nothing")
        #expect(program.keyframe(of: "drone-1", now: at(150)) == .source("drone-1"))
        #expect(program.onAir == "drone-1")
    }

    @Test func theSourceOnAirStaysWhileLiveThoughAnEarlierOneComesUp() {
        var program = selection()
        _ = program.tick(now: at(100), lastData: ["drone-1": at(90)])
        _ = program.keyframe(of: "drone-1", now: at(110))
        #expect(program.tick(now: at(600), lastData: ["heli-1": at(590), "drone-1": at(595)]) == nil)
        #expect(!program.awaitsKeyframe(of: "heli-1"))
        #expect(program.onAir == "drone-1", "no surprise cut when heli-1 comes up")
    }

    @Test func aSilentSourceGivesWayToTheFirstLiveOneAndReturnsAtItsKeyframeWhenLiveAgain() {
        var program = selection()
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        // heli-1 falls silent past its second; drone-1 and mobile-1 are live
        #expect(program.tick(now: at(1500), lastData: ["heli-1": at(400), "mobile-1": at(1480), "drone-1": at(1490)]) == .slate)
        #expect(program.onAir == nil, "no cut mid-GOP")
        #expect(program.awaitsKeyframe(of: "drone-1"), "the first live source in configuration order stands in")
        #expect(!program.awaitsKeyframe(of: "mobile-1"))
        #expect(program.keyframe(of: "drone-1", now: at(1520)) == .source("drone-1"))
        #expect(program.tick(now: at(2000), lastData: ["heli-1": at(400), "mobile-1": at(1990), "drone-1": at(1995)]) == nil)
        // heli-1 is back: drone-1 stays on air until heli-1's keyframe
        #expect(program.tick(now: at(3000), lastData: ["heli-1": at(2990), "mobile-1": at(2990), "drone-1": at(2995)]) == nil)
        #expect(program.onAir == "drone-1")
        #expect(program.awaitsKeyframe(of: "heli-1"))
        #expect(program.keyframe(of: "heli-1", now: at(3100)) == .source("heli-1"))
        #expect(program.onAir == "heli-1")
    }

    @Test func aSilentStandInGivesWayToTheNextLiveSource() {
        var program = selection()
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        _ = program.tick(now: at(1500), lastData: ["heli-1": at(400), "drone-1": at(1490), "mobile-1": at(1490)])
        #expect(program.keyframe(of: "drone-1", now: at(1520)) == .source("drone-1"))
        // drone-1 falls silent too: the program leaves it, mobile-1 stands in at its keyframe
        #expect(program.tick(now: at(3000), lastData: ["heli-1": at(400), "drone-1": at(1600), "mobile-1": at(2990)]) == .slate)
        #expect(program.awaitsKeyframe(of: "mobile-1"))
        #expect(program.keyframe(of: "mobile-1", now: at(3010)) == .source("mobile-1"))
    }

    @Test func withNoSourceLiveTheProgramStaysDark() {
        var program = selection()
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        #expect(program.tick(now: at(1500), lastData: ["heli-1": at(400)]) == .slate)
        #expect(program.onAir == nil)
        #expect(!program.awaitsKeyframe(of: "drone-1") && !program.awaitsKeyframe(of: "mobile-1"))
        #expect(program.tick(now: at(2000), lastData: ["heli-1": at(400)]) == nil)
    }

    @Test func theConfiguredBackupGoesBeforeTheFirstLiveSource() {
        // heli-1's backup is mobile-1, though drone-1 comes first in the configuration
        var program = selection(rules: ["heli-1": FailoverRule(backup: "mobile-1", thresholdMilliseconds: 500)])
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        #expect(program.tick(now: at(700), lastData: ["heli-1": at(100), "drone-1": at(690), "mobile-1": at(690)]) == .slate)
        #expect(program.awaitsKeyframe(of: "mobile-1"))
        #expect(!program.awaitsKeyframe(of: "drone-1"), "the backup rule decides, no stand-in")
        #expect(program.keyframe(of: "drone-1", now: at(710)) == nil)
        #expect(program.keyframe(of: "mobile-1", now: at(720)) == .source("mobile-1"))
    }

    @Test func aBackupThatGoesLiveLaterReplacesTheStandIn() {
        var program = selection(rules: ["heli-1": FailoverRule(backup: "mobile-1", thresholdMilliseconds: 500)])
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        // mobile-1 (the backup) is not live: drone-1 stands in
        _ = program.tick(now: at(700), lastData: ["heli-1": at(100), "drone-1": at(690)])
        #expect(program.keyframe(of: "drone-1", now: at(710)) == .source("drone-1"))
        // mobile-1 goes live: the failover rule takes it at its keyframe
        #expect(program.tick(now: at(1200), lastData: ["heli-1": at(100), "drone-1": at(1190), "mobile-1": at(1190)]) == nil)
        #expect(program.awaitsKeyframe(of: "mobile-1"))
        #expect(program.onAir == "drone-1", "the stand-in stays until the backup's keyframe")
        #expect(program.keyframe(of: "mobile-1", now: at(1220)) == .source("mobile-1"))
    }

    @Test func aConfiguredBackupTakesOverAtItsKeyframe() {
        var program = selection(rules: ["heli-1": FailoverRule(backup: "mobile-1", thresholdMilliseconds: 500)])
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0), "mobile-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        #expect(program.tick(now: at(700), lastData: ["heli-1": at(100), "mobile-1": at(690)]) == .slate)
        #expect(program.awaitsKeyframe(of: "mobile-1"))
        #expect(program.keyframe(of: "mobile-1", now: at(720)) == .source("mobile-1"))
    }

    @Test func sourcesWithoutARuleUseTheRelaysStallLimit() {
        var program = PassthroughSelection(sources: ["heli-1"], silence: .milliseconds(3000), origin: start)
        _ = program.tick(now: at(0), lastData: ["heli-1": at(0)])
        _ = program.keyframe(of: "heli-1", now: at(10))
        #expect(program.tick(now: at(2500), lastData: ["heli-1": at(0)]) == nil, "2.5 s of silence is within 3 s")
        #expect(program.tick(now: at(3500), lastData: ["heli-1": at(0)]) == .slate)
    }
}
