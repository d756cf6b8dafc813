import Foundation
import Testing
@testable import VideoRelay

/// The relay thread sleeps in its SRT epoll until a socket is ready or another thread wakes it.
@Suite struct WakeSignalTests {
    @Test func aSignalFromAnotherThreadEndsTheEpollWait() throws {
        let epoll = try SRTEpoll()
        let signal = try WakeSignal()
        try epoll.addSystem(signal.readDescriptor)
        defer { epoll.removeSystem(signal.readDescriptor) }
        Thread { signal.signal() }.start()
        // Far longer than any test runs: only the signal can end this wait with a result.
        let ready = epoll.wait(timeoutMilliseconds: 60_000)
        #expect(ready.systemReadable)
        #expect(ready.readable.isEmpty && ready.writable.isEmpty)
    }

    @Test func signalsCoalesceUntilDrainedAndWakeAgainAfter() throws {
        let epoll = try SRTEpoll()
        let signal = try WakeSignal()
        try epoll.addSystem(signal.readDescriptor)
        defer { epoll.removeSystem(signal.readDescriptor) }
        for _ in 0..<100 { signal.signal() }
        #expect(epoll.wait(timeoutMilliseconds: 0).systemReadable)
        signal.drain()
        #expect(!epoll.wait(timeoutMilliseconds: 0).systemReadable, "one drain takes every coalesced signal")
        signal.signal()
        #expect(epoll.wait(timeoutMilliseconds: 0).systemReadable, "a signal after the drain wakes the next wait")
    }
}
