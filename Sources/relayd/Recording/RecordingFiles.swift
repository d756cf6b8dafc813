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

    /// Opens (or creates) the resource's manifest and continues its chain from the last entry.
    init(recordings: URL, resource: String, key: AuditTrailSigningKey) throws {
        self.resource = resource
        directory = recordings.appendingPathComponent(resource, isDirectory: true)
        self.key = key
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(RecordingManifest.manifestName).path
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
            let last = text.split(separator: "\n").last
        {
            guard let entry = RecordingManifest.canonical(Data(last.utf8)) else {
                throw AuditTrailError("the last entry of \(path) is not readable; run `relayd recording verify`")
            }
            seq = entry.seq
            lastHash = entry.hash
        }
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw DurableFile.failure("open", path) }
    }

    deinit { close(descriptor) }

    var nextSeq: Int { seq + 1 }

    /// Appends the finished segment's entry, then signs the new head.
    func append(segment: SegmentFile, digest: (sha256: String, firstPTS: Int64?, lastPTS: Int64?), end: Date) throws -> RecordingManifestEntry {
        let content = RecordingManifestEntry.Content(
            seq: seq + 1, kind: RecordingManifest.segmentKind, resource: resource, file: segment.relativePath, size: segment.size,
            sha256: digest.sha256, firstPts: digest.firstPTS, lastPts: digest.lastPTS,
            start: RecordingManifest.timestamp(segment.start), end: RecordingManifest.timestamp(end), prev: lastHash)
        let entry = try RecordingManifestEntry(content: content)
        let manifestPath = directory.appendingPathComponent(RecordingManifest.manifestName).path
        var line = try AuditTrailEntry.encoder.encode(entry)
        line.append(0x0a)
        try DurableFile.writeAll(descriptor, line, path: manifestPath)
        try DurableFile.sync(descriptor, path: manifestPath)
        seq = entry.seq
        lastHash = entry.hash
        let head = try RecordingManifest.signedHead(resource: resource, seq: seq, hash: lastHash, key: key)
        try DurableFile.replace(
            directory.appendingPathComponent(RecordingManifest.headName).path, with: try AuditTrailEntry.encoder.encode(head), durable: true)
        return entry
    }
}
