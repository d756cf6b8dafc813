import VideoRelay

/// What relayd records (the `recording:` section, each source's `record` and `program.record`).
///
/// ```yaml
/// recording:
///   segment_s: 10              # segments start on keyframes, about this long
///   queue_bytes: 33554432      # what may wait for the disk before recording drops (counted, audited)
/// sources:
///   - {id: heli-1, kind: helicopter, record: false}
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
    /// The resources recorded: source ids and `program` (all of them unless `record: false`).
    var resources: Set<String> = []
}

extension RelaydConfiguration {
    /// Reads `recording:`; `records` are the resources whose `record` was not false.
    static func readRecording(_ node: ConfigNode, records: [String]) -> RecordingSettings {
        var settings = RecordingSettings()
        settings.segmentDuration = .seconds(node.int("segment_s", default: 10, range: 1...3600))
        settings.queueBytes = node.int("queue_bytes", default: 32 << 20, range: (1 << 20)...(1 << 30))
        settings.minimumFreeBytes = Int64(node.int("min_free_mb", default: 2048, range: 0...100_000_000)) << 20
        settings.resources = Set(records)
        node.rejectUnknownKeys()
        return settings
    }

    /// A source's or the program's `record` flag (default on).
    static func readRecordFlag(_ node: ConfigNode) -> Bool {
        node.bool("record", default: true)
    }
}
