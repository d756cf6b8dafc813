import Testing
@testable import relayd

/// The broadcast the event streams wait on: latest value, many subscribers, nothing queued.
struct BroadcastTests {
    @Test func everySubscriberWakesWithTheValuePublishedAfterItSubscribed() async {
        let broadcast = Broadcast(0)
        let subscriptions = (0..<3).map { _ in broadcast.subscribe() }
        let waiting = subscriptions.map { subscription in
            Task {
                var subscription = subscription
                return await subscription.next()
            }
        }
        broadcast.publish(7)
        for task in waiting {
            #expect(await task.value == .changed(7))
        }
    }

    @Test func aSlowSubscriberSeesOnlyTheLatestValueThenWaitsForTheNext() async {
        let broadcast = Broadcast("idle")
        var subscription = broadcast.subscribe()
        for value in ["cut", "caption", "slate"] { broadcast.publish(value) }
        #expect(await subscription.next() == .changed("slate"))
        #expect(await subscription.next(timeout: .milliseconds(20)) == .timedOut, "the values in between were not queued")
        broadcast.publish("heli-1")
        #expect(await subscription.next() == .changed("heli-1"))
    }

    @Test func publishingTheSameValueWakesNobody() async {
        let broadcast = Broadcast(3)
        var subscription = broadcast.subscribe()
        broadcast.publish(3)
        #expect(await subscription.next(timeout: .milliseconds(20)) == .timedOut)
        broadcast.update { $0 = max($0, 2) }
        #expect(await subscription.next(timeout: .milliseconds(20)) == .timedOut, "an older revision does not replace a newer one")
        #expect(broadcast.value == 3)
    }

    @Test func aSubscriberIsSignalledOnceForManySignals() async {
        let changes = ChangeSignal(0)
        var subscription = changes.subscribe()
        changes.signal()
        changes.signal()
        guard case .changed = await subscription.next() else {
            Issue.record("a signal was missed")
            return
        }
        #expect(await subscription.next(timeout: .milliseconds(20)) == .timedOut)
    }

    @Test func aWaitingSubscriberEndsWhenItsTaskIsCancelled() async {
        let broadcast = Broadcast(0)
        let subscription = broadcast.subscribe()
        let waiting = Task {
            var subscription = subscription
            return await subscription.next()
        }
        waiting.cancel()
        #expect(await waiting.value == .ended)
        broadcast.publish(1)  // nobody left to wake; must not trap on a resumed continuation
        #expect(broadcast.value == 1)
    }

    @Test func aCancelledSubscriberEndsEvenWithChangesPending() async {
        // The relay and the program keep changing while relayd shuts down: the streams must end.
        let broadcast = Broadcast(0)
        let subscription = broadcast.subscribe()
        broadcast.publish(1)
        let waiting = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var subscription = subscription
            return await subscription.next()
        }
        #expect(await waiting.value == .ended)
    }
}
