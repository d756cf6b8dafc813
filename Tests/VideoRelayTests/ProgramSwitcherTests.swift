import Testing
@testable import VideoRelay

/// The switching rules without I/O: events in, actions out.
@Suite struct ProgramSwitcherTests {
    let sources = ["heli-1", "drone-1", "mobile-1"]

    func live(_ ids: String..., at now: Int64) -> ProgramSwitcher.Event {
        .tick(at: now, lastData: Dictionary(uniqueKeysWithValues: ids.map { ($0, now) }))
    }

    @Test func startsOnTheSlateAndTakesTheFirstLiveSourceAtItsKeyframe() {
        var switcher = ProgramSwitcher(sources: sources)
        #expect(switcher.onAir == .slate)
        #expect(switcher.handle(.tick(at: 0, lastData: [:])).isEmpty)
        #expect(switcher.handle(live("drone-1", at: 100)) == [.awaitKeyframe(source: "drone-1")])
        #expect(switcher.handle(.keyframe(source: "heli-1", at: 120)).isEmpty, "another source's keyframe changes nothing")
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 150)) == [.switched(to: .source("drone-1"), from: .slate, reason: .firstLive)])
        #expect(switcher.onAir == .source("drone-1"))
    }

    @Test func aCutWaitsForTheTargetsKeyframe() {
        var switcher = ProgramSwitcher(sources: sources)
        _ = switcher.handle(live("heli-1", "drone-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        #expect(switcher.handle(.cut(source: "drone-1", by: "op", at: 20)) == [.awaitKeyframe(source: "drone-1")])
        #expect(switcher.onAir == .source("heli-1"), "the program stays until the keyframe")
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 40)) == [.switched(to: .source("drone-1"), from: .source("heli-1"), reason: .operatorCut(by: "op"))])
    }

    @Test func cutsToUnknownOrOfflineSourcesAreRefusedAndTheProgramStays() {
        var switcher = ProgramSwitcher(sources: sources)
        _ = switcher.handle(live("heli-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        #expect(switcher.handle(.cut(source: "sat-9", by: nil, at: 20)) == [.refuse(source: "sat-9", .unknownSource)])
        #expect(switcher.handle(.cut(source: "mobile-1", by: nil, at: 20)) == [.refuse(source: "mobile-1", .offline)])
        #expect(switcher.onAir == .source("heli-1"))
        #expect(switcher.pending == nil)
    }

    @Test func aNewerCutReplacesAWaitingOne() {
        var switcher = ProgramSwitcher(sources: sources)
        _ = switcher.handle(live("heli-1", "drone-1", "mobile-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        _ = switcher.handle(.cut(source: "drone-1", by: "a", at: 20))
        #expect(switcher.handle(.cut(source: "mobile-1", by: "b", at: 30)) == [
            .abandoned(source: "drone-1", reason: .operatorCut(by: "a")), .awaitKeyframe(source: "mobile-1"),
        ])
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 40)).isEmpty)
    }

    @Test func silenceFailsOverToTheSlateAtOnceAndToTheBackupAtItsKeyframeThenReturns() {
        var switcher = ProgramSwitcher(sources: sources, rules: ["heli-1": FailoverRule(backup: "drone-1", thresholdMilliseconds: 1000)])
        _ = switcher.handle(live("heli-1", "drone-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        // heli-1 last sent at 0; at 900 ms it is still within its threshold.
        #expect(switcher.handle(.tick(at: 900, lastData: ["heli-1": 0, "drone-1": 900])).isEmpty)
        let actions = switcher.handle(.tick(at: 1100, lastData: ["heli-1": 0, "drone-1": 1100]))
        #expect(actions == [
            .switched(to: .slate, from: .source("heli-1"), reason: .failover(from: "heli-1")),
            .awaitKeyframe(source: "drone-1"),
        ])
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 1200)) == [.switched(to: .source("drone-1"), from: .slate, reason: .failover(from: "heli-1"))])
        // heli-1 is back: the program returns to it at its keyframe.
        #expect(switcher.handle(.tick(at: 3000, lastData: ["heli-1": 3000, "drone-1": 3000])) == [.awaitKeyframe(source: "heli-1")])
        #expect(switcher.handle(.keyframe(source: "heli-1", at: 3100)) == [.switched(to: .source("heli-1"), from: .source("drone-1"), reason: .restore)])
        #expect(switcher.failedOverFrom == nil)
    }

    @Test func withoutALiveBackupSilenceGoesToTheSlate() {
        var switcher = ProgramSwitcher(sources: sources, rules: ["heli-1": FailoverRule(backup: "mobile-1")])
        _ = switcher.handle(live("heli-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        #expect(switcher.handle(.tick(at: 1500, lastData: ["heli-1": 0]))
            == [.switched(to: .slate, from: .source("heli-1"), reason: .failover(from: "heli-1"))])
        #expect(switcher.onAir == .slate)
        #expect(switcher.pending == nil)
    }

    @Test func noReturnToThePrimaryAfterAnOperatorCutSinceTheFailover() {
        var switcher = ProgramSwitcher(sources: sources, rules: ["heli-1": FailoverRule(backup: "drone-1")])
        _ = switcher.handle(live("heli-1", "drone-1", "mobile-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        _ = switcher.handle(.tick(at: 1500, lastData: ["heli-1": 0, "drone-1": 1500, "mobile-1": 1500]))
        _ = switcher.handle(.keyframe(source: "drone-1", at: 1600))
        _ = switcher.handle(.cut(source: "mobile-1", by: "op", at: 1700))
        _ = switcher.handle(.keyframe(source: "mobile-1", at: 1800))
        let back = switcher.handle(.tick(at: 3000, lastData: ["heli-1": 3000, "drone-1": 3000, "mobile-1": 3000]))
        #expect(back.isEmpty, "the operator's choice stands")
        #expect(switcher.onAir == .source("mobile-1"))
    }

    @Test func aWaitingCutIsAbandonedWhenItsSourceFallsSilent() {
        var switcher = ProgramSwitcher(sources: sources)
        _ = switcher.handle(live("heli-1", "drone-1", at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        _ = switcher.handle(.cut(source: "drone-1", by: nil, at: 20))
        let actions = switcher.handle(.tick(at: 1500, lastData: ["heli-1": 1500, "drone-1": 0]))
        #expect(actions == [.abandoned(source: "drone-1", reason: .operatorCut(by: nil))])
        #expect(switcher.onAir == .source("heli-1"))
    }
}

/// Caption text reaches drawtext literally.
@Suite struct CaptionEscapingTests {
    @Test func optionStringSpecialCharactersAreEscaped() {
        #expect(FilterGraph.escapeOptionValue(#"a:b'c%d\e"#) == #"a\:b\'c\%d\\e"#)
        #expect(FilterGraph.escapeOptionValue("速報 現場") == #"速報\ 現場"#)
        #expect(FilterGraph.escapeOptionValue("x=1,y;[z]") == #"x\=1\,y\;\[z\]"#)
    }
}

/// After a restart the program resumes the source on air before.
extension ProgramSwitcherTests {
    @Test func afterARestartTheProgramWaitsForTheSourceOnAirBeforeNotTheFirstLive() {
        var switcher = ProgramSwitcher(sources: sources, resuming: "drone-1")
        #expect(switcher.handle(live("heli-1", at: 0)).isEmpty, "heli-1 live first is not taken")
        #expect(switcher.onAir == .slate)
        #expect(switcher.handle(live("heli-1", "drone-1", at: 100)) == [.awaitKeyframe(source: "drone-1")])
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 120)) == [.switched(to: .source("drone-1"), from: .slate, reason: .resume)])
        #expect(!switcher.resuming && switcher.failedOverFrom == nil)
    }

    @Test func afterARestartTheResumedSourcesBackupStandsInUntilItIsLive() {
        let rules = ["drone-1": FailoverRule(backup: "mobile-1")]
        var switcher = ProgramSwitcher(sources: sources, rules: rules, resuming: "drone-1")
        #expect(switcher.handle(live("mobile-1", at: 0)) == [.awaitKeyframe(source: "mobile-1")])
        #expect(switcher.handle(.keyframe(source: "mobile-1", at: 10)) == [.switched(to: .source("mobile-1"), from: .slate, reason: .failover(from: "drone-1"))])
        #expect(switcher.handle(live("mobile-1", "drone-1", at: 100)) == [.awaitKeyframe(source: "drone-1")])
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 120)) == [.switched(to: .source("drone-1"), from: .source("mobile-1"), reason: .resume)])
    }

    @Test func anOperatorsCutEndsTheWaitForTheResumedSource() {
        var switcher = ProgramSwitcher(sources: sources, resuming: "drone-1")
        _ = switcher.handle(live("heli-1", at: 0))
        #expect(switcher.handle(.cut(source: "heli-1", by: "op", at: 10)) == [.awaitKeyframe(source: "heli-1")])
        _ = switcher.handle(.keyframe(source: "heli-1", at: 20))
        #expect(switcher.handle(live("heli-1", "drone-1", at: 100)).isEmpty, "drone-1 coming back changes nothing now")
        #expect(switcher.onAir == .source("heli-1") && !switcher.resuming)
    }

    @Test func aResumedSourceThatIsNoLongerConfiguredIsIgnored() {
        var switcher = ProgramSwitcher(sources: sources, resuming: "sat-9")
        #expect(switcher.handle(live("heli-1", at: 0)) == [.awaitKeyframe(source: "heli-1")], "a first run: the first live source")
    }
}
