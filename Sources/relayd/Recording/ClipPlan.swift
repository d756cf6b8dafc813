import Foundation

/// Which recorded segments a clip of `from`...`to` is cut from, and where in them it starts and
/// ends on the stream's 90 kHz clock. Pure: the exporter hands it the kept manifest entries.
///
/// Wall-clock times map onto the stream's clock segment by segment: a time inside a segment lies
/// as far after that segment's first video PTS as it lies after the segment's start, so clock
/// drift between the encoder and this machine never adds up over a long clip.
struct ClipPlan: Equatable, Sendable {
    var resource: String
    var from: Date
    var to: Date
    /// The segments used, in order (each starts where the one before ended).
    var segments: [RecordingManifestEntry]
    /// Where each segment's first video PTS lies after the first one's (90 kHz ticks).
    var segmentOffsets: [Int64]
    /// The requested start and end after the first segment's first video PTS (90 kHz ticks).
    var startOffset: Int64
    var endOffset: Int64

    static let ticksPerSecond: Int64 = 90_000
    /// PTS are 33-bit counters: differences are taken modulo 2^33, so a wrap is no jump.
    static let ptsModulus: Int64 = 1 << 33

    /// Why no clip can be cut.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case emptyRange(from: String, to: String)
        case tooLong(seconds: Int, maximumSeconds: Int)
        case noRecording(resource: String, from: String, to: String)
        case gap(resource: String, after: String, before: String)
        case noTimestamps(resource: String, seq: Int)

        var description: String {
            switch self {
            case .emptyRange(let from, let to): "the range is empty: --to (\(to)) must come after --from (\(from))"
            case .tooLong(let seconds, let maximum): "the range is \(seconds) s long; at most \(maximum) s can be exported at once"
            case .noRecording(let resource, let from, let to): "\(resource) has no recording between \(from) and \(to)"
            case .gap(let resource, let after, let before):
                "\(resource)'s recording has a gap in the range (from \(after) to \(before)): export each side separately"
            case .noTimestamps(let resource, let seq): "\(resource) segment \(seq) has no video timestamps in its manifest entry"
            }
        }
    }

    /// Plans the clip from `kept` (the resource's segments not deleted, oldest first).
    static func plan(
        resource: String, kept: [RecordingManifestEntry], from: Date, to: Date, maximum: Duration? = nil
    ) throws(Refusal) -> ClipPlan {
        let fromText = RecordingManifest.timestamp(from)
        let toText = RecordingManifest.timestamp(to)
        guard to > from else { throw .emptyRange(from: fromText, to: toText) }
        if let maximum, to.timeIntervalSince(from) > Double(maximum.components.seconds) {
            throw .tooLong(seconds: Int(to.timeIntervalSince(from).rounded(.up)), maximumSeconds: Int(maximum.components.seconds))
        }
        let range = RecordingVerifier.Range(from: from, to: to)
        var segments: [(entry: RecordingManifestEntry, start: Date)] = []
        for entry in kept {
            guard let start = RecordingManifest.parseTimestamp(entry.start), let end = RecordingManifest.parseTimestamp(entry.end),
                range.overlaps(start: start, end: end)
            else { continue }
            if let last = segments.last, last.entry.end != entry.start {
                throw .gap(resource: resource, after: last.entry.end, before: entry.start)
            }
            guard entry.firstPts != nil else { throw .noTimestamps(resource: resource, seq: entry.seq) }
            segments.append((entry, start))
        }
        guard let first = segments.first, let origin = first.entry.firstPts else {
            throw .noRecording(resource: resource, from: fromText, to: toText)
        }
        let offsets = segments.map { (($0.entry.firstPts ?? origin) - origin + ptsModulus) % ptsModulus }
        var plan = ClipPlan(
            resource: resource, from: from, to: to, segments: segments.map(\.entry), segmentOffsets: offsets, startOffset: 0, endOffset: 0)
        plan.startOffset = max(0, plan.offset(of: from))
        plan.endOffset = plan.offset(of: to)
        return plan
    }

    /// The stream-clock offset of a wall-clock time, through the last segment starting at or before it.
    func offset(of date: Date) -> Int64 {
        let starts = segments.map { RecordingManifest.parseTimestamp($0.start) ?? .distantPast }
        let index = starts.lastIndex { $0 <= date } ?? 0
        return segmentOffsets[index] + Int64((date.timeIntervalSince(starts[index]) * Double(Self.ticksPerSecond)).rounded())
    }

    /// The wall-clock time of a stream-clock offset, through the last segment starting at or before it.
    func date(ofOffset offset: Int64) -> Date {
        let index = segmentOffsets.lastIndex { $0 <= offset } ?? 0
        let start = RecordingManifest.parseTimestamp(segments[index].start) ?? .distantPast
        return start.addingTimeInterval(Double(offset - segmentOffsets[index]) / Double(Self.ticksPerSecond))
    }
}
