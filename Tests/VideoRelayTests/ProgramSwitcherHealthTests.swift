import Testing
@testable import VideoRelay

/// Picture health as an input of the switching rules: a source in a state its rule names
/// (`failover_on`) is treated like a dead one, and comes back when the state ends.
@Suite struct ProgramSwitcherHealthTests {
    let sources = ["heli-1", "drone-1"]

    func live(at now: Int64) -> ProgramSwitcher.Event {
        .tick(at: now, lastData: ["heli-1": now, "drone-1": now])
    }

    /// heli-1 on air, fails over on frozen to drone-1; both live.
    func onAir(failoverOn: Set<HealthCondition> = [.frozen]) -> ProgramSwitcher {
        var switcher = ProgramSwitcher(sources: sources, rules: [
            "heli-1": FailoverRule(backup: "drone-1", thresholdMilliseconds: 1000, failoverOn: failoverOn),
        ])
        _ = switcher.handle(live(at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        return switcher
    }

    @Test func aFrozenOnAirSourceFailsOverToItsBackupAndReturnsWhenTheStateEnds() {
        var switcher = onAir()
        #expect(switcher.handle(.health(conditions: ["heli-1": [.frozen]], at: 100)) == [
            .switched(to: .slate, from: .source("heli-1"), reason: .failover(from: "heli-1")),
            .awaitKeyframe(source: "drone-1"),
        ])
        #expect(switcher.handle(.keyframe(source: "drone-1", at: 150)) == [
            .switched(to: .source("drone-1"), from: .slate, reason: .failover(from: "heli-1")),
        ])
        // Still data arriving from heli-1, but frozen: no return.
        #expect(switcher.handle(live(at: 500)).isEmpty)
        #expect(!switcher.isLive("heli-1", at: 500) && switcher.isUnhealthy("heli-1"))
        // The picture moves again: back to the primary at its next keyframe.
        #expect(switcher.handle(.health(conditions: [:], at: 600)) == [.awaitKeyframe(source: "heli-1")])
        #expect(switcher.handle(.keyframe(source: "heli-1", at: 700)) == [
            .switched(to: .source("heli-1"), from: .source("drone-1"), reason: .restore),
        ])
    }

    @Test func aStateTheRuleDoesNotNameChangesNothing() {
        var switcher = onAir(failoverOn: [.frozen])
        #expect(switcher.handle(.health(conditions: ["heli-1": [.black, .silent]], at: 100)).isEmpty)
        #expect(switcher.handle(live(at: 200)).isEmpty)
        #expect(switcher.onAir == .source("heli-1"))
    }

    @Test func aSourceWithoutFailoverOnStaysOnAirWhateverItsHealth() {
        var switcher = ProgramSwitcher(sources: sources)
        _ = switcher.handle(live(at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        #expect(switcher.handle(.health(conditions: ["heli-1": [.frozen, .black, .silent]], at: 100)).isEmpty)
        #expect(switcher.onAir == .source("heli-1"))
    }

    @Test func aCutToASourceInAFailoverStateIsRefusedAsUnhealthy() {
        var switcher = ProgramSwitcher(sources: sources, rules: ["drone-1": FailoverRule(failoverOn: [.black])])
        _ = switcher.handle(live(at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        _ = switcher.handle(.health(conditions: ["drone-1": [.black]], at: 20))
        #expect(switcher.handle(.cut(source: "drone-1", by: "op", at: 30)) == [.refuse(source: "drone-1", .unhealthy)])
        _ = switcher.handle(.health(conditions: [:], at: 40))
        #expect(switcher.handle(.cut(source: "drone-1", by: "op", at: 50)) == [.awaitKeyframe(source: "drone-1")])
    }

    @Test func anUnhealthyBackupIsNotTakenAndTheSlateStays() {
        var switcher = ProgramSwitcher(sources: sources, rules: [
            "heli-1": FailoverRule(backup: "drone-1", failoverOn: [.frozen]),
            "drone-1": FailoverRule(failoverOn: [.black]),
        ])
        _ = switcher.handle(live(at: 0))
        _ = switcher.handle(.keyframe(source: "heli-1", at: 10))
        #expect(switcher.handle(.health(conditions: ["heli-1": [.frozen], "drone-1": [.black]], at: 100)) == [
            .switched(to: .slate, from: .source("heli-1"), reason: .failover(from: "heli-1")),
        ])
        // The backup recovers first: it is taken at its next keyframe.
        #expect(switcher.handle(.health(conditions: ["heli-1": [.frozen]], at: 200)) == [.awaitKeyframe(source: "drone-1")])
    }
}
