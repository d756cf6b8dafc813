import CFFmpeg
import Foundation
import Logging
import Synchronization
import Testing
@testable import VideoRelay

/// The queue between the relay thread and a resource's demux thread.
@Suite struct DemuxByteQueueTests {
    /// `packets` TS-sized packets whose bytes all equal `mark`.
    static func payload(_ mark: UInt8, packets: Int = 7) -> ArraySlice<UInt8> {
        [UInt8](repeating: mark, count: 188 * packets)[...]
    }

    /// Reads until nothing is queued.
    static func readAll(_ queue: DemuxByteQueue, chunk: Int = 4096) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while queue.queued > 0 {
            let count = buffer.withUnsafeMutableBytes { queue.read(into: $0) }
            bytes += buffer.prefix(Int(count))
        }
        return bytes
    }

    static func read(_ queue: DemuxByteQueue, upTo count: Int) -> Int32 {
        var buffer = [UInt8](repeating: 0, count: count)
        return buffer.withUnsafeMutableBytes { queue.read(into: $0) }
    }

    @Test func theFirstPayloadAsksForADemuxThreadAndLaterOnesDoNot() {
        let queue = DemuxByteQueue()
        #expect(queue.append(Self.payload(1)))
        #expect(!queue.append(Self.payload(2)), "a thread is already reading")
        #expect(queue.queued == 188 * 14)
    }

    @Test func whenBehindItDropsTheOldestWholePayloadsAndCountsThem() {
        let queue = DemuxByteQueue(limitBytes: 188 * 20)
        for mark in UInt8(1)...4 { _ = queue.append(Self.payload(mark)) }
        #expect(queue.queued == 188 * 14, "28 packets over a limit of 20: the two oldest payloads went")
        #expect(queue.droppedBytes == 188 * 14)
        let bytes = Self.readAll(queue)
        #expect(bytes == [UInt8](repeating: 3, count: 188 * 7) + [UInt8](repeating: 4, count: 188 * 7))
    }

    @Test func aPayloadTheDemuxerHasStartedReadingIsNeverCutShort() {
        let queue = DemuxByteQueue(limitBytes: 188 * 20)
        _ = queue.append(Self.payload(1))
        #expect(Self.read(queue, upTo: 100) == 100, "the demuxer stops inside the first TS packet")
        for mark in UInt8(2)...5 { _ = queue.append(Self.payload(mark)) }
        let bytes = Self.readAll(queue)
        // The rest of payload 1, then the newest that fit; everything dropped in between was
        // whole payloads, so the demuxer still reads whole TS packets.
        #expect(bytes.prefix(188 * 7 - 100) == [UInt8](repeating: 1, count: 188 * 7 - 100)[...])
        #expect((100 + bytes.count) % 188 == 0)
        #expect(queue.droppedBytes % 188 == 0 && queue.droppedBytes > 0)
        #expect(bytes.suffix(188 * 7) == [UInt8](repeating: 5, count: 188 * 7)[...])
        #expect(!bytes.contains(2), "the oldest unread payload went first")
    }

    @Test func silenceEndsTheStreamAndTheNextBytesGoToAFreshDemuxer() {
        let queue = DemuxByteQueue(idleLimit: .milliseconds(50))
        #expect(queue.append(Self.payload(1)))
        #expect(Self.readAll(queue).count == 188 * 7)
        #expect(Self.read(queue, upTo: 188) < 0, "AVERROR_EOF after 50 ms of silence")

        // Bytes arriving while the old demuxer winds down are not given to it.
        #expect(!queue.append(Self.payload(2)), "the thread is still there")
        #expect(Self.read(queue, upTo: 188) < 0)
        #expect(queue.endStream(), "bytes wait: the thread opens a new demuxer for them")
        #expect(Self.readAll(queue) == [UInt8](repeating: 2, count: 188 * 7))

        #expect(Self.read(queue, upTo: 188) < 0)
        #expect(!queue.endStream(), "nothing waits: the thread ends")
        #expect(queue.append(Self.payload(3)), "the next publisher's bytes ask for a new thread")
    }

    @Test func aBytesArrivalIsWhenItsRunWasQueuedUntilANewDemuxerStarts() {
        var log = ArrivalLog<Int>()
        #expect(log.arrival(ofByte: 0) == nil)
        log.read(count: 100, arrivedAt: 10)
        log.read(count: 88, arrivedAt: 10)
        log.read(count: 376, arrivedAt: 25)
        #expect(log.arrival(ofByte: 0) == 10 && log.arrival(ofByte: 187) == 10)
        #expect(log.arrival(ofByte: 188) == 25 && log.arrival(ofByte: 563) == 25)
        #expect(log.arrival(ofByte: 564) == nil, "not read yet")
        for at in 26..<(26 + 3 * ArrivalLog<Int>.capacity) { log.read(count: 188, arrivedAt: at) }
        #expect(log.arrival(ofByte: 0) == nil, "older than what is kept")
        #expect(log.arrival(ofByte: log.nextOffset - 1) == 25 + 3 * ArrivalLog<Int>.capacity)
        log.reset()
        #expect(log.nextOffset == 0 && log.arrival(ofByte: 0) == nil)
    }

    @Test func aClosedQueueEndsReadsAndTakesNothingMore() {
        let queue = DemuxByteQueue()
        _ = queue.append(Self.payload(1))
        queue.close()
        #expect(queue.queued == 0)
        #expect(Self.read(queue, upTo: 188) < 0, "AVERROR_EOF")
        #expect(!queue.append(Self.payload(2)))
        #expect(!queue.endStream())
    }

    @Test func aWaitingReadReturnsTheBytesThatArrive() async {
        let queue = DemuxByteQueue(idleLimit: .seconds(30))
        let result = Mutex<Int32?>(nil)
        let completion = ThreadCompletion()
        let thread = Thread {
            let count = Self.read(queue, upTo: 4096)
            result.withLock { $0 = count }
            completion.finish()
        }
        thread.start()
        _ = queue.append(Self.payload(1))
        await completion.wait()
        #expect(result.withLock { $0 }.map(Int.init) == 188 * 7)
    }
}

