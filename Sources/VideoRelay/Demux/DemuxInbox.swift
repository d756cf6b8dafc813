import Synchronization

/// A bounded hand-off of one resource's demuxed stream to a consumer with its own thread: the
/// demux thread appends and calls `wake`; the consumer `take()`s what arrived, in order.
///
/// Over `limitBytes` of queued packet payload the oldest packets go (counted in
/// `droppedPackets`), so a consumer that stalls costs memory up to the limit and never holds up
/// the demuxer. `opened` and `ended` are never dropped.
final class DemuxInbox: DemuxSubscriber, Sendable {
    /// What the demuxer reported, in stream order.
    enum Event {
        case opened(MediaStreams)
        case packet(MediaPacket)
        case ended
    }

    let limitBytes: Int
    private let wake: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        /// Oldest first from `head`; a dropped packet's slot is nil (releasing its payload).
        var events: [Event?] = []
        var head = 0
        var packetBytes = 0
        var dropped = 0
        var newestPacketAt: ContinuousClock.Instant?
    }

    /// - Parameter wake: called on the demux thread after every event; it must only signal.
    init(limitBytes: Int = 4 << 20, wake: @escaping @Sendable () -> Void = {}) {
        self.limitBytes = limitBytes
        self.wake = wake
    }

    func demuxOpened(_ streams: MediaStreams) {
        state.withLock { $0.events.append(.opened(streams)) }
        wake()
    }

    func demuxed(_ packet: MediaPacket) {
        state.withLock { state in
            state.events.append(.packet(packet))
            state.newestPacketAt = .now
            state.packetBytes += packet.packet.size
            while state.packetBytes > limitBytes,
                let oldest = state.events[state.head...].firstIndex(where: { $0?.isPacket == true }),
                case .packet(let item) = state.events[oldest] {
                state.packetBytes -= item.packet.size
                state.events[oldest] = nil
                state.dropped += 1
                if oldest == state.head { state.head += 1 }
            }
        }
        wake()
    }

    func demuxEnded() {
        state.withLock { $0.events.append(.ended) }
        wake()
    }

    /// Everything that arrived since the last call, oldest first.
    func take() -> [Event] {
        state.withLock { state in
            defer {
                state.events.removeAll(keepingCapacity: true)
                state.head = 0
                state.packetBytes = 0
            }
            return state.events[state.head...].compactMap { $0 }
        }
    }

    /// When the newest packet arrived, taken or not: how recent the stream is, however far
    /// behind the consumer is.
    var newestPacketAt: ContinuousClock.Instant? { state.withLock { $0.newestPacketAt } }

    /// Packets dropped because the consumer fell behind.
    var droppedPackets: Int { state.withLock { $0.dropped } }
}

extension DemuxInbox.Event {
    fileprivate var isPacket: Bool {
        if case .packet = self { return true }
        return false
    }
}
