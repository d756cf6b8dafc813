import ArgumentParser
import Foundation

/// `relayd audit verify`: checks the audit log in a data directory against the signing key and
/// reports the first altered, removed or reordered entry.
struct AuditTrailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the tamper-evident audit log.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit log; exits non-zero and names the first altered, removed or reordered entry, a rollback or a wipe.")

        @Option(name: .customLong("data-dir"), help: "relayd's data directory.")
        var dataDir: String = "relayd-data"

        @Option(name: .customLong("audit-key"), help: "The Ed25519 signing key file (kept outside the data directory).")
        var auditKey: String = AuditTrailSigningKey.defaultPath

        @Option(name: .customLong("witness"), help: "The witness of the newest signed head (default: the one beside the key for this data directory).")
        var witness: String?

        func run() async throws {
            let key = try AuditTrailSigningKey.load(path: auditKey)
            let directory = URL(fileURLWithPath: dataDir, isDirectory: true)
            let witnessPath = witness ?? AuditTrailWitness.path(keyPath: auditKey, dataDirectory: directory)
            let outcome = AuditTrailVerifier.verify(
                logPath: directory.appendingPathComponent("audit.jsonl").path,
                headPath: directory.appendingPathComponent("audit.head").path,
                witnessPath: witnessPath,
                publicKey: key.publicKey)
            switch outcome {
            case .intact(let entries, let head):
                print("audit log intact: \(entries) entries, head \(head), matching the witness \(witnessPath)")
            case .unwitnessed(let entries, let head):
                print("audit log intact: \(entries) entries, head \(head)")
                print("warning: no witness at \(witnessPath): a rollback to an older signed head would not show")
            case .empty:
                print("audit log empty: nothing to verify (no entries, no signed head, no witness)")
            case .tampered(_, let problem):
                FileHandle.standardError.write(Data("audit log TAMPERED: \(problem)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
