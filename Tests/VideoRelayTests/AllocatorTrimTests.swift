import Testing

@testable import VideoRelay

@Suite struct AllocatorTrimTests {
    @Test func trimsOnlyAfterNewHandshakesAndAtMostOncePerInterval() {
        let start = ContinuousClock.now
        let interval = AllocatorTrim.interval
        var trim = AllocatorTrim(now: start)
        var decisions: [Bool] = []
        // Nothing happened yet: no trim even when the interval has passed.
        decisions.append(trim.shouldTrim(handshakes: 0, now: start + interval))
        // New handshakes, but too soon after start.
        decisions.append(trim.shouldTrim(handshakes: 500, now: start + .seconds(1)))
        // New handshakes and the interval passed: trim once.
        decisions.append(trim.shouldTrim(handshakes: 500, now: start + interval))
        // More handshakes right after: wait for the next interval, then trim.
        decisions.append(trim.shouldTrim(handshakes: 900, now: start + interval + .seconds(1)))
        decisions.append(trim.shouldTrim(handshakes: 900, now: start + interval * 2))
        // A quiet relay is left alone.
        decisions.append(trim.shouldTrim(handshakes: 900, now: start + interval * 5))
        #expect(decisions == [false, false, true, false, true, false])
    }
}
