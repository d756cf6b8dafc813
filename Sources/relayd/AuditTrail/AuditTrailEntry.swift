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
    /// Every entry (filters applied), RFC 4180 quoting, details as key=value pairs.
    static func csv(_ entries: [AuditTrailEntry]) -> String {
        func field(_ text: String) -> String {
            text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var lines = ["seq,time,actor,action,program_time,details,prev,hash,signature"]
        for e in entries {
            let details = e.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            lines.append([String(e.seq), e.time, e.actor, e.action, e.programTime.map { String($0) } ?? "", details, e.prev, e.hash, e.signature].map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
