import ArgumentParser
import Crypto
import Foundation

extension RecordingCommand {
    /// `relayd recording export`: a clip of one resource, remuxed to MP4, with its proof.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a clip (MP4, remuxed, not re-encoded) from the keyframe at or before --from to --to, with a signed proof beside it.")

        @Option(name: .customLong("data-dir"), help: "relayd's data directory.")
        var dataDir: String = "relayd-data"

        @Option(name: .customLong("audit-key"), help: "The Ed25519 signing key file that signed the recordings.")
        var auditKey: String = AuditTrailSigningKey.defaultPath

        @Option(name: .customLong("resource"), help: "The source id (or program).")
        var resource: String

        @Option(name: .customLong("from"), help: "Start, UTC ISO 8601 (e.g. 2026-11-28T10:00:00Z).")
        var from: String

        @Option(name: .customLong("to"), help: "End, UTC ISO 8601.")
        var to: String

        @Option(name: .customLong("out"), help: "The MP4 file to write; the proof goes beside it as <name>.proof.json.")
        var out: String

        @Flag(name: .customLong("force"), help: "Replace --out and its proof if they exist.")
        var force = false

        func validate() throws {
            for (name, value) in [("--from", from), ("--to", to)] where RecordingManifest.parseTimestamp(value) == nil {
                throw ValidationError("\(name) must be an ISO 8601 time such as 2026-11-28T10:00:00Z, got \"\(value)\"")
            }
        }

        func run() async throws {
            let outURL = URL(fileURLWithPath: out)
            let proofURL = ClipExporter.proofURL(for: outURL)
            if !force {
                for existing in [outURL, proofURL] where FileManager.default.fileExists(atPath: existing.path) {
                    throw ValidationError("\(existing.path) exists; pass --force to replace it")
                }
            }
            let key = try AuditTrailSigningKey.load(path: auditKey)
            let exporter = ClipExporter(recordings: URL(fileURLWithPath: dataDir, isDirectory: true).appendingPathComponent("recordings", isDirectory: true), key: key)
            let (resource, from, to) = (self.resource, RecordingManifest.parseTimestamp(from) ?? Date(), RecordingManifest.parseTimestamp(to) ?? Date())
            let outcome: Result<ClipProof, ClipExporter.Failure> = try await OffPool.run {
                Result { () throws(ClipExporter.Failure) -> ClipProof in
                    try exporter.export(try exporter.prepare(resource: resource, from: from, to: to), to: outURL)
                }
            }
            switch outcome {
            case .success(let proof):
                print("exported \(proof.resource) \(proof.actual.from) to \(proof.actual.to) (requested \(proof.requested.from) to \(proof.requested.to))")
                print("clip: \(outURL.path) (\(proof.clip.size) bytes, SHA-256 \(proof.clip.sha256)) from segments \(proof.segments.map(String.init).joined(separator: ", "))")
                print("proof: \(proofURL.path)")
            case .failure(let failure):
                FileHandle.standardError.write(Data("export of \(resource) refused: \(failure)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    /// `relayd recording verify-clip`: checks a clip against its proof, and with `--data-dir`
    /// against the recordings too.
    struct VerifyClip: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-clip",
            abstract: "Check an exported clip against its proof; exits 1 naming what fails (clip altered, proof edited, signature invalid).")

        @Argument(help: "The exported MP4.")
        var clip: String

        @Argument(help: "Its proof (clip.proof.json).")
        var proof: String

        @Option(name: .customLong("data-dir"), help: "Also check the segments the clip was cut from in this data directory.")
        var dataDir: String?

        @Option(name: .customLong("audit-key"), help: "Pin the expected key: the relay's signing key file, or its public key in hex.")
        var auditKey: String?

        func run() async throws {
            let pinned = try auditKey.map(Self.publicKey(from:))
            let (clip, proofPath, dataDir) = (self.clip, self.proof, self.dataDir)
            let outcome: Result<ClipProof, ClipProofChecker.Failure> = try await OffPool.run {
                guard let data = FileManager.default.contents(atPath: proofPath) else {
                    return .failure(.proofEdited("cannot read \(proofPath)"))
                }
                guard let proof = try? ClipProof.decode(data) else { return .failure(.proofEdited("\(proofPath) is not a clip proof")) }
                guard let digest = try RecordingVerifier.digest(of: clip) else { return .failure(.clipAltered("\(clip) does not exist")) }
                return Result { () throws(ClipProofChecker.Failure) -> ClipProof in
                    try ClipProofChecker.check(proof, clipSize: digest.size, clipSHA256: digest.sha256, pinned: pinned)
                    if let dataDir {
                        let directory = URL(fileURLWithPath: dataDir, isDirectory: true).appendingPathComponent("recordings/\(proof.resource)", isDirectory: true)
                        let manifest = (FileManager.default.contents(atPath: directory.appendingPathComponent(RecordingManifest.manifestName).path) ?? Data())
                            .split(separator: 0x0a).map { RecordingManifest.canonical(Data($0)) }
                        try ClipProofChecker.checkRecordings(
                            proof, digest: { try RecordingVerifier.digest(of: directory.appendingPathComponent($0).path) },
                            manifestEntry: { seq in seq >= 1 && seq <= manifest.count ? manifest[seq - 1] : nil })
                    }
                    return proof
                }
            }
            switch outcome {
            case .success(let proof):
                print("clip intact: \(proof.resource) \(proof.actual.from) to \(proof.actual.to) (requested \(proof.requested.from) to \(proof.requested.to))")
                print("cut from segments \(proof.segments.map(String.init).joined(separator: ", ")); chain to signed head \(proof.head.seq) verifies")
                if pinned != nil {
                    print("key pinned: signed by the expected audit key \(proof.publicKey)")
                } else {
                    print("key NOT pinned: signed by \(proof.publicKey), the key the proof carries; pass --audit-key to pin the expected key")
                }
                print(dataDir.map { "recordings checked: every segment used in \($0) matches its entry" } ?? "recordings not checked (no --data-dir)")
            case .failure(let failure):
                FileHandle.standardError.write(Data("\(failure)\n".utf8))
                throw ExitCode(1)
            }
        }

        /// A relayd signing key file (32 raw bytes) or a public key in hex (64 characters).
        static func publicKey(from path: String) throws -> Curve25519.Signing.PublicKey {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --audit-key \(path)") }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.count == 64, let bytes = ClipProofChecker.hexBytes(text), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) {
                return key
            }
            if data.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data) { return key.publicKey }
            throw ValidationError("--audit-key \(path) is neither a relayd signing key file nor a hex Ed25519 public key")
        }
    }
}
