import Crypto
import Foundation

/// Checks an audit log against its signing key: every entry's hash, signature, sequence number
/// and link to the previous one, and the signed head. Reports the first problem found.
enum AuditTrailVerifier {
    /// The outcome: fine (with the number of entries), or the first problem.
    enum Outcome: Equatable {
        case intact(entries: Int, head: String)
        case tampered(line: Int, problem: String)
    }

    static func verify(logPath: String, headPath: String, publicKey: Curve25519.Signing.PublicKey) -> Outcome {
        let lines: [String]
        do {
            lines = try AuditTrail.readLines(logPath)
        } catch {
            return .tampered(line: 0, problem: "cannot read \(logPath): \(error.localizedDescription)")
        }
        var previousHash = ""
        var expectedSeq = 1
        for (index, line) in lines.enumerated() {
            let number = index + 1
            guard let entry = try? AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data(line.utf8)) else {
                return .tampered(line: number, problem: "line \(number) is not a readable audit entry (altered)")
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
                    (try? AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data(line.utf8)))?.seq == expectedSeq
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
            previousHash = entry.hash
            expectedSeq += 1
        }
        let count = expectedSeq - 1
        guard let headData = FileManager.default.contents(atPath: headPath) else {
            return count == 0 ? .intact(entries: 0, head: "") : .tampered(line: count, problem: "the signed head \(headPath) is missing")
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
        return .intact(entries: count, head: previousHash)
    }
}
