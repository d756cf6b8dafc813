import Crypto
import Foundation

/// Checks recordings against their manifests and signed heads: every manifest entry chained to
/// the one before, every segment in the range present with exactly the bytes it was entered
/// with, and each head signed by the audit key and naming the manifest's last entry. A segment
/// deleted by retention is accepted only with a tombstone entry naming it (its hash and why);
/// the summary lists those deletions. Stops at the first problem and names it.
enum RecordingVerifier {
    struct Summary: Equatable, Sendable {
        var resources = 0
        var segments = 0
        var seconds = 0.0
        var bytes = 0
        /// Segments deleted by retention (each entered as a tombstone), in manifest order.
        var deletions: [Deletion] = []
    }

    struct Deletion: Equatable, Sendable {
        var resource: String
        var seq: Int
        var file: String
        var reason: RecordingRetention.Reason
        var deletedAt: String
    }

    enum Outcome: Equatable, Sendable {
        case intact(Summary)
        case tampered(String)
    }

    struct Range: Sendable {
        var from: Date?
        var to: Date?

        /// Whether a segment spanning `start`...`end` lies partly inside (touching a bound is outside).
        func overlaps(start: Date, end: Date) -> Bool {
            (from.map { end > $0 } ?? true) && (to.map { start < $0 } ?? true)
        }
    }

    /// Verifies `recordings` (the data directory's `recordings`), or only `resource` in it.
    static func verify(
        recordings: URL, publicKey: Curve25519.Signing.PublicKey, resource: String? = nil, range: Range = Range()
    ) -> Outcome {
        let names: [String]
        if let resource {
            guard FileManager.default.fileExists(atPath: recordings.appendingPathComponent(resource).path) else {
                return .tampered("no recordings of \"\(resource)\" in \(recordings.path)")
            }
            names = [resource]
        } else {
            names = ((try? FileManager.default.contentsOfDirectory(atPath: recordings.path)) ?? []).filter {
                var directory: ObjCBool = false
                return FileManager.default.fileExists(atPath: recordings.appendingPathComponent($0).path, isDirectory: &directory) && directory.boolValue
            }.sorted()
        }
        var summary = Summary()
        for name in names {
            let directory = recordings.appendingPathComponent(name, isDirectory: true)
            do {
                let entries = try chain(directory: directory, resource: name, publicKey: publicKey)
                try segments(entries, directory: directory, resource: name, range: range, summary: &summary)
                summary.resources += 1
            } catch let problem as Problem {
                return .tampered(problem.description)
            } catch {
                return .tampered("\(name): \(error)")
            }
        }
        return .intact(summary)
    }

    private struct Problem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads the manifest and checks its chain and signed head; returns the entries.
    private static func chain(directory: URL, resource: String, publicKey: Curve25519.Signing.PublicKey) throws -> [RecordingManifestEntry] {
        let manifestPath = directory.appendingPathComponent(RecordingManifest.manifestName).path
        let headPath = directory.appendingPathComponent(RecordingManifest.headName).path
        let data = FileManager.default.contents(atPath: manifestPath) ?? Data()
        if !data.isEmpty, data.last != 0x0a {
            throw Problem("\(resource): the manifest \(manifestPath) ends in a torn line (cut short or appended to)")
        }
        var entries: [RecordingManifestEntry] = []
        var deleted: Set<Int> = []
        for (index, line) in data.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast().enumerated() {
            let number = index + 1
            guard let entry = RecordingManifest.canonical(Data(line)) else {
                throw Problem("\(resource): manifest line \(number) is altered (not an entry as relayd writes it)")
            }
            guard entry.seq == number else {
                throw Problem("\(resource): manifest line \(number) holds entry \(entry.seq): entries were removed or reordered")
            }
            guard entry.resource == resource, [RecordingManifest.segmentKind, RecordingManifest.tombstoneKind].contains(entry.kind) else {
                throw Problem("\(resource): manifest entry \(number) names \(entry.kind) of \"\(entry.resource)\": altered")
            }
            if entry.kind == RecordingManifest.tombstoneKind {
                try checkTombstone(entry, among: entries, deleted: &deleted, resource: resource)
            } else if entry.deletes != nil || entry.reason != nil || entry.deletedAt != nil {
                throw Problem("\(resource): manifest entry \(number) is a segment with a deletion's fields: altered")
            }
            guard entry.prev == (entries.last?.hash ?? "") else {
                throw Problem("\(resource): manifest entry \(number) does not follow entry \(number - 1): entries were removed or reordered")
            }
            guard (try? RecordingManifest.hash(entry.content)) == entry.hash else {
                throw Problem("\(resource): manifest entry \(number) (segment \(entry.file)) is altered: its hash does not match its content")
            }
            entries.append(entry)
        }
        guard let headData = FileManager.default.contents(atPath: headPath) else {
            if entries.isEmpty { return [] }
            throw Problem("\(resource): the signed head \(headPath) is missing")
        }
        guard let head = try? AuditTrailEntry.decoder.decode(RecordingManifestHead.self, from: headData) else {
            throw Problem("\(resource): the signed head \(headPath) is unreadable")
        }
        guard head.resource == resource, RecordingManifest.isSigned(head, by: publicKey) else {
            throw Problem("\(resource): the signed head does not verify: it was not signed by the audit key for this resource")
        }
        guard head.seq <= entries.count else {
            throw Problem("\(resource): the signed head names segment \(head.seq) but the manifest ends at \(entries.count): segments were removed")
        }
        guard head.seq > 0, entries[head.seq - 1].hash == head.hash else {
            throw Problem("\(resource): manifest entry \(head.seq) does not match the signed head: the manifest was rewritten")
        }
        guard head.seq == entries.count else {
            throw Problem("\(resource): manifest entries \(head.seq + 1) to \(entries.count) come after the signed head: not signed")
        }
        return entries
    }

