import Foundation

/// One SRT connection receiving a feed: a reader that called in, or a push sink once connected.
/// It owns its queue, so whatever it does costs nobody else, and it watches its socket for
/// writability only while the queue is backed up, so an idle reader costs no wake-ups.
final class Reader: DeliveryTarget {
    let socket: SRTSocket
    private let epoll: SRTEpoll
    let resource: String
    let user: String?
    let sinkID: String?
    /// Where it called from; nil for a push sink (the sink names its target).
    var address: String? { socket.peerAddress }
    let connectedAt = Date()
    /// The packet filter the handshake settled on, read once.
    let packetFilter: String?
    private(set) var queue: PayloadQueue
    /// A reader starts, and restarts after a change of publisher, on a keyframe.
    private(set) var waitingForKeyframe = true
    private(set) var bytesSent: UInt64 = 0
    private(set) var payloadsSent: UInt64 = 0
    /// Whether the epoll also watches for writability (only while the queue is backed up).
    private var watchesOutput = false
    private(set) var lastDrainedAt: ContinuousClock.Instant
    var srt: SRTStatistics?
    private var lastAcks: Int64 = 0
    private var lastPacketsSent: Int64 = 0
    private var ackSilenceSince: ContinuousClock.Instant?

    /// Registers the socket with `epoll`; `close(epoll:)` takes it out again.
    init(
        socket: SRTSocket, epoll: SRTEpoll, resource: String, user: String?, sinkID: String?, queueBytes: Int,
        now: ContinuousClock.Instant
    ) {
        self.socket = socket
        packetFilter = socket.packetFilter
        self.epoll = epoll
        self.resource = resource
        self.user = user
        self.sinkID = sinkID
        self.queue = PayloadQueue(capacityBytes: queueBytes)
        self.lastDrainedAt = now
        epoll.add(socket, [.input, .error])
    }

    /// Queues a payload of the feed, starting at a keyframe if the reader waits for one, and
    /// sends what the socket takes.
    func deliver(
        _ payload: ArraySlice<UInt8>, keyframeOffset: Int?, programTables: [UInt8], now: ContinuousClock.Instant
    ) throws(DeliveryFailure) {
        if waitingForKeyframe {
            guard let keyframeOffset, !programTables.isEmpty else { return }
            let start = payload[(payload.startIndex + keyframeOffset)...]
            queue.append(TableContinuity.continuing(programTables, before: [start])[...])
            queue.append(start)
            waitingForKeyframe = false
        } else {
            queue.append(payload)
        }
        try send(now: now)
    }

    /// Starts the reader on a cached GOP if there is a whole one; otherwise it waits for the next
    /// keyframe.
    func join(_ gop: GOPCache, programTables: [UInt8], useCache: Bool, now: ContinuousClock.Instant) throws(DeliveryFailure) {
        waitingForKeyframe = true
        guard useCache, gop.isComplete, !gop.payloads.isEmpty, !programTables.isEmpty else { return }
        queue.append(TableContinuity.continuing(programTables, before: gop.payloads)[...])
        for payload in gop.payloads { queue.append(payload) }
        waitingForKeyframe = false
        try send(now: now)
    }

    /// Sends what the socket takes and watches for writability while anything is left.
    func send(now: ContinuousClock.Instant) throws(DeliveryFailure) {
        do {
            try flush(now: now)
        } catch {
            throw DeliveryFailure(reason: "send failed: \(error.message)")
        }
        let backedUp = !queue.isEmpty
        if backedUp != watchesOutput {
            watchesOutput = backedUp
            epoll.update(socket, backedUp ? [.input, .output, .error] : [.input, .error])
        }
    }

    /// Readers have nothing to say; whatever they send is read and dropped so a level-triggered
    /// epoll does not keep waking for it.
    func discardIncoming(into buffer: UnsafeMutableRawBufferPointer) {
        while let length = try? socket.receive(into: buffer), length > 0 {}
    }

    /// Takes the socket out of the epoll and closes it.
    func close() {
        epoll.remove(socket)
        socket.close()
    }

    /// A new publisher on the feed: the reader resumes on its first keyframe.
    func restartOnNextKeyframe() {
        waitingForKeyframe = true
    }

    /// Sends queued payloads until the socket's buffer is full.
    private func flush(now: ContinuousClock.Instant) throws(SRTError) {
        while let payload = queue.first {
            guard try socket.send(payload) else { return }
            queue.popFirst()
            bytesSent += UInt64(payload.count)
            payloadsSent += 1
        }
        lastDrainedAt = now
    }

    /// Why this reader should be disconnected, if it has stalled: its queue has not drained, or
    /// it stopped acknowledging what libsrt sends it, for longer than `limit`.
    func stallReason(now: ContinuousClock.Instant, limit: Duration) -> String? {
        if !queue.isEmpty && now - lastDrainedAt > limit {
            return "queue not draining for \(limit)"
        }
        if let since = ackSilenceSince, now - since > limit {
            return "no acknowledgement for \(limit)"
        }
        return nil
    }

    /// Takes new libsrt counters and tracks acknowledgement silence.
    func update(_ statistics: SRTStatistics, now: ContinuousClock.Instant) {
        let sentMore = statistics.packetsSent > lastPacketsSent
        if statistics.acksReceived > lastAcks || !sentMore {
            ackSilenceSince = nil
        } else if ackSilenceSince == nil {
            ackSilenceSince = now
        }
        lastAcks = statistics.acksReceived
        lastPacketsSent = statistics.packetsSent
        srt = statistics
    }

    /// Whether the peer acknowledged what was sent in the last statistics period: a receiver that
    /// died or froze shows here about a second later, long before its connection times out.
    var acknowledging: Bool { ackSilenceSince == nil }

    var status: ReaderStatus {
        ReaderStatus(
            id: socket.handle, resource: resource, user: user, sink: sinkID, address: address, connectedAt: connectedAt,
            waitingForKeyframe: waitingForKeyframe, acknowledging: acknowledging, bytesSent: bytesSent, payloadsSent: payloadsSent,
            queuedBytes: queue.bytes, droppedPayloads: queue.droppedPayloads, srt: srt,
            link: srt.map { LinkStatistics($0, direction: .sending, packetFilter: packetFilter) })
    }
}
