import Foundation

/// Which recorded segments of a resource to delete: those older than `maxAge`, then, while the
/// resource holds more than `maxBytes`, the oldest. Oldest first, always; the newest segment is
/// never deleted, so a resource keeps at least its latest recording. No limits: keep everything.
struct RecordingRetention: Sendable, Equatable {
    enum Reason: String, Sendable, Codable, Equatable { case age, size }

    /// Segments ending longer ago than this are deleted (nil: any age is kept).
    var maxAge: Duration?
    /// The most a resource's segments may hold together (nil: any size is kept).
    var maxBytes: Int?

    /// A kept segment, as the manifest describes it.
    struct Segment: Sendable, Equatable {
        var seq: Int
        var size: Int
        var end: Date
    }

    struct Deletion: Sendable, Equatable {
        var seq: Int
        var reason: Reason
    }

    var isUnlimited: Bool { maxAge == nil && maxBytes == nil }

    /// The deletions due at `now` among `segments` (oldest first, as in the manifest).
    func deletions(_ segments: [Segment], now: Date) -> [Deletion] {
        guard segments.count > 1, !isUnlimited else { return [] }
        var deletions: [Deletion] = []
        var kept = segments[...]
        if let maxAge {
            let cutoff = now.addingTimeInterval(-Double(maxAge.components.seconds) - Double(maxAge.components.attoseconds) / 1e18)
            while kept.count > 1, let oldest = kept.first, oldest.end <= cutoff {
                deletions.append(Deletion(seq: oldest.seq, reason: .age))
                kept.removeFirst()
            }
        }
        if let maxBytes {
            var total = kept.reduce(0) { $0 + $1.size }
            while kept.count > 1, total > maxBytes, let oldest = kept.first {
                deletions.append(Deletion(seq: oldest.seq, reason: .size))
                total -= oldest.size
                kept.removeFirst()
            }
        }
        return deletions
    }
}
