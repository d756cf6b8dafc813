import VideoRelay

/// What relayd records (the `recording:` section, each source's `record` and `program.record`).
///
/// ```yaml
/// recording:
///   segment_s: 10              # segments start on keyframes, about this long
///   queue_bytes: 33554432      # what may wait for the disk before recording drops (counted, audited)
///   max_age_h: 720             # per resource: segments older than this are deleted (default: kept)
///   max_mb: 500000             # per resource: beyond this the oldest segments are deleted (default: kept)
///   max_export_min: 120        # the longest clip one export may cut
///   exports_keep_h: 24         # exported clips and proofs older than this are deleted
/// sources:
///   - {id: heli-1, kind: helicopter, record: false}
///   - {id: drone-1, kind: drone, retention: {max_age_h: 24}}   # replaces the limit it names
/// program:
///   record: true
/// ```
struct RecordingSettings: Sendable, Equatable {
    /// A segment ends at the first keyframe after it has run this long.
    var segmentDuration: Duration = .seconds(10)
    /// Bytes that may wait for the recorder's writer; beyond it the newest are refused.
    var queueBytes = 32 << 20
    /// Recording pauses while less than this is free on the data directory's file system.
    var minimumFreeBytes: Int64 = 2048 << 20
    /// Per resource: when old segments are deleted (default: never).
    var retention = RecordingRetention()
    /// A source's or the program's own `retention:` limits, each replacing the global one.
    var retentionOverrides: [String: RecordingRetention] = [:]
    /// The resources recorded: source ids and `program` (all of them unless `record: false`).
    var resources: Set<String> = []
    /// The longest range one clip export may cover.
    var maximumExport: Duration = .seconds(7200)
    /// Clips and proofs under `<data-dir>/exports` are deleted once they are this old.
    var exportsKept: Duration = .seconds(24 * 3600)
}

extension RelaydConfiguration {
    /// Reads `recording:`; `records` are the resources whose `record` was not false.
    static func readRecording(_ node: ConfigNode, records: [String]) -> RecordingSettings {
        var settings = RecordingSettings()
        settings.segmentDuration = .seconds(node.int("segment_s", default: 10, range: 1...3600))
        settings.queueBytes = node.int("queue_bytes", default: 32 << 20, range: (1 << 20)...(1 << 30))
        settings.minimumFreeBytes = Int64(node.int("min_free_mb", default: 2048, range: 0...100_000_000)) << 20
        settings.retention = readRetentionLimits(node)
        settings.maximumExport = .seconds(node.int("max_export_min", default: 120, range: 1...1440) * 60)
        settings.exportsKept = .seconds(node.int("exports_keep_h", default: 24, range: 1...87_600) * 3600)
        settings.resources = Set(records)
        node.rejectUnknownKeys()
        return settings
    }

    /// A source's or the program's `record` flag (default on) and its own `retention:` limits.
    static func readRecordFlag(_ node: ConfigNode) -> (record: Bool, retention: RecordingRetention) {
        let retention = node.child("retention")
        let limits = readRetentionLimits(retention)
        retention.rejectUnknownKeys()
        return (node.bool("record", default: true), limits)
    }

    /// `max_age_h` and `max_mb` (absent: no limit).
    private static func readRetentionLimits(_ node: ConfigNode) -> RecordingRetention {
        // Absent reads as 0, outside the range, so "none" cannot also be written as a number.
        let hours = node.int("max_age_h", default: 0, range: 1...1_000_000)
        let megabytes = node.int("max_mb", default: 0, range: 1...1_000_000_000)
        return RecordingRetention(maxAge: hours == 0 ? nil : .seconds(hours * 3600), maxBytes: megabytes == 0 ? nil : megabytes << 20)
    }
}

extension RecordingSettings {
    /// The limits that apply to `resource`: its own where it sets them, else the global ones.
    func retention(for resource: String) -> RecordingRetention {
        let own = retentionOverrides[resource] ?? RecordingRetention()
        return RecordingRetention(maxAge: own.maxAge ?? retention.maxAge, maxBytes: own.maxBytes ?? retention.maxBytes)
    }
}
