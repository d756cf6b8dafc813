import Crypto
import Foundation

/// What comes with an exported clip (`clip.proof.json`): the manifest entries it was cut from,
/// every entry after them up to the signed head that covers them (so the hash chain links up to
/// a signature), the head, the public key, the MP4's digest and the requested and actual range,
/// all signed with the audit key. Anyone can check it without the recordings
/// (`relayd recording verify-clip`); with them, that the segments are still the ones entered.
struct ClipProof: Codable, Equatable, Sendable {
    static let formatName = "relayd-clip-proof/1"

    var format: String
    var resource: String
    /// The range asked for, and the one the clip covers (from its first keyframe to its last
    /// video frame, mapped to wall-clock time through the segments' starts).
    var requested: TimeRange
    var actual: TimeRange
    var clip: Clip
    /// The `seq` of each segment the clip was cut from, in order.
    var segments: [Int]
    /// Manifest entries from the first segment used through the head, in order.
    var entries: [RecordingManifestEntry]
    var head: RecordingManifestHead
    /// Hex Ed25519 public key that signed the head and this proof.
    var publicKey: String
    /// UTC time of the export.
    var exportedAt: String
    /// Base64 Ed25519 signature of this proof with `signature` empty (canonical JSON).
    var signature: String

    struct TimeRange: Codable, Equatable, Sendable {
        var from: String
        var to: String
    }

    struct Clip: Codable, Equatable, Sendable {
        /// The file name the clip was written as (informational; the digest is what counts).
        var file: String
        var size: Int
        var sha256: String
    }

    /// The bytes the proof's signature covers.
    func signedMessage() throws -> Data {
        var unsigned = self
        unsigned.signature = ""
        return Data("relayd-clip-proof:".utf8) + (try AuditTrailEntry.encoder.encode(unsigned))
    }

    func signed(with key: AuditTrailSigningKey) throws -> ClipProof {
        var proof = self
        proof.publicKey = key.publicKeyHex
        proof.signature = try key.privateKey.signature(for: try proof.signedMessage()).base64EncodedString()
        return proof
    }

    /// Encoded as written to disk: canonical, one object.
    func encoded() throws -> Data { try AuditTrailEntry.encoder.encode(self) }

    static func decode(_ data: Data) throws -> ClipProof { try AuditTrailEntry.decoder.decode(ClipProof.self, from: data) }
}

/// Checks a clip against its proof. Pure: the caller hashes the clip (and, with the recordings
/// at hand, the segments) and passes what it found.
enum ClipProofChecker {
    /// What failed, in the words a reader of the result needs.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The MP4 is not the one the proof describes.
        case clipAltered(String)
        /// The proof's content was changed after it was signed, or does not hold together.
        case proofEdited(String)
        /// A signature does not verify, or was made with another key than the pinned one.
        case signatureInvalid(String)
        /// The recordings on disk do not match the proof.
        case segmentsDiffer(String)