/// Collects what a `DemuxInbox` hands over, as a consumer thread would.
private final class InboxReader: Sendable {
    let inbox: DemuxInbox
    private let events = Mutex<[DemuxInbox.Event]>([])

    init(limitBytes: Int = 4 << 20) {
        inbox = DemuxInbox(limitBytes: limitBytes)
    }

    /// Takes what arrived since the last call; returns everything taken so far.
    func drain() -> [DemuxInbox.Event] {
        let new = inbox.take()
        return events.withLock { events in
            events += new
            return events
        }
    }

    var opened: Int { drain().filter { if case .opened = $0 { true } else { false } }.count }
    var ended: Int { drain().filter { if case .ended = $0 { true } else { false } }.count }
    var packets: [MediaPacket] {
        drain().compactMap { if case .packet(let packet) = $0 { packet } else { nil } }
    }
}

/// One demuxer per resource, shared by its subscribers, with a sample clip's real TS bytes.
@Suite(.serialized) struct DemuxHubTests {
    static func logger() -> Logger {
        var logger = Logger(label: "test.demux")
        logger.logLevel = .warning
        return logger
    }

    /// The clip's bytes as the relay hands them over: 1316-byte payloads.
    static func feed(_ hub: DemuxHub, _ resource: String, clip: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: MediaFiles.clip(clip))))
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + 1316, bytes.count)
            hub.observe(resource: resource, payload: bytes[offset..<end], keyframeOffset: nil)
            offset = end
        }
    }

    /// Video and audio packets in the clip as ffprobe counts them.
    static func packetCounts(_ clip: String) async throws -> (video: Int, audio: Int) {
        var counts: [Int] = []
        for stream in ["v:0", "a:0"] {
            let result = try await ExternalProcess.output([
                "ffprobe", "-v", "error", "-select_streams", stream, "-count_packets",
                "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", MediaFiles.clip(clip),
            ])
            let line = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").first ?? ""
            counts.append(try #require(Int(line.trimmingCharacters(in: .whitespaces)), "ffprobe: \(result.stderr)"))
        }
        return (counts[0], counts[1])
    }

    /// The packets a live demuxer releases from the clip: all but those read while probing
    /// (ffprobe's `packetCounts` less about 0.7 s, and the video up to the next keyframe).
    static func liveCounts(_ clip: String) throws -> (video: Int, audio: Int, keyframes: Int) {
        let input = try InputFormat(reading: LiveDemuxReleaseTests.PacedFile(MediaFiles.clip(clip)), live: true)
        var counts = (video: 0, audio: 0, keyframes: 0)
        while let packet = try input.readPacket() {
            switch input.streams.first(where: { $0.index == packet.streamIndex })?.parameters.mediaType {
            case AVMEDIA_TYPE_VIDEO:
                counts.video += 1
                if packet.isKeyframe { counts.keyframes += 1 }
            case AVMEDIA_TYPE_AUDIO: counts.audio += 1
            default: break
            }
        }
        return counts
    }

    @Test func aLiveDemuxerReleasesWhatFollowsItsProbeAndNothingBefore() async throws {
        let all = try await Self.packetCounts("heli-1")
        let live = try Self.liveCounts("heli-1")
        // heli-1 at 29.97: 0.7 s of probing is about 21 pictures, then up to a GOP (30) to the
        // next keyframe.
        #expect(live.video < all.video && live.video >= all.video - 51, "\(live) of \(all)")
        #expect(live.audio < all.audio && live.audio >= all.audio - 40, "\(live) of \(all)")
    }

    @Test func aSourceIsDemuxedOnceAndEverySubscriberGetsEveryPacketAsItsOwn() async throws {
        let hub = DemuxHub(resources: ["heli-1", "drone-1"], idleLimit: .milliseconds(300), logger: Self.logger())
        let first = InboxReader()
        let second = InboxReader()
        #expect(hub.subscribe(resource: "heli-1", first.inbox))
        #expect(hub.subscribe(resource: "heli-1", second.inbox))
        #expect(!hub.subscribe(resource: "nope-9", first.inbox))

        try Self.feed(hub, "heli-1", clip: "heli-1")
        try await eventually("both subscribers see the stream end after the silence") { first.ended == 1 && second.ended == 1 }

        #expect(hub.streamsOpened == ["heli-1": 1, "drone-1": 0], "one demuxer, however many subscribers")
        #expect(first.opened == 1 && second.opened == 1)
        let expected = try Self.liveCounts("heli-1")
        for reader in [first, second] {
            let packets = reader.packets
            #expect(packets.filter { $0.kind == .video }.count == expected.video)
            #expect(packets.filter { $0.kind == .audio }.count == expected.audio)
            #expect(packets.contains { $0.isKeyframe })
            #expect(packets.allSatisfy { $0.arrivedAt != nil }, "each packet knows when its first byte came")
        }
        // The same payloads, each subscriber holding its own packet (its timestamps its own).
        let pairs = zip(first.packets, second.packets)
        #expect(pairs.allSatisfy { $0.packet !== $1.packet && $0.packet.bytes == $1.packet.bytes && $0.packet.pts == $1.packet.pts })
        #expect(hub.droppedBytes == ["heli-1": 0, "drone-1": 0])
        try await eventually("the idle source's demux thread gone") { !hub.isDemuxing("heli-1") }

        // A new publisher: a fresh demuxer on a new thread, announced to every subscriber.
        try Self.feed(hub, "heli-1", clip: "drone-1")
        try await eventually("the second stream ends") { first.ended == 2 && second.ended == 2 }
        #expect(hub.streamsOpened["heli-1"] == 2)
        #expect(first.opened == 2 && second.opened == 2)
        await hub.stop()
    }

    @Test func aSubscriberThatFallsBehindLosesItsOwnOldestPacketsOnly() async throws {
        let hub = DemuxHub(resources: ["drone-1"], idleLimit: .milliseconds(300), logger: Self.logger())
        // Never taken from until the end: a consumer whose thread is stuck.
        let stuck = DemuxInbox(limitBytes: 64 << 10)
        let steady = InboxReader()
        hub.subscribe(resource: "drone-1", stuck)
        hub.subscribe(resource: "drone-1", steady.inbox)

        try Self.feed(hub, "drone-1", clip: "drone-1")
        try await eventually("the stream ends") { steady.ended == 1 }

        let expected = try Self.liveCounts("drone-1")
        #expect(steady.packets.count == expected.video + expected.audio, "the other subscriber misses nothing")
        #expect(stuck.droppedPackets > 0)
        let held = stuck.take()
        let heldBytes = held.reduce(0) { total, event in if case .packet(let item) = event { total + item.packet.size } else { total } }
        #expect(heldBytes <= 64 << 10, "bounded by its limit")
        guard case .opened = held.first, case .ended = held.last else {
            Issue.record("opened and ended are never dropped")
            return
        }
        #expect(held.count - 2 + stuck.droppedPackets == expected.video + expected.audio)
        await hub.stop()
    }

    @Test func stoppingEndsALiveStreamAndItsThread() async throws {
        let hub = DemuxHub(resources: ["mobile-1"], idleLimit: .seconds(60), logger: Self.logger())
        let reader = InboxReader()
        hub.subscribe(resource: "mobile-1", reader.inbox)
        try Self.feed(hub, "mobile-1", clip: "mobile-1")
        try await eventually("the stream opens") { reader.opened == 1 }
        await hub.stop()
        #expect(reader.ended == 1, "stop ends the stream for its subscribers before it returns")
        try await eventually("the thread gone") { !hub.isDemuxing("mobile-1") }
        hub.observe(resource: "mobile-1", payload: DemuxByteQueueTests.payload(0x47), keyframeOffset: nil)
        #expect(hub.streamsOpened["mobile-1"] == 1, "nothing is demuxed after stop")
    }
}
