import Foundation
import Logging
import ServiceLifecycle

/// Which exports under `<data-dir>/exports` are old enough to go (`recording.exports_keep_h`).
/// Pure: the sweeper hands it the directory's file names and modification times.
///
/// An export is its clip, its proof and, after a crash mid-export, a hidden partial clip; all
/// are named after the job id. They go together, once the newest of them is older than the
/// limit, so a clip never loses its proof. Files not named after a job are left alone.
struct ClipExportSweep: Equatable, Sendable {
    /// A file in the exports directory.
    struct File: Equatable, Sendable {
        var name: String
        var modified: Date
    }

    /// One export to delete: its job id, its files, and how old its newest file is.
    struct Expired: Equatable, Sendable {
        var id: String
        var files: [String]
        var age: Duration
    }

    var kept: Duration

    /// The job id a file belongs to (`<id>.mp4`, `<id>.proof.json`, `.<id>.mp4.<uuid>.partial`).
    static func jobID(of name: String) -> String? {
        let bare = name.hasPrefix(".") ? String(name.dropFirst()) : name
        let id = String(bare.prefix(16))
        guard ClipExportJobs.isJobID(id), bare.dropFirst(16).hasPrefix(".") else { return nil }
        return id
    }

    /// The exports older than `kept` at `now`, oldest first.
    func expired(_ files: [File], now: Date) -> [Expired] {
        let groups = Dictionary(grouping: files.compactMap { file in Self.jobID(of: file.name).map { (id: $0, file: file) } }, by: \.id)
        return groups.compactMap { id, members -> Expired? in
            let newest = members.map(\.file.modified).max() ?? now
            let age = now.timeIntervalSince(newest)
            guard age >= Double(kept.components.seconds) else { return nil }
            return Expired(id: id, files: members.map(\.file.name).sorted(), age: .seconds(age))
        }.sorted { ($0.age, $1.id) > ($1.age, $0.id) }
    }
}

/// Deletes old exports every `interval` (relayd also calls `sweepOnce` at start, before it
/// serves), each deletion audited (`recording.export_deleted`) and its job dropped from the list
/// the API and the page show.
struct ClipExportSweeper: Service {
    let jobs: ClipExportJobs
    let sweep: ClipExportSweep
    var interval: Duration = .seconds(600)
    let auditTrail: AuditTrail?
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if !Task.isCancelled { await sweepOnce() }
            }
        }
    }

    /// One pass: lists the directory off the concurrency pool, deletes what expired, audits it.
    func sweepOnce(now: Date = Date()) async {
        let (jobs, sweep) = (self.jobs, self.sweep)
        let deleted: [(ClipExportSweep.Expired, (any Error)?)]
        do {
            deleted = try await OffPool.run { jobs.delete(sweep.expired(try jobs.files(), now: now)) }
        } catch {
            logger.error("cannot list the clip exports", metadata: ["recording.exports": "\(jobs.directory.path)", "error": "\(error)"])
            return
        }
        for (export, problem) in deleted {
            if let problem {
                logger.error("cannot delete an old clip export", metadata: ["recording.export": "\(export.id)", "error": "\(problem)"])
                continue
            }
            logger.info("old clip export deleted", metadata: ["recording.export": "\(export.id)"])
            do {
                _ = try await auditTrail?.append(actor: "relayd", action: "recording.export_deleted", details: [
                    "job": export.id, "files": export.files.joined(separator: ","), "age_h": String(format: "%.1f", Double(export.age.components.seconds) / 3600),
                    "reason": "older than recording.exports_keep_h (\(sweep.kept.components.seconds / 3600) h)",
                ])
            } catch {
                logger.error("cannot audit a clip export deletion", metadata: ["recording.export": "\(export.id)", "error": "\(error)"])
            }
        }
    }
}
