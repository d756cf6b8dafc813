import FieldOps
import Foundation

/// One line of the audit log: who did what, when, and where the program was. Each entry carries
/// the hash of the one before it (a chain: removing or reordering entries breaks it) and an
/// Ed25519 signature made with a key kept outside the data directory (so rewriting the chain
/// from the start is caught too).
struct AuditTrailEntry: Codable, Equatable, Sendable {
    /// 1 for the first entry, then +1 each.
    var seq: Int
    /// UTC, ISO 8601 with milliseconds.
    var time: String
    /// The operator, coordinator, or "relayd" for automatic actions.
    var actor: String
    /// What happened, e.g. "program.cut", "program.failover", "relayd.started".
    var action: String
    /// The program timestamp (seconds on the program timeline) where it applies.
    var programTime: Double?
    /// Details of the action (source ids, caption text, reasons).
    var details: [String: String]
    /// Hex SHA-256 of the previous entry ("" for the first).
    var prev: String
    /// Hex SHA-256 of this entry's signed content (everything above).
    var hash: String
    /// Base64 Ed25519 signature of `hash`.
    var signature: String

    /// The signed content: every field except `hash` and `signature`, as canonical JSON (sorted
    /// keys), so the same entry always hashes the same.
    struct Content: Codable, Equatable {
        var seq: Int
        var time: String
        var actor: String
        var action: String
        var programTime: Double?
        var details: [String: String]
        var prev: String
    }

    var content: Content {
        Content(seq: seq, time: time, actor: actor, action: action, programTime: programTime, details: details, prev: prev)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}

extension AuditTrailEntry {
    /// Why a line is not an entry as relayd writes it.
    enum LineProblem: Error, Equatable {
        /// Not JSON, or not an entry's fields.
        case unreadable
        /// Readable, but not byte for byte the canonical encoding of its fields: extra keys,
        /// a key given twice, other spacing or order. Every JSON reader may then show something
        /// other than what was signed (a second `actor` placed last wins in most of them).
        case notCanonical
    }

    /// Decodes one log line (without its newline) and accepts it only if re-encoding its fields
    /// gives exactly the same bytes.
    static func canonical(_ line: Data) -> Result<AuditTrailEntry, LineProblem> {
        guard let entry = try? decoder.decode(AuditTrailEntry.self, from: line) else { return .failure(.unreadable) }
        guard let encoded = try? encoder.encode(entry), encoded == line else { return .failure(.notCanonical) }
        return .success(entry)
    }

    /// Every entry (filters applied) as CSV: cells through `CSV.cell` (quoting, formulas
    /// neutralised), details as key=value pairs.
    static func csv(_ entries: [AuditTrailEntry]) -> String {
        CSV.row(csvHeader) + entries.map(\.csvRow).joined()
    }

    static let csvHeader = ["seq", "time", "actor", "action", "program_time", "details", "prev", "hash", "signature"]

    var csvRow: String {
        let details = details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return CSV.row([String(seq), time, actor, action, programTime.map { String($0) } ?? "", details, prev, hash, signature])
    }
}