    /// A tombstone must name an earlier, not yet deleted segment exactly (file, size, hash), with
    /// a known reason and time.
    private static func checkTombstone(
        _ tombstone: RecordingManifestEntry, among earlier: [RecordingManifestEntry], deleted: inout Set<Int>, resource: String
    ) throws {
        let number = tombstone.seq
        guard let seq = tombstone.deletes, seq >= 1, seq < number else {
            throw Problem("\(resource): manifest entry \(number) is a tombstone naming no earlier segment: altered")
        }
        let segment = earlier[seq - 1]
        guard segment.kind == RecordingManifest.segmentKind, segment.file == tombstone.file, segment.size == tombstone.size,
            segment.sha256 == tombstone.sha256, segment.start == tombstone.start, segment.end == tombstone.end
        else {
            throw Problem("\(resource): manifest entry \(number) is a tombstone that does not match segment \(seq): altered")
        }
        guard deleted.insert(seq).inserted else {
            throw Problem("\(resource): manifest entry \(number) deletes segment \(seq) a second time: altered")
        }
        guard tombstone.reason.flatMap(RecordingRetention.Reason.init(rawValue:)) != nil,
            tombstone.deletedAt.flatMap(RecordingManifest.parseTimestamp) != nil
        else {
            throw Problem("\(resource): manifest entry \(number) is a tombstone without a valid reason and time: altered")
        }
    }

    /// Checks the segment files of the entries in `range`, in order; lists the deleted ones.
    private static func segments(
        _ entries: [RecordingManifestEntry], directory: URL, resource: String, range: Range, summary: inout Summary
    ) throws {
        let bySHA = Dictionary(entries.map { ($0.sha256, $0) }, uniquingKeysWith: { first, _ in first })
        let tombstones = Dictionary(
            entries.filter { $0.kind == RecordingManifest.tombstoneKind }.compactMap { tombstone in tombstone.deletes.map { ($0, tombstone) } },
            uniquingKeysWith: { first, _ in first })
        for entry in entries where entry.kind == RecordingManifest.segmentKind {
            guard let start = RecordingManifest.parseTimestamp(entry.start), let end = RecordingManifest.parseTimestamp(entry.end) else {
                throw Problem("\(resource): segment \(entry.seq) has unreadable times")
            }
            guard range.overlaps(start: start, end: end) else { continue }
            if let tombstone = tombstones[entry.seq] {
                summary.deletions.append(Deletion(
                    resource: resource, seq: entry.seq, file: entry.file,
                    reason: tombstone.reason.flatMap(RecordingRetention.Reason.init(rawValue:)) ?? .age, deletedAt: tombstone.deletedAt ?? ""))
                continue
            }
            let name = "\(resource) segment \(entry.seq) (\(entry.file))"
            guard !entry.file.hasPrefix("/"), !entry.file.split(separator: "/").contains("..") else {
                throw Problem("\(name): its file name leaves the resource's directory")
            }
            let path = directory.appendingPathComponent(entry.file).path
            guard let found = try digest(of: path) else { throw Problem("\(name) is missing (no tombstone records its deletion)") }
            let (size, sha256) = found
            if sha256 != entry.sha256 {
                if let other = bySHA[sha256] {
                    throw Problem("\(name) holds the bytes of segment \(other.seq) (\(other.file)): segments were reordered")
                }
                if size < entry.size {
                    throw Problem("\(name) is truncated: \(size) of \(entry.size) bytes")
                }
                throw Problem("\(name) is altered: \(size) bytes (manifest: \(entry.size)), SHA-256 differs")
            }
            summary.segments += 1
            summary.bytes += size
            summary.seconds += end.timeIntervalSince(start)
        }
    }

    /// The file's size and hex SHA-256, read in 4 MiB chunks; nil when there is no such file.
    static func digest(of path: String) throws -> (size: Int, sha256: String)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw DurableFile.failure("open", path)
        }
        defer { close(descriptor) }
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var size = 0
        while true {
            let got = read(descriptor, buffer.baseAddress, buffer.count)
            if got < 0 {
                if errno == EINTR { continue }
                throw DurableFile.failure("read", path)
            }
            if got == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<got]))
            size += got
        }
        return (size, RecordingManifest.hex(hasher.finalize()))
    }
}
