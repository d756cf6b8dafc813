import Crypto
import Foundation

/// One segment file being written: bytes go to disk as they come, hashed and scanned for video
/// timestamps on the way. Used only on the recorder's writer thread.
final class SegmentFile {
    let path: String
    let relativePath: String
    let start: Date
    private let descriptor: Int32
    private var hasher = SHA256()
    private var scanner = VideoPTSScanner()
    private(set) var size = 0
    /// The first write error; once set, nothing more is written to this segment.
    private(set) var failure: AuditTrailError?

    /// Creates `<directory>/<relativePath>` (and its day directory), never over an existing file.
    init(directory: URL, relativePath: String, start: Date) throws {
        let url = directory.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        path = url.path
        self.relativePath = relativePath
        self.start = start
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DurableFile.failure("open", path) }
    }

    private var closed = false

    deinit {
        assert(closed, "a segment file must be finished before it is released")
    }

    /// Bytes not yet written: payloads are gathered so the disk sees a few large writes a
    /// second, not one per 1316-byte payload.
    private var pending: [UInt8] = []
    static let bufferBytes = 256 << 10

    func write(_ bytes: ArraySlice<UInt8>) {
        guard failure == nil, !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        scanner.scan(bytes)
        size += bytes.count
        pending.append(contentsOf: bytes)
        if pending.count >= Self.bufferBytes { flush() }
    }

    private func flush() {
        guard failure == nil, !pending.isEmpty else { return }
        do {
            try DurableFile.writeAll(descriptor, Data(pending), path: path)
        } catch let error as AuditTrailError {
            failure = error
        } catch {
            failure = AuditTrailError("write \(path): \(error)")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Flushes the segment to disk and closes it; returns its digest and timestamps.
    func finish() -> (sha256: String, firstPTS: Int64?, lastPTS: Int64?) {
        flush()
        if failure == nil, fdatasync(descriptor) != 0 { failure = DurableFile.failure("fdatasync", path) }
        close(descriptor)
        closed = true
        // Cut short by a write error: the entry describes what reached the disk (the audit trail
        // says why it is short), so the chain stays true to the files.
        if failure != nil, let onDisk = try? RecordingVerifier.digest(of: path) {
            size = onDisk.size
            return (onDisk.sha256, scanner.first, scanner.last)
        }
        return (RecordingManifest.hex(hasher.finalize()), scanner.first, scanner.last)
    }
}

/// A resource's manifest on disk: appends entries (fsynced) and replaces the signed head after
/// each. Used only on the recorder's writer thread.
final class RecordingChain {
    let resource: String
    let directory: URL
    private let key: AuditTrailSigningKey
    private let descriptor: Int32
    private(set) var seq = 0
    private(set) var lastHash = ""

    /// The segments not deleted by retention, oldest first (empty unless `tracksKept`: without
    /// retention limits nothing is deleted, and a long recording need not be held in memory).
    private(set) var kept: [RecordingManifestEntry] = []
    private let tracksKept: Bool

    /// Opens (or creates) the resource's manifest and continues its chain from the last entry.
    init(recordings: URL, resource: String, key: AuditTrailSigningKey, tracksKept: Bool = true) throws {
        self.resource = resource
        directory = recordings.appendingPathComponent(resource, isDirectory: true)
        self.key = key
        self.tracksKept = tracksKept
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(RecordingManifest.manifestName).path
        let lines = (FileManager.default.contents(atPath: path) ?? Data()).split(separator: 0x0a)
        if let last = lines.last {
            guard let entry = RecordingManifest.canonical(Data(last)) else {
                throw AuditTrailError("the last entry of \(path) is not readable; run `relayd recording verify`")
            }
            seq = entry.seq
            lastHash = entry.hash
            if tracksKept { kept = RecordingManifest.kept(lines.compactMap { RecordingManifest.canonical(Data($0)) }) }
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DurableFile.failure("open", path) }
    }

    deinit { close(descriptor) }

    var nextSeq: Int { seq + 1 }

    /// Appends the finished segment's entry, then signs the new head.
    func append(segment: SegmentFile, digest: (sha256: String, firstPTS: Int64?, lastPTS: Int64?), end: Date) throws -> RecordingManifestEntry {
        let entry = try append(RecordingManifestEntry.Content(
            seq: seq + 1, kind: RecordingManifest.segmentKind, resource: resource, file: segment.relativePath, size: segment.size,
            sha256: digest.sha256, firstPts: digest.firstPTS, lastPts: digest.lastPTS,
            start: RecordingManifest.timestamp(segment.start), end: RecordingManifest.timestamp(end), prev: lastHash))
        if tracksKept { kept.append(entry) }
        return entry
    }

    /// Enters the deletion of the kept segment `seq` as a tombstone (signed like a segment),
    /// then deletes its file: a crash in between leaves a file too many, never one missing.
    @discardableResult
    func delete(seq deleted: Int, reason: RecordingRetention.Reason, at: Date) throws -> RecordingManifestEntry? {
        guard let index = kept.firstIndex(where: { $0.seq == deleted }) else { return nil }
        let segment = kept[index]
        let tombstone = try append(RecordingManifestEntry.Content(
            seq: seq + 1, kind: RecordingManifest.tombstoneKind, resource: resource, file: segment.file, size: segment.size,
            sha256: segment.sha256, start: segment.start, end: segment.end, prev: lastHash,
            deletes: segment.seq, reason: reason.rawValue, deletedAt: RecordingManifest.timestamp(at)))
        kept.remove(at: index)
        let file = directory.appendingPathComponent(segment.file)
        if unlink(file.path) != 0, errno != ENOENT { throw DurableFile.failure("unlink", file.path) }
        // The day's directory goes with its last segment (rmdir refuses a directory still in use).
        rmdir(file.deletingLastPathComponent().path)
        return tombstone
    }

    /// Why the signed head lags the manifest (it could not be replaced, e.g. on a full disk);
    /// nil once a head is signed again. The next entry signs the head anew.
    private(set) var headFailure: AuditTrailError?

    /// Appends `content`'s entry. A write that fails part-way (a full disk) is cut off again, so
    /// the manifest never keeps half a line; once the line is durable the entry counts, even if
    /// the head cannot be signed (`headFailure`).
    private func append(_ content: RecordingManifestEntry.Content) throws -> RecordingManifestEntry {
        let entry = try RecordingManifestEntry(content: content)
        let manifestPath = directory.appendingPathComponent(RecordingManifest.manifestName).path
        var line = try AuditTrailEntry.encoder.encode(entry)
        line.append(0x0a)
        let length = lseek(descriptor, 0, SEEK_END)
        do {
            try DurableFile.writeAll(descriptor, line, path: manifestPath)
            try DurableFile.sync(descriptor, path: manifestPath)
        } catch {
            if length >= 0 { _ = ftruncate(descriptor, length) }
            throw error
        }
        seq = entry.seq
        lastHash = entry.hash
        do {
            let head = try RecordingManifest.signedHead(resource: resource, seq: seq, hash: lastHash, key: key)
            try DurableFile.replace(
                directory.appendingPathComponent(RecordingManifest.headName).path, with: try AuditTrailEntry.encoder.encode(head), durable: true)
            headFailure = nil
        } catch let error as AuditTrailError {
            headFailure = error
        } catch {
            headFailure = AuditTrailError("sign the head of \(resource): \(error)")
        }
        return entry
    }
}
