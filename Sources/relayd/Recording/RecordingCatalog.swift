import Foundation

/// What has been recorded, read from the manifests (segments are not opened): per resource its
/// segments, bytes and the time ranges it covers without a gap. Answers `GET /api/recordings`.
struct RecordingCatalog: Sendable {
    let recordings: URL
    /// The limits the recorder applies, per resource (absent: none).
    var retention: [String: Retention] = [:]

    /// One resource's overview.
    struct Overview: Encodable, Equatable, Sendable {
        var resource: String
        var segments: Int
        var bytes: Int
        /// Runs of segments, each following the one before without a gap.
        var ranges: [TimeRange]
        /// The limits that delete old segments.
        var retention: Retention = Retention()
    }

    struct TimeRange: Encodable, Equatable, Sendable {
        var from: String
        var to: String
    }

    /// The limits that delete old segments; null: none (every segment is kept).
    struct Retention: Encodable, Equatable, Sendable {
        var maxAgeSeconds: Int? = nil
        var maxBytes: Int? = nil

        init(maxAgeSeconds: Int? = nil, maxBytes: Int? = nil) {
            self.maxAgeSeconds = maxAgeSeconds
            self.maxBytes = maxBytes
        }

        init(_ retention: RecordingRetention) {
            self.init(maxAgeSeconds: retention.maxAge.map { Int($0.components.seconds) }, maxBytes: retention.maxBytes)
        }

        enum CodingKeys: String, CodingKey { case maxAgeSeconds, maxBytes }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(maxAgeSeconds, forKey: .maxAgeSeconds)
            try container.encode(maxBytes, forKey: .maxBytes)
        }
    }

    /// The resources with a recordings directory, sorted.
    func resources() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: recordings.path)) ?? []).filter(Self.isResourceName).sorted()
    }

    /// The kept segments of `resource` (not deleted by retention), oldest first (nil: no such
    /// resource recorded).
    func entries(of resource: String) -> [RecordingManifestEntry]? {
        guard Self.isResourceName(resource) else { return nil }
        let directory = recordings.appendingPathComponent(resource, isDirectory: true)
        guard FileManager.default.fileExists(atPath: directory.path) else { return nil }
        let data = FileManager.default.contents(atPath: directory.appendingPathComponent(RecordingManifest.manifestName).path) ?? Data()
        return RecordingManifest.kept(data.split(separator: 0x0a).compactMap { RecordingManifest.canonical(Data($0)) })
    }

    func overview() -> [Overview] {
        resources().compactMap { resource in
            entries(of: resource).map { entries in
                Overview(resource: resource, segments: entries.count, bytes: entries.reduce(0) { $0 + $1.size }, ranges: Self.ranges(entries), retention: retention[resource] ?? Retention())
            }
        }
    }

    /// Joins segments into ranges: a segment that starts where the one before ended continues it.
    static func ranges(_ entries: [RecordingManifestEntry]) -> [TimeRange] {
        var ranges: [TimeRange] = []
        for entry in entries {
            if let last = ranges.last, last.to == entry.start {
                ranges[ranges.count - 1].to = entry.end
            } else {
                ranges.append(TimeRange(from: entry.start, to: entry.end))
            }
        }
        return ranges
    }

    /// The path segment under `/api/recordings` that lists clip exports, so no source may bear
    /// this id.
    static let exportsName = "exports"

    /// Source ids and `program`: letters, digits, - and _ (as the configuration allows).
    static func isResourceName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 128 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
