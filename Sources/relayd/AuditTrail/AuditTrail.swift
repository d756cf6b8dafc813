import Crypto
import Foundation
import Logging
import Synchronization

/// The append-only, hash-chained, signed audit log in the data directory (`audit.jsonl`), with
/// its signed head (`audit.head`) and a witness of that head kept beside the signing key, outside
/// the data directory, so that cutting entries off the end, rolling the log back to an older
/// signed head, or wiping it are caught as well.
///
/// Appends run on one writer queue that owns the file (never on the Swift concurrency pool) and
/// each is fsynced before it is acknowledged, so a crash never loses an acknowledged entry. An
/// in-memory index of where each line starts, built once at start and extended by each append,
/// lets a page be read without reading the whole file.
final class AuditTrail: Sendable {
    let logPath: String
    let headPath: String
    /// The witness file beside the signing key (nil when the key was not loaded from a file).
    let witnessPath: String?
    private let key: AuditTrailSigningKey
    private let writer = SerialWorker(label: "relayd.audit.writer")
    private let index: Mutex<LineIndex>
    /// Used only on `writer` (and in `init`, before anyone else can append); opened O_APPEND.
    private let writeDescriptor: Int32
    /// Read with pread only, so concurrent readers share it without a file position.
    private let readDescriptor: Int32

    /// Where each complete line starts and the chain's newest entry.
    private struct LineIndex {
        var starts: [Int] = []
        /// The length of the complete lines (where the next line starts).
        var end = 0
        var seq = 0
        var hash = ""
    }

