import Crypto
import Foundation

/// The newest signed head of one data directory's audit log, kept beside the signing key,
/// outside the data directory. Whoever can edit the data directory can put an older log and an
/// older signed head back (both were genuinely signed once) or wipe both; they cannot make the
/// witness forget the newer entries, so `relayd audit verify` and relayd's start-up show it.
struct AuditTrailWitness: Codable, Equatable, Sendable {
    var seq: Int
    var hash: String
    var signature: String
    var publicKey: String
    /// The log this witnesses, for the person reading the file.
    var log: String

    init(head: AuditTrail.Head, logPath: String) {
        seq = head.seq
        hash = head.hash
        signature = head.signature
        publicKey = head.publicKey
        log = logPath
    }

    func encoded() throws -> Data { try AuditTrailEntry.encoder.encode(self) }

    /// Reads a witness and checks that the audit key signed it.
    static func decode(_ data: Data, publicKey: Curve25519.Signing.PublicKey) throws -> AuditTrailWitness {
        let witness = try AuditTrailEntry.decoder.decode(AuditTrailWitness.self, from: data)
        guard let signature = Data(base64Encoded: witness.signature),
            publicKey.isValidSignature(signature, for: AuditTrail.headMessage(seq: witness.seq, hash: witness.hash))
        else { throw AuditTrailError("its signature does not match the audit key") }
        return witness
    }

    /// `<key file>.witness-<16 hex digits>`: one witness per data directory, named after the
    /// directory's resolved absolute path, so one key may sign several relays' logs (a demo, a
    /// benchmark, the production data directory) without their witnesses mixing.
    static func path(keyPath: String, dataDirectory: URL) -> String {
        let resolved = dataDirectory.resolvingSymlinksInPath().standardizedFileURL.path
        let digest = SHA256.hash(data: Data(resolved.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return "\(keyPath).witness-\(digest)"
    }
}
