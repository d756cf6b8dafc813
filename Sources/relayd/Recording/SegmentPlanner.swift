import VideoRelay

/// Decides where each recorded resource's segments begin and end. Pure: the recorder's writer
/// thread feeds it the relay's `RecordingEvent`s and its clock, and carries out the actions.
///
/// A segment opens at a keyframe with the stream's tables, takes every byte a reader gets, and
/// ends at the first keyframe after `segmentDuration` (the keyframe starts the next one), when
/// the stream restarts or stops, when the queue dropped data, or after `idleLimit` of silence.
struct SegmentPlanner {
    let segmentDuration: Duration
    /// Silence after which a resource's open segment is closed (its publisher went away).
    let idleLimit: Duration
    private(set) var open: [String: OpenSegment] = [:]

    struct OpenSegment: Equatable {
        var startedAt: ContinuousClock.Instant
        var lastDataAt: ContinuousClock.Instant
    }

    /// Why a segment ended. Anything but `.rotated` leaves a gap before the next segment.
    enum CloseReason: String, Equatable {
        /// Long enough: the next segment starts at this keyframe, without a gap.
        case rotated
        /// The stream restarted (a new publisher, another source on the program).
        case restarted
        /// The stream stopped.
        case interrupted
        /// Nothing arrived for `idleLimit`.
        case idle
        /// The queue to the disk was full and refused data.
        case dropped
        /// Recording stopped (relayd shuts down).
        case stopped
    }

    enum Action: Equatable {
        /// Open a new segment file and write the stream's tables into it first.
        case open(resource: String, at: ContinuousClock.Instant, programTables: [UInt8])
        case write(resource: String, bytes: ArraySlice<UInt8>)
        /// Finish the segment; `at` is when its last bytes arrived.
        case close(resource: String, at: ContinuousClock.Instant, reason: CloseReason)
    }

    init(segmentDuration: Duration, idleLimit: Duration = .seconds(3)) {
        self.segmentDuration = segmentDuration
        self.idleLimit = idleLimit
    }

    /// One event from the relay. `dropped`: the queue refused events of this resource just before.
    mutating func handle(_ event: RecordingEvent, dropped: Bool = false) -> [Action] {
        var actions: [Action] = []
        let resource = event.resource
        if dropped { actions += close(resource, reason: .dropped) }
        switch event {
        case .started(_, let tables, let payload, let at):
            actions += close(resource, reason: .restarted)
            actions.append(.open(resource: resource, at: at, programTables: tables))
            if !payload.isEmpty { actions.append(.write(resource: resource, bytes: payload)) }
            open[resource] = OpenSegment(startedAt: at, lastDataAt: at)
        case .payload(_, let payload, let keyframeOffset, let tables, let at):
            guard var segment = open[resource] else { return actions }
            if let keyframeOffset, at - segment.startedAt >= segmentDuration, !tables.isEmpty {
                let cut = payload.startIndex + keyframeOffset
                if cut > payload.startIndex { actions.append(.write(resource: resource, bytes: payload[..<cut])) }
                actions.append(.close(resource: resource, at: at, reason: .rotated))
                actions.append(.open(resource: resource, at: at, programTables: tables))
                actions.append(.write(resource: resource, bytes: payload[cut...]))
                segment = OpenSegment(startedAt: at, lastDataAt: at)
            } else {
                actions.append(.write(resource: resource, bytes: payload))
                segment.lastDataAt = at
            }
            open[resource] = segment
        case .interrupted:
            actions += close(resource, reason: .interrupted)
        }
        return actions
    }

    /// Closes segments whose stream has been silent for `idleLimit`.
    mutating func tick(now: ContinuousClock.Instant) -> [Action] {
        open.filter { now - $0.value.lastDataAt >= idleLimit }.keys.sorted().flatMap { close($0, reason: .idle) }
    }

    /// Closes every open segment.
    mutating func stop() -> [Action] {
        open.keys.sorted().flatMap { close($0, reason: .stopped) }
    }

    /// When the next idle check is due (nil: nothing open).
    var nextDeadline: ContinuousClock.Instant? {
        open.values.map(\.lastDataAt).min().map { $0 + idleLimit }
    }

    private mutating func close(_ resource: String, reason: CloseReason) -> [Action] {
        guard let segment = open.removeValue(forKey: resource) else { return [] }
        return [.close(resource: resource, at: segment.lastDataAt, reason: reason)]
    }
}