    /// Opens (or creates) the log. A torn last line (a write cut short by a crash: bytes after the
    /// last newline, never acknowledged) is moved to `audit.jsonl.torn-<time>` and recorded, and
    /// the chain continues from the last complete entry. A log that is behind its witness (rolled
    /// back, cut short or wiped) is refused: appending to it would overwrite the evidence.
    init(dataDirectory: URL, key: AuditTrailSigningKey, logger: Logger = Logger(label: "relayd.audit")) throws {
        logPath = dataDirectory.appendingPathComponent("audit.jsonl").path
        headPath = dataDirectory.appendingPathComponent("audit.head").path
        witnessPath = key.path.map { AuditTrailWitness.path(keyPath: $0, dataDirectory: dataDirectory) }
        self.key = key
        writeDescriptor = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard writeDescriptor >= 0 else { throw DurableFile.failure("open", logPath) }
        readDescriptor = open(logPath, O_RDONLY | O_CLOEXEC)
        guard readDescriptor >= 0 else {
            let error = DurableFile.failure("open", logPath)
            close(writeDescriptor)
            throw error
        }
        var (lines, size) = try Self.scanLines(readDescriptor, path: logPath)
        if let last = lines.starts.last {
            let line = try DurableFile.read(readDescriptor, offset: last, count: lines.end - last, path: logPath)
            guard let entry = try? AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: line) else {
                throw AuditTrailError("the last entry of \(logPath) (entry \(lines.starts.count)) is not readable; run `relayd audit verify`")
            }
            lines.seq = entry.seq
            lines.hash = entry.hash
        }
        index = Mutex(lines)
        if let witnessPath { try checkWitness(witnessPath) }
        if size > lines.end {
            try setAsideTornTail(from: lines.end, to: size, logger: logger)
        }
    }

    deinit {
        close(writeDescriptor)
        close(readDescriptor)
    }

    /// The signed head: the newest entry's sequence number and hash.
    struct Head: Codable, Equatable, Sendable {
        var seq: Int
        var hash: String
        var signature: String
        var publicKey: String
    }

    /// What an entry says, before the trail numbers, chains and signs it.
    struct Record: Sendable {
        var actor: String
        var action: String
        var programTime: Double? = nil
        var details: [String: String] = [:]
    }

    /// Appends an entry and returns it once it is on disk.
    @discardableResult
    func append(actor: String, action: String, programTime: Double? = nil, details: [String: String] = [:]) async throws -> AuditTrailEntry {
        let record = Record(actor: actor, action: action, programTime: programTime, details: details)
        return try await writer.perform { try self.write([record]) }[0]
    }

    /// Appends several entries with one fsync (a minute's failed logins), returned once on disk.
    @discardableResult
    func append(_ records: [Record]) async throws -> [AuditTrailEntry] {
        guard !records.isEmpty else { return [] }
        return try await writer.perform { try self.write(records) }
    }

    /// The current head, as published at `GET /api/audit/head`.
    var head: Head {
        get throws {
            let (seq, hash) = index.withLock { ($0.seq, $0.hash) }
            return try Self.signedHead(seq: seq, hash: hash, key: key)
        }
    }

    /// How many entries the log holds.
    var count: Int { index.withLock { $0.starts.count } }

    /// A page without filters, reading only the lines it returns: `offset` entries skipped from
    /// the oldest (or, `newestFirst`, from the newest, and the page is newest first).
    func page(offset: Int, limit: Int, newestFirst: Bool) throws -> (total: Int, entries: [AuditTrailEntry]) {
        let total = count
        let lines: Range<Int>
        if newestFirst {
            let upper = max(0, total - offset)
            lines = max(0, upper - limit)..<upper
        } else {
            let lower = min(total, offset)
            lines = lower..<min(total, lower + limit)
        }
        let entries = try self.entries(lines)
        return (total, newestFirst ? entries.reversed() : entries)
    }

    /// Every entry, oldest first, read in batches so a large log is never held whole.
    func forEachEntry(_ body: (AuditTrailEntry) throws -> Void) throws {
        let total = count
        var lower = 0
        while lower < total {
            let upper = min(total, lower + 4096)
            for entry in try entries(lower..<upper) { try body(entry) }
            lower = upper
        }
    }

    /// Every entry, oldest first.
    func entries() throws -> [AuditTrailEntry] {
        var all: [AuditTrailEntry] = []
        try forEachEntry { all.append($0) }
        return all
    }

    /// The entries on lines `lines` (0-based), read in one pread.
    func entries(_ lines: Range<Int>) throws -> [AuditTrailEntry] {
        guard !lines.isEmpty else { return [] }
        let (from, to) = index.withLock { index in
            (index.starts[lines.lowerBound], lines.upperBound < index.starts.count ? index.starts[lines.upperBound] : index.end)
        }
        let bytes = try DurableFile.read(readDescriptor, offset: from, count: to - from, path: logPath)
        return try bytes.split(separator: 0x0a).map { try AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: $0) }
    }

    // MARK: - Shared with verification

    static func hash(_ content: AuditTrailEntry.Content) throws -> String {
        SHA256.hash(data: try AuditTrailEntry.encoder.encode(content)).map { String(format: "%02x", $0) }.joined()
    }

    static func headMessage(seq: Int, hash: String) -> Data { Data("audit-head:\(seq):\(hash)".utf8) }

    static func signHead(seq: Int, hash: String, key: AuditTrailSigningKey) throws -> String {
        try key.privateKey.signature(for: headMessage(seq: seq, hash: hash)).base64EncodedString()
    }

    static func signedHead(seq: Int, hash: String, key: AuditTrailSigningKey) throws -> Head {
        Head(seq: seq, hash: hash, signature: try signHead(seq: seq, hash: hash, key: key), publicKey: key.publicKeyHex)
    }

    static func readLines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    // MARK: - Writing (on `writer` only)

    private func write(_ records: [Record]) throws -> [AuditTrailEntry] {
        var (seq, prev, end) = index.withLock { ($0.seq, $0.hash, $0.end) }
        var entries: [AuditTrailEntry] = []
        var lines = Data()
        var starts: [Int] = []
        for record in records {
            seq += 1
            let content = AuditTrailEntry.Content(
                seq: seq, time: Self.now(), actor: record.actor, action: record.action, programTime: record.programTime,
                details: record.details, prev: prev)
            let hash = try Self.hash(content)
            let signature = try key.privateKey.signature(for: Data(hash.utf8)).base64EncodedString()
            let entry = AuditTrailEntry(
                seq: seq, time: content.time, actor: record.actor, action: record.action, programTime: record.programTime,
                details: record.details, prev: prev, hash: hash, signature: signature)
            starts.append(end + lines.count)
            lines.append(try AuditTrailEntry.encoder.encode(entry))
            lines.append(0x0a)
            entries.append(entry)
            prev = hash
        }
        do {
            try DurableFile.writeAll(writeDescriptor, lines, path: logPath)
            try DurableFile.sync(writeDescriptor, path: logPath)
        } catch {
            // Never leave half a line for the next entry to follow.
            _ = ftruncate(writeDescriptor, off_t(end))
            throw error
        }
        // The entries are on disk: the newest is the tail now, whatever happens to the head and witness.
        index.withLock { index in
            index.starts.append(contentsOf: starts)
            index.end = end + lines.count
            index.seq = seq
            index.hash = prev
        }
        let head = try Self.signedHead(seq: seq, hash: prev, key: key)
        try DurableFile.replace(headPath, with: try AuditTrailEntry.encoder.encode(head), durable: false)
        if let witnessPath {
            // After the log's fsync: the witness is never ahead of what is on disk.
            try DurableFile.replace(witnessPath, with: try AuditTrailWitness(head: head, logPath: logPath).encoded(), durable: true)
        }
        return entries
    }

    /// Refuses a log whose witness names an entry it no longer holds, or holds differently.
    private func checkWitness(_ witnessPath: String) throws {
        guard let data = FileManager.default.contents(atPath: witnessPath) else { return }
        let witness: AuditTrailWitness
        do {
            witness = try AuditTrailWitness.decode(data, publicKey: key.publicKey)
        } catch {
            throw AuditTrailError("the audit witness \(witnessPath) is unreadable or not signed by the audit key: \(error)")
        }
        let count = self.count
        let advice = "run `relayd audit verify`; if this log was restored on purpose, move the witness aside to start a new one"
        guard witness.seq <= count else {
            throw AuditTrailError("\(logPath) holds \(count) entries but its witness \(witnessPath) names entry \(witness.seq): the log was rolled back or wiped; \(advice)")
        }
        guard witness.seq > 0 else { return }
        let witnessed = try entries((witness.seq - 1)..<witness.seq).first
        guard witnessed?.seq == witness.seq, witnessed?.hash == witness.hash else {
            throw AuditTrailError("entry \(witness.seq) of \(logPath) does not match its witness \(witnessPath): the log was rewritten; \(advice)")
        }
    }

    /// Moves the bytes after the last complete line to `audit.jsonl.torn-<time>`, cuts the log
    /// back to its last complete line, and records that in the trail.
    private func setAsideTornTail(from end: Int, to size: Int, logger: Logger) throws {
        let torn = try DurableFile.read(readDescriptor, offset: end, count: size - end, path: logPath)
        let stamp = Self.now().replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
        let setAside = "\(logPath).torn-\(stamp)"
        try DurableFile.replace(setAside, with: torn, durable: true)
        guard ftruncate(writeDescriptor, off_t(end)) == 0 else { throw DurableFile.failure("ftruncate", logPath) }
        try DurableFile.sync(writeDescriptor, path: logPath)
        let digest = SHA256.hash(data: torn).map { String(format: "%02x", $0) }.joined()
        logger.warning("audit log ended in a torn line; set it aside and continuing the chain from the last complete entry", metadata: [
            "audit.torn_file": "\(setAside)", "audit.torn_bytes": "\(torn.count)", "audit.seq": "\(index.withLock { $0.seq })",
        ])
        _ = try write([Record(actor: "relayd", action: "audit.torn_tail_set_aside", details: [
            "file": URL(fileURLWithPath: setAside).lastPathComponent, "bytes": String(torn.count), "sha256": digest,
        ])])
    }

    /// Finds where every complete line starts, reading the file in 1 MiB chunks.
    private static func scanLines(_ descriptor: Int32, path: String) throws -> (lines: LineIndex, size: Int) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw DurableFile.failure("fstat", path) }
        let size = Int(info.st_size)
        var starts: [Int] = []
        var lineStart = 0
        var offset = 0
        let chunkSize = 1 << 20
        while offset < size {
            let chunk = try DurableFile.read(descriptor, offset: offset, count: min(chunkSize, size - offset), path: path)
            chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                for (position, byte) in bytes.enumerated() where byte == 0x0a {
                    let next = offset + position + 1
                    // Empty lines hold nothing; skip them rather than index them.
                    if next - lineStart > 1 { starts.append(lineStart) }
                    lineStart = next
                }
            }
            offset += chunk.count
        }
        var lines = LineIndex()
        lines.starts = starts
        lines.end = lineStart
        return (lines, size)
    }

    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
