import Crypto
import Foundation
import VideoRelay

/// Exports a clip of one resource's recording: plans it from the manifest (`ClipPlan`), checks
/// every segment used against its entry, remuxes them into an MP4 (`ClipRemuxer`, no
/// re-encoding), and writes the signed proof beside it (`ClipProof`). Blocking: run it on its
/// own thread (the CLI's, or an export job's).
struct ClipExporter: Sendable {
    /// `<data-dir>/recordings`.
    let recordings: URL
    /// Signs the proof; must be the key that signed the manifest heads.
    let key: AuditTrailSigningKey
    /// The longest range exported at once (nil: any).
    var maximum: Duration? = nil

    /// Why an export did not happen.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownResource(String)
        case refused(ClipPlan.Refusal)
        /// The recording does not match its manifest or signed head: nothing is exported.
        case tampered(String)
        case failed(String)

        var description: String {
            switch self {
            case .unknownResource(let resource): "no recordings of \"\(resource)\""
            case .refused(let refusal): refusal.description
            case .tampered(let problem): "refused: \(problem)"
            case .failed(let problem): "export failed: \(problem)"
            }
        }
    }

    /// A planned export, with the manifest state it was planned against.
    struct Prepared: Sendable {
        var plan: ClipPlan
        /// The manifest's entries up to the head, oldest first.
        var entries: [RecordingManifestEntry]
        var head: RecordingManifestHead
    }

    /// Reads the resource's signed head and manifest and plans the clip.
    func prepare(resource: String, from: Date, to: Date) throws(Failure) -> Prepared {
        let directory = recordings.appendingPathComponent(resource, isDirectory: true)
        guard RecordingCatalog.isResourceName(resource), FileManager.default.fileExists(atPath: directory.path) else {
            throw .unknownResource(resource)
        }
        // The head first: it is replaced only after its entry is in the manifest.
        guard let headData = FileManager.default.contents(atPath: directory.appendingPathComponent(RecordingManifest.headName).path),
            let head = try? AuditTrailEntry.decoder.decode(RecordingManifestHead.self, from: headData)
        else { throw .refused(.noRecording(resource: resource, from: RecordingManifest.timestamp(from), to: RecordingManifest.timestamp(to))) }
        guard head.resource == resource, RecordingManifest.isSigned(head, by: key.publicKey) else {
            throw .tampered("the signed head of \(resource) does not verify with the audit key; run `relayd recording verify`")
        }
        let data = FileManager.default.contents(atPath: directory.appendingPathComponent(RecordingManifest.manifestName).path) ?? Data()
        let lines = data.split(separator: 0x0a).prefix(head.seq)
        var entries: [RecordingManifestEntry] = []
        for line in lines {
            guard let entry = RecordingManifest.canonical(Data(line)), entry.seq == entries.count + 1, entry.prev == (entries.last?.hash ?? ""),
                (try? RecordingManifest.hash(entry.content)) == entry.hash
            else { throw .tampered("manifest entry \(entries.count + 1) of \(resource) is altered; run `relayd recording verify`") }
            entries.append(entry)
        }
        guard entries.count == head.seq, entries.last?.hash == head.hash else {
            throw .tampered("the manifest of \(resource) does not match its signed head; run `relayd recording verify`")
        }
        do throws(ClipPlan.Refusal) {
            let plan = try ClipPlan.plan(resource: resource, kept: RecordingManifest.kept(entries), from: from, to: to, maximum: maximum)
            return Prepared(plan: plan, entries: entries, head: head)
        } catch {
            throw .refused(error)
        }
    }

    /// Where the proof of `clip` goes: `clip.mp4` → `clip.proof.json`.
    static func proofURL(for clip: URL) -> URL {
        let base = clip.pathExtension.lowercased() == "mp4" ? clip.deletingPathExtension() : clip
        return base.deletingLastPathComponent().appendingPathComponent(base.lastPathComponent + ".proof.json")
    }

    /// Writes the clip to `out` and its proof beside it (replacing files there); returns the proof.
    func export(_ prepared: Prepared, to out: URL, progress: @escaping (Double) -> Void = { _ in }) throws(Failure) -> ClipProof {
        let plan = prepared.plan
        let directory = recordings.appendingPathComponent(plan.resource, isDirectory: true)
        let paths = plan.segments.map { directory.appendingPathComponent($0.file).path }
        // Before anything is written: every segment used is the one its entry describes.
        for (entry, path) in zip(plan.segments, paths) {
            try Self.check(entry, found: try? RecordingVerifier.digest(of: path), resource: plan.resource)
        }
        let partial = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).\(UUID().uuidString).partial")
        defer { try? FileManager.default.removeItem(at: partial) }
        var hashers = Array(repeating: SHA256(), count: paths.count)
        var sizes = Array(repeating: 0, count: paths.count)
        let result: ClipRemuxer.Result
        do {
            result = try ClipRemuxer.remux(
                ClipRemuxer.Request(segments: paths, startOffset: plan.startOffset, endOffset: plan.endOffset, output: partial.path),
                observe: { index, bytes in
                    hashers[index].update(bufferPointer: bytes)
                    sizes[index] += bytes.count
                },
                progress: { progress(min($0, 0.99)) })
        } catch {
            throw .failed("\(error)")
        }
        // And what was remuxed is what was checked: a segment changed meanwhile refuses the clip.
        for (index, entry) in plan.segments.enumerated() {
            try Self.check(entry, found: (sizes[index], RecordingManifest.hex(hashers[index].finalize())), resource: plan.resource)
        }
        do {
            guard let clip = try RecordingVerifier.digest(of: partial.path) else { throw Failure.failed("the clip \(partial.path) vanished") }
            let first = plan.segments[0].seq
            let proof = try ClipProof(
                format: ClipProof.formatName, resource: plan.resource,
                requested: .init(from: RecordingManifest.timestamp(plan.from), to: RecordingManifest.timestamp(plan.to)),
                actual: .init(
                    from: RecordingManifest.timestamp(plan.date(ofOffset: result.startOffset)),
                    to: RecordingManifest.timestamp(plan.date(ofOffset: result.endOffset))),
                clip: .init(file: out.lastPathComponent, size: clip.size, sha256: clip.sha256),
                segments: plan.segments.map(\.seq), entries: Array(prepared.entries[(first - 1)...]), head: prepared.head,
                publicKey: "", exportedAt: RecordingManifest.timestamp(Date()), signature: ""
            ).signed(with: key)
            // The proof must stand on its own before it leaves.
            try ClipProofChecker.check(proof, clipSize: clip.size, clipSHA256: clip.sha256, pinned: key.publicKey)
            try DurableFile.replace(Self.proofURL(for: out).path, with: try proof.encoded(), durable: true)
            guard rename(partial.path, out.path) == 0 else { throw DurableFile.failure("rename", out.path) }
            progress(1)
            return proof
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .failed("\(error)")
        }
    }

    private static func check(_ entry: RecordingManifestEntry, found: (size: Int, sha256: String)?, resource: String) throws(Failure) {
        let name = "\(resource) segment \(entry.seq) (\(entry.file))"
        guard !entry.file.hasPrefix("/"), !entry.file.split(separator: "/").contains("..") else {
            throw .tampered("\(name): its file name leaves the resource's directory")
        }
        guard let found else { throw .tampered("\(name) is missing") }
        guard found.size == entry.size, found.sha256 == entry.sha256 else {
            throw .tampered("\(name) does not match its manifest entry: \(found.size) bytes (manifest: \(entry.size)), SHA-256 differs")
        }
    }
}
