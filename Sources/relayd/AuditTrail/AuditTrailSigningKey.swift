import Crypto
import Foundation

/// The Ed25519 key that signs audit entries. It lives outside the data directory (by default
/// under ~/.config/relayd) so that someone who can edit the data directory cannot re-sign a
/// rewritten log.
struct AuditTrailSigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey
    /// The file it was loaded from; the audit witness lives beside it (nil: no witness).
    var path: String? = nil

    var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    /// Hex of the public key, to publish and witness elsewhere.
    var publicKeyHex: String { publicKey.rawRepresentation.map { String(format: "%02x", $0) }.joined() }

    /// The default key file.
    static var defaultPath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        return "\(home)/.config/relayd/audit-signing.key"
    }

    /// Loads the key, creating it (mode 0600) when the file does not exist yet.
    static func loadOrCreate(path: String) throws -> AuditTrailSigningKey {
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path) {
            let data = try Data(contentsOf: url)
            do {
                return AuditTrailSigningKey(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: data), path: path)
            } catch {
                throw AuditTrailError("audit signing key \(path) is not a 32-byte Ed25519 key")
            }
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let key = Curve25519.Signing.PrivateKey()
        guard FileManager.default.createFile(atPath: path, contents: key.rawRepresentation, attributes: [.posixPermissions: 0o600]) else {
            throw AuditTrailError("cannot create audit signing key \(path)")
        }
        return AuditTrailSigningKey(privateKey: key, path: path)
    }

    /// Loads an existing key; verifying must never create one.
    static func load(path: String) throws -> AuditTrailSigningKey {
        guard FileManager.default.fileExists(atPath: path) else { throw AuditTrailError("no audit signing key at \(path)") }
        return try loadOrCreate(path: path)
    }
}

/// An audit log problem, stated for the person reading it.
struct AuditTrailError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
