import Testing
@testable import VideoRelay

/// When a source fed from upstream calls again: capped exponential backoff, reset only by a
/// connection that lasted.
@Suite struct UpstreamScheduleTests {
    let start = ContinuousClock.now

    private func schedule() -> UpstreamSchedule {
        UpstreamSchedule(backoff: Backoff(initial: .milliseconds(500), maximum: .seconds(4)), stableAfter: .seconds(5), now: start)
    }

    @Test func theFirstAttemptIsDueAtOnce() {
        let schedule = schedule()
        #expect(schedule.isDue(now: start))
        #expect(schedule.nextAttemptAt == start)
    }

    @Test func failedAttemptsWaitLongerEachTimeUpToTheCap() {
        var schedule = schedule()
        var now = start
        var waits: [Duration] = []
        for _ in 0..<6 {
            schedule.attemptStarted(now: now)
            #expect(schedule.nextAttemptAt == nil, "nothing is due while an attempt is under way")
            #expect(!schedule.isDue(now: now + .seconds(60)))
            let wait = schedule.attemptFailed(reason: "refused", now: now)
            waits.append(wait)
            #expect(!schedule.isDue(now: now + wait - .milliseconds(1)))
            now += wait
            #expect(schedule.isDue(now: now))
        }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        #expect(schedule.failedAttempts == 6)
        #expect(schedule.lastError == "refused")
    }

    @Test func aConnectionThatLastedStartsTheBackoffAgain() {
        var schedule = schedule()
        schedule.attemptStarted(now: start)
        schedule.attemptFailed(reason: "refused", now: start)
        schedule.attemptStarted(now: start + .seconds(1))
        schedule.attemptFailed(reason: "refused", now: start + .seconds(1))
        let connectedAt = start + .seconds(3)
        schedule.attemptStarted(now: connectedAt)
        schedule.connected(now: connectedAt)
        #expect(schedule.phase == .connected(since: connectedAt))
        #expect(schedule.lastError == nil)
        #expect(schedule.connections == 1)

        let wait = schedule.connectionLost(reason: "upstream gone", now: connectedAt + .seconds(60))
        #expect(wait == .milliseconds(500))
        #expect(schedule.lastError == "upstream gone")
    }

    @Test func anUpstreamThatDropsAtOnceIsCalledLessAndLessOften() {
        var schedule = schedule()
        var now = start
        var waits: [Duration] = []
        for _ in 0..<4 {
            schedule.attemptStarted(now: now)
            schedule.connected(now: now)
            let wait = schedule.connectionLost(reason: "closed after the handshake", now: now + .milliseconds(100))
            waits.append(wait)
            now += .milliseconds(100) + wait
        }
        #expect(waits == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4)])
        #expect(schedule.connections == 4)
        #expect(schedule.failedAttempts == 0)
    }

    @Test func aCancelledAttemptIsDueAgainAtOnce() {
        var schedule = schedule()
        schedule.attemptStarted(now: start)
        schedule.attemptCancelled(now: start + .seconds(1))
        #expect(schedule.isDue(now: start + .seconds(1)))
        #expect(schedule.failedAttempts == 0)
    }
}
