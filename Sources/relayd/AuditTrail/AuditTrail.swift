import Crypto
import Foundation
import Synchronization

/// The append-only, hash-chained, signed audit log in the data directory (`audit.jsonl`), with
/// its signed head (`audit.head`) so that cutting entries off the end is caught as well.
///
/// Appends are rare (operator actions, automatic moves) and each is fsynced before it returns,
/// so a crash never loses an acknowledged entry.
final class AuditTrail: Sendable {
    let logPath: String
    let headPath: String
    private let key: AuditTrailSigningKey
    private let tail: Mutex<(seq: Int, hash: String)>

    init(dataDirectory: URL, key: AuditTrailSigningKey) throws {
        logPath = dataDirectory.appendingPathComponent("audit.jsonl").path
        headPath = dataDirectory.appendingPathComponent("audit.head").path
        self.key = key
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o640])
        }
        let last = try Self.readLines(logPath).last.flatMap { try? AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data($0.utf8)) }
        tail = Mutex((last?.seq ?? 0, last?.hash ?? ""))
    }

    /// The signed head: the newest entry's sequence number and hash.
    struct Head: Codable, Equatable, Sendable {
        var seq: Int
        var hash: String
        var signature: String
        var publicKey: String
    }

    /// Appends an entry and returns it once it is on disk.
    @discardableResult
    func append(actor: String, action: String, programTime: Double? = nil, details: [String: String] = [:]) throws -> AuditTrailEntry {
        try tail.withLock { tail in
            let content = AuditTrailEntry.Content(
                seq: tail.seq + 1, time: Self.now(), actor: actor, action: action, programTime: programTime,
                details: details, prev: tail.hash)
            let hash = try Self.hash(content)
            let signature = try key.privateKey.signature(for: Data(hash.utf8)).base64EncodedString()
            let entry = AuditTrailEntry(
                seq: content.seq, time: content.time, actor: actor, action: action, programTime: programTime,
                details: details, prev: tail.hash, hash: hash, signature: signature)
            var line = try AuditTrailEntry.encoder.encode(entry)
            line.append(0x0a)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
            try writeHead(Head(seq: entry.seq, hash: hash, signature: try Self.signHead(seq: entry.seq, hash: hash, key: key), publicKey: key.publicKeyHex))
            tail = (entry.seq, hash)
            return entry
        }
    }

    /// The current head, as published at `GET /api/audit/head`.
    var head: Head {
        get throws {
            let (seq, hash) = tail.withLock { ($0.seq, $0.hash) }
            return Head(seq: seq, hash: hash, signature: try Self.signHead(seq: seq, hash: hash, key: key), publicKey: key.publicKeyHex)
        }
    }

    /// Every entry, oldest first.
    func entries() throws -> [AuditTrailEntry] {
        try Self.readLines(logPath).map { try AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data($0.utf8)) }
    }

    // MARK: - Shared with verification

    static func hash(_ content: AuditTrailEntry.Content) throws -> String {
        SHA256.hash(data: try AuditTrailEntry.encoder.encode(content)).map { String(format: "%02x", $0) }.joined()
    }

    static func headMessage(seq: Int, hash: String) -> Data { Data("audit-head:\(seq):\(hash)".utf8) }

    static func signHead(seq: Int, hash: String, key: AuditTrailSigningKey) throws -> String {
        try key.privateKey.signature(for: headMessage(seq: seq, hash: hash)).base64EncodedString()
    }

    static func readLines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    private func writeHead(_ head: Head) throws {
        let data = try AuditTrailEntry.encoder.encode(head)
        try data.write(to: URL(fileURLWithPath: headPath), options: .atomic)
    }

    private static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
