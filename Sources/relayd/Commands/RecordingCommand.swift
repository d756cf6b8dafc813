import ArgumentParser
import Foundation

/// `relayd recording verify`: checks the recorded segments against their hash-chained manifests
/// and the heads signed with the audit key; `export` and `verify-clip` cut a clip with its proof
/// and check one.
struct RecordingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recording",
        abstract: "Check the evidence recordings, export clips with a proof and check them.",
        subcommands: [Verify.self, Export.self, VerifyClip.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify recordings; exits non-zero and names the first altered, missing, reordered or truncated segment, or a head that does not verify.")

        @Option(name: .customLong("data-dir"), help: "relayd's data directory.")
        var dataDir: String = "relayd-data"

        @Option(name: .customLong("audit-key"), help: "The Ed25519 signing key file (kept outside the data directory).")
        var auditKey: String = AuditTrailSigningKey.defaultPath

        @Option(name: .customLong("resource"), help: "Only this source id (or program).")
        var resource: String?

        @Option(name: .customLong("from"), help: "Only segments ending after this UTC time (ISO 8601, e.g. 2026-11-28T10:00:00Z).")
        var from: String?

        @Option(name: .customLong("to"), help: "Only segments starting before this UTC time (ISO 8601).")
        var to: String?

        func validate() throws {
            for (name, value) in [("--from", from), ("--to", to)] {
                if let value, RecordingManifest.parseTimestamp(value) == nil {
                    throw ValidationError("\(name) must be an ISO 8601 time such as 2026-11-28T10:00:00Z, got \"\(value)\"")
                }
            }
        }

        func run() async throws {
            let key = try AuditTrailSigningKey.load(path: auditKey)
            let recordings = URL(fileURLWithPath: dataDir, isDirectory: true).appendingPathComponent("recordings", isDirectory: true)
            let range = RecordingVerifier.Range(from: from.flatMap(RecordingManifest.parseTimestamp), to: to.flatMap(RecordingManifest.parseTimestamp))
            let resource = self.resource
            let outcome = try await OffPool.run {
                RecordingVerifier.verify(recordings: recordings, publicKey: key.publicKey, resource: resource, range: range)
            }
            switch outcome {
            case .intact(let summary):
                let hours = String(format: "%.3f", summary.seconds / 3600)
                print("recordings intact: \(summary.resources) resources, \(summary.segments) segments, \(hours) hours, \(summary.bytes) bytes")
                for deletion in summary.deletions {
                    print("deleted by retention (\(deletion.reason.rawValue)) at \(deletion.deletedAt): \(deletion.resource) segment \(deletion.seq) (\(deletion.file))")
                }
            case .tampered(let problem):
                FileHandle.standardError.write(Data("recordings TAMPERED: \(problem)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
