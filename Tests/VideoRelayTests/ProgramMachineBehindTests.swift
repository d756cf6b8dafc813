import Testing
@testable import VideoRelay

/// The program thread falls behind when the machine is busy (a 1080 conversion on two cores):
/// steps, and the health checks in them, come late. Decisions go by when data arrived, not by
/// when the thread got round to it.
@Suite struct ProgramMachineBehindTests {
    typealias Machine = ProgramMachine<Int>
    typealias Base = ProgramMachineTests

    @Test func aProgramThreadThatFallsBehindStillFailsOverWhenTheLinkGoesQuietAndNotBefore() {
        var machine = Base.heliWithBackupDrone()
        // Behind by over a second: heli-1's packets handled at 1500 ms arrived up to 1400 ms,
        // drone-1's too. Both links are busy: no move.
        _ = machine.handle(.packet(Base.video(Base.heli, 2), at: Base.ms(1500)))
        _ = machine.handle(.arrived(source: Base.heli, at: Base.ms(1400)))
        _ = machine.handle(.arrived(source: Base.drone, at: Base.ms(1400)))
        #expect(!machine.handle(.clock(at: Base.ms(1500))).contains { if case .switched = $0 { true } else { false } })
        // heli-1's link goes quiet at 1400 ms while its backlog is still being handled: the
        // failover comes a threshold after the last arrival, not after the backlog.
        _ = machine.handle(.packet(Base.video(Base.heli, 3), at: Base.ms(2500)))
        _ = machine.handle(.arrived(source: Base.drone, at: Base.ms(2500)))
        let actions = machine.handle(.clock(at: Base.ms(2500)))
        #expect(actions.contains(.switched(to: .source(Base.drone), from: .slate, reason: .failover(from: Base.heli))), "\(actions)")
    }

    @Test func aCutLongAfterTheLastHealthCheckJudgesTheTargetByItsNewestArrival() {
        var machine = Base.twoLiveSources(instantCut: true)
        // The last health check was at 100 ms, when drone-1's cached keyframe (75 ms) was its
        // newest data. Its data kept arriving up to 1500 ms while the thread was busy; the
        // operator's cut is the first thing the next step handles, at 2200 ms: past drone-1's
        // 2 s threshold from the health check's view, well within it from the arrivals'.
        _ = machine.handle(.arrived(source: Base.drone, at: Base.ms(1500)))
        _ = machine.handle(.arrived(source: Base.heli, at: Base.ms(1500)))
        let actions = machine.handle(.cut(source: Base.drone, by: "op", ticket: 4, at: Base.ms(2200)))
        #expect(Base.replies(actions).count == 1)
        #expect(actions.contains { if case .cutTookEffect(4, Base.drone, "op", _, _) = $0 { true } else { false } }, "\(actions)")
        #expect(machine.switcher.onAir == .source(Base.drone))
    }

    @Test func betweenHealthChecksTheSwitcherStillSeesTheNewestArrivals() {
        var machine = Base.twoLiveSources(instantCut: true)
        _ = machine.handle(.arrived(source: Base.drone, at: Base.ms(2500)))
        _ = machine.handle(.arrived(source: Base.heli, at: Base.ms(2500)))
        _ = machine.handle(.clock(at: Base.ms(2500)))
        // The next clock comes before the health interval is up: no moves, but what the status
        // reads (live or not) goes by the newest arrival, not by the last check.
        _ = machine.handle(.arrived(source: Base.drone, at: Base.ms(2540)))
        _ = machine.handle(.clock(at: Base.ms(2540)))
        #expect(machine.switcher.isLive(Base.drone, at: 4530), "2 s threshold from 2540 ms")
    }

    @Test func aSourcePassedThroughIsNotHeldWhileItsPicturesKeepComingHoweverFarTheClockRanAhead() {
        var machine = Base.machine()
        Base.heliInPassthrough(&machine)
        // The thread handles heli-1's pictures every 50 ms instead of every 33: by picture 40
        // (at 2010 ms) the program clock is 650 ms ahead of the last picture out, yet a picture
        // came 50 ms ago. Every one goes through; nothing is repeated.
        for n in 2...40 {
            let at = Base.ms(60 + (n - 1) * 50)
            let actions = machine.handle(.packet(Base.video(Base.heli, n), at: at)) + machine.handle(.clock(at: at))
            #expect(actions.contains(.passThrough(n, pts: 906_000 + Int64(n - 1) * 3000, dts: 906_000 + Int64(n - 1) * 3000)), "picture \(n)")
            #expect(!actions.contains { if case .repeatLast = $0 { true } else if case .decodeCachedGOP = $0 { true } else { false } }, "picture \(n): \(actions)")
        }
        #expect(machine.mode == .passthrough)
        #expect(machine.nextDeadline(after: Base.ms(2400)) <= Base.ms(2510))
        #expect(machine.handle(.clock(at: Base.ms(2400))).isEmpty, "silent for 390 ms only")
        // Silent for the hold's 500 ms: now it is held.
        let hold = machine.handle(.clock(at: Base.ms(2510)))
        // Its newest picture decoded onto the next frame, then repeated from there.
        #expect(hold.first == .decodeCachedGOP(source: Base.heli, packets: (1...40).map(Base.cached), newestAt: 1_026_000, use: .hold))
        #expect(hold.contains(.repeatLast(pts: 1_026_000, keyframe: true)))
    }
}
