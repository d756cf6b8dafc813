import CFFmpeg
import Synchronization

/// The delay stamps arriving in each source's video, as hops: for a source that is another site's
/// program, every upstream site's on-air source, caption and delay to here.
///
/// A subscriber of each source's one demuxer (`DemuxHub`): on the demux thread it reads only the
/// SEI NAL units before each H.264 picture's first slice (`StampedAccessUnit`, no decoding, a few
/// hundred bytes per picture), so it does its small work in place instead of handing packets to
/// a thread of its own. It wants packets always: a source's hops are shown whether anyone
/// watches or not, like its picture health.
public final class HopDelayMonitor: Sendable {
    private let tables = Mutex<[String: HopTable]>([:])
    private let changeObserver = Callback()

    /// Subscribes to every source's demuxer.
    public init(demuxes: DemuxHub, sources: [String]) {
        for id in sources {
            demuxes.subscribe(resource: id, StampSubscriber(source: id, monitor: self))
        }
    }

    /// The source's hops, farthest site first (empty for a source with no stamps); `link` is the
    /// source's own SRT link, shown on the last hop.
    public func hops(of source: String, link: LinkStatistics?) -> [HopDelay] {
        tables.withLock { tables in
            guard var table = tables[source] else { return [] }
            if table.expire(at: wallClockMicroseconds()) { tables[source] = table }
            return table.hops(link: link)
        }
    }

    /// Sets the one observer called when a site came or went, or what it has on air or its
    /// caption changed. It runs on a demux thread: it must return at once.
    public func onChange(_ observer: @escaping @Sendable () -> Void) { changeObserver.set(observer) }

    fileprivate func record(_ stamps: [DelayStamp], source: String, at now: Int64) {
        let changed = tables.withLock { tables in
            var table = tables[source] ?? HopTable()
            let changed = table.record(stamps, at: now) || table.expire(at: now)
            tables[source] = table
            return changed
        }
        if changed { changeObserver() }
    }

    fileprivate func forget(_ source: String) {
        let had = tables.withLock { $0.removeValue(forKey: source) != nil }
        if had { changeObserver() }
    }
}

/// Reads one source's stamps on its demux thread.
private final class StampSubscriber: DemuxSubscriber {
    let source: String
    let monitor: HopDelayMonitor
    /// Whether the open stream's video is H.264 (the only codec stamped).
    private let isH264 = Atomic<Bool>(false)

    init(source: String, monitor: HopDelayMonitor) {
        self.source = source
        self.monitor = monitor
    }

    func demuxOpened(_ streams: MediaStreams) {
        isH264.store(streams.video?.parameters.codecID == AV_CODEC_ID_H264, ordering: .relaxed)
    }

    func demuxed(_ packet: MediaPacket) {
        guard packet.kind == .video, isH264.load(ordering: .relaxed) else { return }
        let stamps = packet.packet.withBytes { StampedAccessUnit.stamps(in: $0) }
        guard !stamps.isEmpty else { return }
        // When the picture began to arrive, not when the demuxer released it (a frame later).
        var now = wallClockMicroseconds()
        if let arrivedAt = packet.arrivedAt {
            let (seconds, attoseconds) = (ContinuousClock.now - arrivedAt).components
            now -= max(seconds * 1_000_000 + attoseconds / 1_000_000_000_000, 0)
        }
        monitor.record(stamps, source: source, at: now)
    }

    func demuxEnded() { monitor.forget(source) }
}
