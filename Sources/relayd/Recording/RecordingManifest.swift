import Crypto
import Foundation

/// One line of a resource's recording manifest (`recordings/<resource>/manifest.jsonl`): a
/// segment, its digest and where it lies in time, chained to the entry before it by hash, so a
/// segment altered, removed, reordered or cut short shows in `relayd recording verify`.
struct RecordingManifestEntry: Codable, Equatable, Sendable {
    /// 1 for the resource's first segment, then +1 each.
    var seq: Int
    /// What the entry records: `segment`, or `tombstone` (a segment deleted by retention: `file`,
    /// `size`, `sha256`, `start` and `end` are the deleted segment's).
    var kind: String
    var resource: String
    /// The segment's path under the resource's directory: `<UTC date>/<time>Z-<seq>.ts`.
    var file: String
    var size: Int
    /// Hex SHA-256 of the segment's bytes.
    var sha256: String
    /// Video PTS (90 kHz) of the segment's first and last video PES, in stream order.
    var firstPts: Int64?
    var lastPts: Int64?
    /// Wall-clock UTC (ISO 8601, milliseconds) when its first and its last bytes arrived.
    var start: String
    var end: String
    /// Hex SHA-256 of the previous entry ("" for the first).
    var prev: String
    /// Tombstones only: the deleted segment's `seq`, why it went (`age` or `size`) and when (UTC).
    /// Absent from segment entries (nil fields are not encoded).
    var deletes: Int? = nil
    var reason: String? = nil
    var deletedAt: String? = nil
    /// Hex SHA-256 of this entry's content (every field above, canonical JSON).
    var hash: String

    /// The hashed content: every field but `hash`.
    struct Content: Codable, Equatable {
        var seq: Int
        var kind: String
        var resource: String
        var file: String
        var size: Int
        var sha256: String
        var firstPts: Int64?
        var lastPts: Int64?
        var start: String
        var end: String
        var prev: String
        var deletes: Int? = nil
        var reason: String? = nil
        var deletedAt: String? = nil
    }

    init(content: Content) throws {
        seq = content.seq
        kind = content.kind
        resource = content.resource
        file = content.file
        size = content.size
        sha256 = content.sha256
        firstPts = content.firstPts
        lastPts = content.lastPts
        start = content.start
        end = content.end
        prev = content.prev
        deletes = content.deletes
        reason = content.reason
        deletedAt = content.deletedAt
        hash = try RecordingManifest.hash(content)
    }

    var content: Content {
        Content(
            seq: seq, kind: kind, resource: resource, file: file, size: size, sha256: sha256, firstPts: firstPts, lastPts: lastPts,
            start: start, end: end, prev: prev, deletes: deletes, reason: reason, deletedAt: deletedAt)
    }
}

/// The manifest's signed head (`recordings/<resource>/manifest.head`): the newest entry's
/// sequence number and hash, signed with the audit key after each segment ends.
struct RecordingManifestHead: Codable, Equatable, Sendable {
    var resource: String
    var seq: Int
    var hash: String
    /// Base64 Ed25519 signature of `RecordingManifest.headMessage`.
    var signature: String
    /// Hex of the public key that signed it.
    var publicKey: String
}

/// The manifest's shared rules: file names, canonical encoding, hashing and head signatures.
enum RecordingManifest {
    static let manifestName = "manifest.jsonl"
    static let headName = "manifest.head"
    static let segmentKind = "segment"
    static let tombstoneKind = "tombstone"

    /// The segment entries not (yet) deleted by a tombstone, oldest first.
    static func kept(_ entries: [RecordingManifestEntry]) -> [RecordingManifestEntry] {
        let deleted = Set(entries.lazy.filter { $0.kind == tombstoneKind }.compactMap(\.deletes))
        return entries.filter { $0.kind == segmentKind && !deleted.contains($0.seq) }
    }

    static func hash(_ content: RecordingManifestEntry.Content) throws -> String {
        hex(SHA256.hash(data: try AuditTrailEntry.encoder.encode(content)))
    }

    static func headMessage(resource: String, seq: Int, hash: String) -> Data {
        Data("recording-head:\(resource):\(seq):\(hash)".utf8)
    }

    static func signedHead(resource: String, seq: Int, hash: String, key: AuditTrailSigningKey) throws -> RecordingManifestHead {
        let signature = try key.privateKey.signature(for: headMessage(resource: resource, seq: seq, hash: hash))
        return RecordingManifestHead(resource: resource, seq: seq, hash: hash, signature: signature.base64EncodedString(), publicKey: key.publicKeyHex)
    }

    static func isSigned(_ head: RecordingManifestHead, by publicKey: Curve25519.Signing.PublicKey) -> Bool {
        guard let signature = Data(base64Encoded: head.signature) else { return false }
        return publicKey.isValidSignature(signature, for: headMessage(resource: head.resource, seq: head.seq, hash: head.hash))
    }

    /// Decodes one manifest line (without its newline), accepting it only when re-encoding gives
    /// exactly the same bytes (no extra keys, no second copy of a key, no other spacing).
    static func canonical(_ line: Data) -> RecordingManifestEntry? {
        guard let entry = try? AuditTrailEntry.decoder.decode(RecordingManifestEntry.self, from: line),
            let encoded = try? AuditTrailEntry.encoder.encode(entry), encoded == line
        else { return nil }
        return entry
    }

    /// `<UTC date>/<HHmmss.SSS>Z-<seq>.ts`: segments sort by time within a day's directory.
    static func segmentFile(seq: Int, start: Date) -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: start)
        let date = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let millisecond = Int((start.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        let time = String(format: "%02d%02d%02d.%03d", parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0, millisecond)
        return "\(date)/\(time)Z-\(String(format: "%06d", seq)).ts"
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Reads an ISO 8601 time, with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
