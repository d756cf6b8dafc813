import Crypto
import Foundation

/// Checks an audit log against its signing key: that every line is the canonical encoding of
/// its entry, every entry's hash, signature, sequence number and link to the previous one, the
/// signed head in the data directory, and the witness beside the key (which catches a log rolled
/// back to an older signed head, or wiped). Reports the first problem found.
enum AuditTrailVerifier {
    /// The outcome: fine (with the number of entries), nothing to check, or the first problem.
    enum Outcome: Equatable {
        /// Every check passed, the witness included.
        case intact(entries: Int, head: String)
        /// Every check on the data directory passed, but there is no witness to compare with,
        /// so a rollback to an older signed head would not show.
        case unwitnessed(entries: Int, head: String)
        /// No entries, no head and no witness: a log that was never written.
        case empty
        case tampered(line: Int, problem: String)
    }

    static func verify(logPath: String, headPath: String, witnessPath: String?, publicKey: Curve25519.Signing.PublicKey) -> Outcome {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: logPath))
        } catch {
            return .tampered(line: 0, problem: "cannot read \(logPath): \(error.localizedDescription)")
        }
        var witness: AuditTrailWitness?
        if let witnessPath, let witnessData = FileManager.default.contents(atPath: witnessPath) {
            do {
                witness = try AuditTrailWitness.decode(witnessData, publicKey: publicKey)
            } catch {
                return .tampered(line: 0, problem: "the witness \(witnessPath) was altered: \(error)")
            }
        }
        let lines = data.split(separator: 0x0a, omittingEmptySubsequences: true)
        let torn = data.last.map { $0 != 0x0a } ?? false
        var previousHash = ""
        var expectedSeq = 1
        var witnessedHash: String?
        for (index, line) in lines.enumerated() {
            let number = index + 1
            if torn && number == lines.count {
                return .tampered(line: number, problem: "line \(number) is incomplete: a write was cut short (relayd sets it aside when it next starts)")
            }
            let entry: AuditTrailEntry
            switch AuditTrailEntry.canonical(Data(line)) {
            case .success(let decoded): entry = decoded
            case .failure(.unreadable):
                return .tampered(line: number, problem: "line \(number) is not a readable audit entry (altered)")
            case .failure(.notCanonical):
                return .tampered(line: number, problem: "line \(number) is not in canonical form: extra, repeated or reordered keys (altered)")
            }
            guard let hash = try? AuditTrail.hash(entry.content), hash == entry.hash else {
                return .tampered(line: number, problem: "entry \(entry.seq) (line \(number)) was altered: its content does not match its hash")
            }
            guard let signature = Data(base64Encoded: entry.signature),
                publicKey.isValidSignature(signature, for: Data(entry.hash.utf8))
            else {
                return .tampered(line: number, problem: "entry \(entry.seq) (line \(number)) is not signed by the audit key (log rewritten)")
            }
            if entry.seq > expectedSeq {
                let later = lines[(index + 1)...].contains { line in
                    (try? AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data(line)))?.seq == expectedSeq
                }
                if later {
                    return .tampered(line: number, problem: "entry \(entry.seq) (line \(number)) is out of order: entry \(expectedSeq) comes after it (reordered)")
                }
                return .tampered(line: number, problem: "entry \(expectedSeq) is missing before line \(number) (removed)")
            }
            if entry.seq < expectedSeq {
                return .tampered(line: number, problem: "entry \(entry.seq) (line \(number)) is out of order (reordered or duplicated)")
            }
            guard entry.prev == previousHash else {
                return .tampered(line: number, problem: "entry \(entry.seq) (line \(number)) does not follow the entry before it (removed or reordered)")
            }
            if entry.seq == witness?.seq { witnessedHash = entry.hash }
            previousHash = entry.hash
            expectedSeq += 1
        }
        let count = expectedSeq - 1
        guard let headData = FileManager.default.contents(atPath: headPath) else {
            if count > 0 { return .tampered(line: count, problem: "the signed head \(headPath) is missing") }
            if let witness, let witnessPath {
                return .tampered(line: 1, problem: "the log and its signed head are gone, but the witness \(witnessPath) names entry \(witness.seq) (wiped)")
            }
            return .empty
        }
        guard let head = try? AuditTrailEntry.decoder.decode(AuditTrail.Head.self, from: headData),
            let signature = Data(base64Encoded: head.signature),
            publicKey.isValidSignature(signature, for: AuditTrail.headMessage(seq: head.seq, hash: head.hash))
        else {
            return .tampered(line: count, problem: "the signed head was altered")
        }
        if head.seq > count {
            return .tampered(line: count + 1, problem: "entries \(count + 1) to \(head.seq) were removed from the end (the signed head names entry \(head.seq))")
        }
        if head.seq < count || head.hash != previousHash {
            return .tampered(line: head.seq, problem: "the last entries do not match the signed head (entry \(head.seq))")
        }
        guard let witness, let witnessPath else { return .unwitnessed(entries: count, head: previousHash) }
        if witness.seq > count {
            return .tampered(
                line: count + 1,
                problem: "entries \(count + 1) to \(witness.seq) were removed from the end: the witness \(witnessPath) names entry \(witness.seq) (rolled back to an older signed head)")
        }
        if witnessedHash != witness.hash {
            return .tampered(
                line: witness.seq,
                problem: "entry \(witness.seq) (line \(witness.seq)) does not match the witness \(witnessPath) (rolled back and rewritten)")
        }
        return .intact(entries: count, head: previousHash)
    }
}
