import Testing
@testable import VideoRelay

@Suite struct PayloadQueueTests {
    @Test func dropsOnlyTheOldestWhenFullAndCountsThem() {
        var queue = PayloadQueue(capacityBytes: 3 * 1316)
        for value in 0..<5 { queue.append(ArraySlice(repeating: UInt8(value), count: 1316)) }
        #expect(queue.count == 3)
        #expect(queue.droppedPayloads == 2)
        #expect(queue.first?.first == 2, "the two oldest payloads went first")
        #expect(queue.bytes == 3 * 1316)
    }

    @Test func staysInOrderAcrossManyAppendsAndPops() {
        var queue = PayloadQueue(capacityBytes: 1 << 20)
        var next = 0
        for value in 0..<1000 {
            queue.append([UInt8(value % 256)][...])
            if value % 3 == 0, let first = queue.popFirst() {
                #expect(first.first == UInt8(next % 256))
                next += 1
            }
        }
        while let first = queue.popFirst() {
            #expect(first.first == UInt8(next % 256))
            next += 1
        }
        #expect(next == 1000)
        #expect(queue.bytes == 0)
    }
}

@Suite struct GOPCacheTests {
    @Test func keepsPayloadsFromTheLatestKeyframe() {
        var gop = GOPCache(limitBytes: 10_000)
        gop.append([1][...])
        #expect(!gop.isComplete, "nothing before the first keyframe is usable")
        gop.start(with: [2][...])
        gop.append([3][...])
        gop.start(with: [4][...])
        gop.append([5][...])
        #expect(gop.payloads.map { $0.first } == [4, 5])
    }

    @Test func givesUpOnAGOPLargerThanItsLimit() {
        var gop = GOPCache(limitBytes: 2000)
        gop.start(with: ArraySlice(repeating: 0, count: 1316))
        gop.append(ArraySlice(repeating: 0, count: 1316))
        #expect(!gop.isComplete)
        #expect(gop.payloads.isEmpty)
    }
}

@Suite struct BackoffTests {
    @Test func doublesUpToTheCapAndResets() {
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(4))
        let delays = (0..<6).map { _ in backoff.nextDelay() }
        #expect(delays == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        backoff.reset()
        #expect(backoff.nextDelay() == .milliseconds(500))
    }
}