        var description: String {
            switch self {
            case .clipAltered(let detail): "clip ALTERED: \(detail)"
            case .proofEdited(let detail): "proof EDITED: \(detail)"
            case .signatureInvalid(let detail): "signature INVALID: \(detail)"
            case .segmentsDiffer(let detail): "recordings DIFFER: \(detail)"
            }
        }
    }

    /// Checks the proof's signatures and hash chain, then the clip's size and digest. `pinned`:
    /// the public key the verifier expects (nil: the key the proof carries is taken as given).
    static func check(_ proof: ClipProof, clipSize: Int, clipSHA256: String, pinned: Curve25519.Signing.PublicKey?) throws(Failure) {
        guard proof.format == ClipProof.formatName else { throw .proofEdited("unknown format \"\(proof.format)\"") }
        guard let keyBytes = hexBytes(proof.publicKey), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes) else {
            throw .proofEdited("the public key \"\(proof.publicKey)\" is not a hex Ed25519 key")
        }
        if let pinned, pinned.rawRepresentation != key.rawRepresentation {
            throw .signatureInvalid("the proof is signed with key \(proof.publicKey), not the pinned audit key \(RecordingManifest.hex(pinned.rawRepresentation))")
        }
        guard proof.head.publicKey == proof.publicKey, proof.head.resource == proof.resource, RecordingManifest.isSigned(proof.head, by: key) else {
            throw .signatureInvalid("the manifest head (entry \(proof.head.seq)) is not signed by key \(proof.publicKey)")
        }
        try checkChain(proof)
        guard let signature = Data(base64Encoded: proof.signature), let message = try? proof.signedMessage(),
            key.isValidSignature(signature, for: message)
        else {
            throw .proofEdited("its signature does not match its content (range, clip digest or segment list changed)")
        }
        guard clipSize == proof.clip.size, clipSHA256 == proof.clip.sha256 else {
            throw .clipAltered("\(clipSize) bytes with SHA-256 \(clipSHA256); the proof says \(proof.clip.size) bytes with SHA-256 \(proof.clip.sha256)")
        }
    }

    /// The entries must follow one another by hash up to the signed head, name this resource,
    /// and include every segment listed as used (as segments, in order).
    private static func checkChain(_ proof: ClipProof) throws(Failure) {
        guard let first = proof.entries.first else { throw .proofEdited("it lists no manifest entries") }
        var previous: RecordingManifestEntry?
        for entry in proof.entries {
            if let previous {
                guard entry.seq == previous.seq &+ 1, entry.prev == previous.hash else {
                    throw .proofEdited("manifest entry \(entry.seq) does not follow entry \(previous.seq): entries were removed, reordered or changed")
                }
            }
            guard entry.resource == proof.resource else { throw .proofEdited("manifest entry \(entry.seq) names resource \"\(entry.resource)\"") }
            guard (try? RecordingManifest.hash(entry.content)) == entry.hash else {
                throw .proofEdited("manifest entry \(entry.seq) (\(entry.file)) does not match its hash: it was changed")
            }
            previous = entry
        }
        guard let last = proof.entries.last, last.seq == proof.head.seq, last.hash == proof.head.hash else {
            throw .proofEdited("the entries end at \(proof.entries.last?.seq ?? 0), not at the signed head (entry \(proof.head.seq))")
        }
        guard !proof.segments.isEmpty, proof.segments == proof.segments.sorted(), Set(proof.segments).count == proof.segments.count else {
            throw .proofEdited("its list of segments used is empty or out of order")
        }
        for seq in proof.segments {
            guard seq >= first.seq, seq <= last.seq, proof.entries[seq - first.seq].kind == RecordingManifest.segmentKind else {
                throw .proofEdited("segment \(seq) is listed as used but is not a segment entry of the proof")
            }
        }
    }

    /// With the recordings at hand: each segment used hashes on disk to its entry, and the
    /// manifest on disk holds the proof's entries. `digest` reads a segment file (nil: missing);
    /// `manifestEntry` returns the manifest's entry `seq` (nil: none).
    static func checkRecordings(
        _ proof: ClipProof, digest: (String) throws -> (size: Int, sha256: String)?, manifestEntry: (Int) -> RecordingManifestEntry?
    ) throws(Failure) {
        for entry in proof.entries {
            guard let onDisk = manifestEntry(entry.seq) else { throw .segmentsDiffer("the manifest of \(proof.resource) has no entry \(entry.seq)") }
            guard onDisk.hash == entry.hash else { throw .segmentsDiffer("manifest entry \(entry.seq) of \(proof.resource) differs from the proof's") }
        }
        for seq in proof.segments {
            guard let entry = proof.entries.first(where: { $0.seq == seq }) else {
                throw .proofEdited("segment \(seq) is listed as used but the proof holds no entry for it")
            }
            guard !entry.file.hasPrefix("/"), !entry.file.split(separator: "/").contains("..") else {
                throw .proofEdited("segment \(seq)'s file name leaves the resource's directory")
            }
            let found: (size: Int, sha256: String)?
            do { found = try digest(entry.file) } catch { throw .segmentsDiffer("segment \(seq) (\(entry.file)): \(error)") }
            guard let found else { throw .segmentsDiffer("segment \(seq) (\(entry.file)) is missing") }
            guard found.size == entry.size, found.sha256 == entry.sha256 else {
                throw .segmentsDiffer("segment \(seq) (\(entry.file)) is altered: \(found.size) bytes (manifest: \(entry.size)), SHA-256 differs")
            }
        }
    }

    static func hexBytes(_ text: String) -> Data? {
        let scalars = Array(text.utf8)
        let digits = Set("0123456789abcdefABCDEF".utf8)
        guard scalars.count % 2 == 0, scalars.allSatisfy(digits.contains) else { return nil }
        var bytes = Data(capacity: scalars.count / 2)
        for index in stride(from: 0, to: scalars.count, by: 2) {
            guard let byte = UInt8(String(decoding: scalars[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}
