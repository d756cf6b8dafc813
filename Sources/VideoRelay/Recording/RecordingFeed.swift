/// Where the relay hands the bytes of the resources it records: exactly what a reader of the
/// resource receives from a keyframe on, cut into events a segmenter can act on.
///
/// Called on the relay thread for every payload of a recorded resource: it must only enqueue
/// (into a bounded queue) and return. A refused event costs the recording, never the live path:
/// the relay then resumes that resource's recording at its next keyframe, as a reader resumes
/// after a restart, so no segment ever holds a stream with a hole in it.
public protocol RecordingFeed: Sendable {
    /// Whether `resource` (a source id, or `program`) is recorded. Asked once, when the relay starts.
    func records(_ resource: String) -> Bool
    /// Takes one event; false when it was refused (the queue is full or closed).
    func offer(_ event: RecordingEvent) -> Bool
}

/// One step of a recorded resource's stream, in the order a reader would see it.
public enum RecordingEvent: Sendable {
    /// The stream (re)starts at a keyframe: `programTables` (PAT and PMT, as a joining reader
    /// gets them first), then `payload` from the keyframe on.
    case started(resource: String, programTables: [UInt8], payload: ArraySlice<UInt8>, at: ContinuousClock.Instant)
    /// The next payload. `keyframeOffset` is where a video keyframe starts in it;
    /// `programTables` are the stream's current tables, for a segment that starts there.
    case payload(resource: String, payload: ArraySlice<UInt8>, keyframeOffset: Int?, programTables: [UInt8], at: ContinuousClock.Instant)
    /// The stream stopped (a new publisher, another source on the program): what follows starts
    /// again at a keyframe.
    case interrupted(resource: String, at: ContinuousClock.Instant)

    /// The resource the event belongs to.
    public var resource: String {
        switch self {
        case .started(let resource, _, _, _), .payload(let resource, _, _, _, _), .interrupted(let resource, _): resource
        }
    }

    /// The bytes the event carries (the tables of a start included): what it costs to queue.
    public var byteCount: Int {
        switch self {
        case .started(_, let tables, let payload, _): tables.count + payload.count
        case .payload(_, let payload, _, _, _): payload.count
        case .interrupted: 0
        }
    }
}

/// A recorder attached to a resource's fan-out like a reader: it gets every payload the readers
/// get, restarts when they restart, and hands them to the `RecordingFeed`. Confined to the relay
/// thread.
final class RecordingTarget: DeliveryTarget {
    let resource: String
    private let feed: any RecordingFeed
    /// A recording starts, and restarts after a restart or a refused event, on a keyframe.
    private var waitingForKeyframe = true

    init(resource: String, feed: any RecordingFeed) {
        self.resource = resource
        self.feed = feed
    }

    /// A recording never starts on a cached GOP: its segments start on keyframes as they arrive.
    func join(_ gop: GOPCache, programTables: [UInt8], useCache: Bool, now: ContinuousClock.Instant) throws(DeliveryFailure) {
        restartOnNextKeyframe()
    }

    func restartOnNextKeyframe() {
        if !waitingForKeyframe { _ = feed.offer(.interrupted(resource: resource, at: .now)) }
        waitingForKeyframe = true
    }

    func deliver(
        _ payload: ArraySlice<UInt8>, keyframeOffset: Int?, programTables: [UInt8], now: ContinuousClock.Instant
    ) throws(DeliveryFailure) {
        if waitingForKeyframe {
            guard let keyframeOffset, !programTables.isEmpty else { return }
            let fromKeyframe = payload[(payload.startIndex + keyframeOffset)...]
            waitingForKeyframe = !feed.offer(.started(resource: resource, programTables: programTables, payload: fromKeyframe, at: now))
        } else {
            let event = RecordingEvent.payload(resource: resource, payload: payload, keyframeOffset: keyframeOffset, programTables: programTables, at: now)
            // Refused: the segment ends here; the next one starts on a keyframe.
            waitingForKeyframe = !feed.offer(event)
        }
    }
}
