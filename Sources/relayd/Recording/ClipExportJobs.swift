import Foundation
import Logging
import Synchronization
import VideoRelay

/// Clip exports asked for over HTTP, each run as a job on its own thread (never on the request's
/// task or the Swift concurrency pool), at most `maximumRunning` at once. Clips and proofs go to
/// `<data-dir>/exports/<id>.mp4` and `<id>.proof.json`; each finished export is audited (who,
/// resource, range, digest) before the job shows as done. Progress changes are announced to
/// `onChange` listeners (the control room's event stream).
final class ClipExportJobs: Sendable {
    enum State: String, Codable, Sendable { case running, done, failed }

    /// A job as the API and the event stream show it.
    struct Job: Codable, Equatable, Sendable {
        var id: String
        var resource: String
        var from: String
        var to: String
        var by: String
        var state: State
        /// 0...1, in steps of about 1 %.
        var progress: Double
        var createdAt: String
        var actualFrom: String? = nil
        var actualTo: String? = nil
        var size: Int? = nil
        var sha256: String? = nil
        var error: String? = nil
    }

    /// Why a job was not started.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        case busy(running: Int)
        case export(ClipExporter.Failure)

        var description: String {
            switch self {
            case .busy(let running): "\(running) exports are running; try again when one has finished"
            case .export(let failure): failure.description
            }
        }
    }

    let exporter: ClipExporter
    /// `<data-dir>/exports`.
    let directory: URL
    let maximumRunning: Int
    private let auditTrail: AuditTrail?
    private let logger: Logger
    private let jobs = Mutex<[Job]>([])
    private let listeners = Mutex<[@Sendable () -> Void]>([])
    /// Finished jobs kept in memory for the API (their files stay on disk and are found there).
    static let keptJobs = 50

    init(exporter: ClipExporter, directory: URL, maximumRunning: Int = 2, auditTrail: AuditTrail?, logger: Logger) {
        self.exporter = exporter
        self.directory = directory
        self.maximumRunning = maximumRunning
        self.auditTrail = auditTrail
        self.logger = logger
    }

    /// Calls `listener` after every change of a job (from any thread).
    func onChange(_ listener: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    /// The jobs known since relayd started, newest first.
    var recent: [Job] { jobs.withLock { $0.reversed() } }

    /// A job by id: one known since relayd started, or a finished export found on disk.
    func job(_ id: String) -> Job? {
        guard Self.isJobID(id) else { return nil }
        if let job = jobs.withLock({ $0.first { $0.id == id } }) { return job }
        guard FileManager.default.fileExists(atPath: clipURL(id).path),
            let data = FileManager.default.contents(atPath: proofURL(id).path), let proof = try? ClipProof.decode(data)
        else { return nil }
        return Job(
            id: id, resource: proof.resource, from: proof.requested.from, to: proof.requested.to, by: "", state: .done, progress: 1,
            createdAt: proof.exportedAt, actualFrom: proof.actual.from, actualTo: proof.actual.to, size: proof.clip.size, sha256: proof.clip.sha256)
    }

    func clipURL(_ id: String) -> URL { directory.appendingPathComponent("\(id).mp4") }
    func proofURL(_ id: String) -> URL { ClipExporter.proofURL(for: clipURL(id)) }

    static func isJobID(_ id: String) -> Bool { id.utf8.count == 16 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }

    /// Plans the export (blocking: call it off the pool) and starts it on its own thread.
    func start(resource: String, from: Date, to: Date, by actor: String) throws(Refusal) -> Job {
        // Refused before the manifest is read when full; checked again when the job is entered.
        let running = jobs.withLock { $0.filter { $0.state == .running }.count }
        guard running < maximumRunning else { throw .busy(running: running) }
        let prepared: ClipExporter.Prepared
        do throws(ClipExporter.Failure) { prepared = try exporter.prepare(resource: resource, from: from, to: to) } catch { throw .export(error) }
        let id = String(format: "%016llx", UInt64.random(in: .min ... .max))
        let job = Job(
            id: id, resource: resource, from: RecordingManifest.timestamp(from), to: RecordingManifest.timestamp(to), by: actor, state: .running,
            progress: 0, createdAt: RecordingManifest.timestamp(Date()))
        let refusedWith = jobs.withLock { jobs -> Int? in
            let running = jobs.filter { $0.state == .running }.count
            guard running < maximumRunning else { return running }
            jobs.append(job)
            if jobs.count > Self.keptJobs, let index = jobs.firstIndex(where: { $0.state != .running }) { jobs.remove(at: index) }
            return nil
        }
        if let running = refusedWith { throw .busy(running: running) }
        changed()
        let thread = Thread { [self] in
            nameCurrentThread("clip-export")
            run(job, prepared)
        }
        thread.start()
        return job
    }

    private func run(_ job: Job, _ prepared: ClipExporter.Prepared) {
        let outcome: Result<ClipProof, ClipExporter.Failure>
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            outcome = .success(try exporter.export(prepared, to: clipURL(job.id)) { [self] share in
                update(job.id) { $0.progress = (share * 100).rounded(.down) / 100 }
            })
        } catch let failure as ClipExporter.Failure {
            outcome = .failure(failure)
        } catch {
            outcome = .failure(.failed("\(error)"))
        }
        Task { [self] in
            switch outcome {
            case .success(let proof):
                await audit(job.by, "recording.exported", [
                    "job": job.id, "resource": job.resource, "from": job.from, "to": job.to, "actual_from": proof.actual.from,
                    "actual_to": proof.actual.to, "segments": proof.segments.map(String.init).joined(separator: ","),
                    "sha256": proof.clip.sha256, "size": String(proof.clip.size),
                ])
                update(job.id) { job in
                    job.state = .done
                    job.progress = 1
                    job.actualFrom = proof.actual.from
                    job.actualTo = proof.actual.to
                    job.size = proof.clip.size
                    job.sha256 = proof.clip.sha256
                }
            case .failure(let failure):
                logger.error("clip export failed", metadata: ["recording.resource": "\(job.resource)", "recording.export": "\(job.id)", "error": "\(failure)"])
                await audit(job.by, "recording.export_failed", ["job": job.id, "resource": job.resource, "from": job.from, "to": job.to, "error": failure.description])
                update(job.id) { job in
                    job.state = .failed
                    job.error = failure.description
                }
            }
        }
    }

    /// The files in the exports directory with their modification times (none before the
    /// first export created it).
    func files() throws -> [ClipExportSweep.File] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.contentModificationDateKey, .isRegularFileKey])
            .compactMap { url in
                let values = try url.resourceValues(forKeys: [.contentModificationDateKey, .isRegularFileKey])
                guard values.isRegularFile == true, let modified = values.contentModificationDate else { return nil }
                return ClipExportSweep.File(name: url.lastPathComponent, modified: modified)
            }
    }

    /// Deletes expired exports' files and forgets their jobs (a running job is never expired:
    /// its partial clip is being written); returns each with the error that kept it, if any.
    func delete(_ expired: [ClipExportSweep.Expired]) -> [(ClipExportSweep.Expired, (any Error)?)] {
        let running = Set(jobs.withLock { $0.filter { $0.state == .running }.map(\.id) })
        let outcomes = expired.filter { !running.contains($0.id) }.map { export -> (ClipExportSweep.Expired, (any Error)?) in
            do {
                for file in export.files { try FileManager.default.removeItem(at: directory.appendingPathComponent(file)) }
                return (export, nil)
            } catch {
                return (export, error)
            }
        }
        let gone = Set(outcomes.filter { $0.1 == nil }.map(\.0.id))
        guard !gone.isEmpty else { return outcomes }
        jobs.withLock { $0.removeAll { gone.contains($0.id) } }
        changed()
        return outcomes
    }

    private func audit(_ actor: String, _ action: String, _ details: [String: String]) async {
        do {
            _ = try await auditTrail?.append(actor: actor, action: action, details: details)
        } catch {
            logger.error("cannot audit a clip export", metadata: ["recording.action": "\(action)", "error": "\(error)"])
        }
    }

    private func update(_ id: String, _ change: (inout Job) -> Void) {
        let changed = jobs.withLock { jobs -> Bool in
            guard let index = jobs.firstIndex(where: { $0.id == id }) else { return false }
            let before = jobs[index]
            change(&jobs[index])
            return jobs[index] != before
        }
        if changed { self.changed() }
    }

    private func changed() {
        for listener in listeners.withLock({ $0 }) { listener() }
    }
}
