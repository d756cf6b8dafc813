import Crypto
import Foundation

/// A stored password: PBKDF2-HMAC-SHA256, written `pbkdf2-sha256$<iterations>$<salt>$<hash>`
/// (salt and hash in base64), the form `relayd hash-password` prints for the config.
struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
    var iterations: Int
    var salt: [UInt8]
    var hash: [UInt8]

    static let scheme = "pbkdf2-sha256"
    /// What `relayd hash-password` uses: OWASP's 2023 floor for PBKDF2-HMAC-SHA256 is 600 000,
    /// but every login pays it on two shared cores; 210 000 keeps a login well under a second.
    static let defaultIterations = 210_000
    /// Below this a stolen config falls to a laptop in minutes; tests may go lower on purpose.
    static let iterationRange = 1_000...10_000_000

    /// Hashes `password` with a fresh random 16-byte salt.
    init(password: String, iterations: Int = defaultIterations) {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        self.init(iterations: iterations, salt: salt, hash: Self.derive(Array(password.utf8), salt: salt, iterations: iterations))
    }

    init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    /// Parses the config form; nil with the reason when it is malformed.
    static func parse(_ text: String) -> Result<PasswordHash, FormatError> {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme else {
            return .failure(FormatError("must be \(scheme)$<iterations>$<salt base64>$<hash base64> (see relayd hash-password)"))
        }
        guard let iterations = Int(parts[1]), iterationRange.contains(iterations) else {
            return .failure(FormatError("iterations must be a whole number from \(iterationRange.lowerBound) to \(iterationRange.upperBound), got \"\(parts[1])\""))
        }
        guard let salt = Data(base64Encoded: String(parts[2])), salt.count >= 8 else {
            return .failure(FormatError("salt must be base64 of at least 8 bytes"))
        }
        guard let hash = Data(base64Encoded: String(parts[3])), hash.count == SHA256.byteCount else {
            return .failure(FormatError("hash must be base64 of \(SHA256.byteCount) bytes"))
        }
        return .success(PasswordHash(iterations: iterations, salt: Array(salt), hash: Array(hash)))
    }

    var description: String {
        "\(Self.scheme)$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `password` is this one, compared in constant time.
    func verify(_ password: String) -> Bool {
        constantTimeEqual(Self.derive(Array(password.utf8), salt: salt, iterations: iterations), hash)
    }

    /// PBKDF2 (RFC 8018) with HMAC-SHA256 and one output block: relayd's Crypto product has no
    /// PBKDF2 (it lives in `_CryptoExtras`), and one block is all a 32-byte hash needs.
    static func derive(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var block = HMAC<SHA256>.authenticationCode(for: salt + [0, 0, 0, 1], using: key)
        var result = Array(block)
        for _ in 1..<max(iterations, 1) {
            block = HMAC<SHA256>.authenticationCode(for: Array(block), using: key)
            block.withUnsafeBytes { bytes in
                for index in result.indices { result[index] ^= bytes[index] }
            }
        }
        return result
    }

    /// Why a stored hash does not parse.
    struct FormatError: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }
}

/// A stored bearer token: `sha256$<hex>`. Tokens are long random strings, so one unsalted
/// SHA-256 suffices; what matters is that the config never holds the token itself.
struct TokenHash: Sendable, Equatable, CustomStringConvertible {
    var digest: [UInt8]

    init(token: String) {
        digest = Array(SHA256.hash(data: Data(token.utf8)))
    }

    static func parse(_ text: String) -> Result<TokenHash, PasswordHash.FormatError> {
        let hex = text.hasPrefix("sha256$") ? text.dropFirst("sha256$".count) : ""
        guard hex.count == 64, let bytes = Self.bytes(hex) else {
            return .failure(.init("must be sha256$<64 hex digits> (see relayd hash-password --token)"))
        }
        return .success(TokenHash(digest: bytes))
    }

    private init(digest: [UInt8]) { self.digest = digest }

    private static func bytes(_ hex: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    var description: String { "sha256$" + digest.map { String(format: "%02x", $0) }.joined() }

    /// Whether `token` is this one, compared in constant time.
    func verify(_ token: String) -> Bool {
        constantTimeEqual(TokenHash(token: token).digest, digest)
    }
}

/// Compares without stopping at the first difference, so response time tells an attacker
/// nothing about how much of a guess was right.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
