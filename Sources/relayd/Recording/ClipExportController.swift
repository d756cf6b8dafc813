import Foundation
import Hummingbird

/// Clip exports over HTTP: operators start one (`POST /api/recordings/{resource}/exports`, a job
/// answered 202 at once); anyone who may watch lists jobs, follows one, and downloads its clip
/// and proof once it is done. Progress also reaches the control room's event stream.
struct ClipExportController<Context: AuthenticatedContext> {
    let jobs: ClipExportJobs

    struct ExportRequest: Decodable {
        var from: String
        var to: String
    }

    func addRoutes(to router: Router<Context>) {
        router.post("/api/recordings/{resource}/exports") { request, context in
            let resource = try context.parameters.require("resource")
            let body = try await APIRequestBody.decode(ExportRequest.self, from: request)
            let from = try Self.time(body.from, name: "from")
            let to = try Self.time(body.to, name: "to")
            let (jobs, actor) = (self.jobs, context.actorName(for: request))
            let outcome = try await OffPool.run { Result { () throws(ClipExportJobs.Refusal) -> ClipExportJobs.Job in try jobs.start(resource: resource, from: from, to: to, by: actor) } }
            switch outcome {
            case .success(let job):
                return try JSONBody.response(job, status: .accepted)
            case .failure(.busy(let running)):
                throw APIError(.tooManyRequests, "too many exports running", detail: "\(running) running, at most \(jobs.maximumRunning); try again when one has finished")
            case .failure(.export(.unknownResource)):
                throw APIError(.notFound, "unknown recording", detail: resource)
            case .failure(.export(.refused(let refusal))):
                throw APIError(.unprocessableContent, "cannot export this range", detail: refusal.description)
            case .failure(.export(.tampered(let problem))):
                throw APIError(.conflict, "the recording does not verify", detail: problem)
            case .failure(.export(.failed(let problem))):
                throw APIError(.internalServerError, "export failed", detail: problem)
            }
        }
        router.get("/api/recordings/exports") { _, _ in try JSONBody.response(jobs.recent) }
        router.get("/api/recordings/exports/{id}") { _, context in try JSONBody.response(try job(context)) }
        router.get("/api/recordings/exports/{id}/clip.mp4") { _, context in
            try await file(jobs.clipURL(try finished(context).id), type: "video/mp4", context: context)
        }
        router.get("/api/recordings/exports/{id}/proof.json") { _, context in
            try await file(jobs.proofURL(try finished(context).id), type: "application/json", context: context)
        }
    }

    private func job(_ context: Context) throws -> ClipExportJobs.Job {
        let id = try context.parameters.require("id")
        guard let job = jobs.job(id) else { throw APIError(.notFound, "unknown export", detail: id) }
        return job
    }

    private func finished(_ context: Context) throws -> ClipExportJobs.Job {
        let job = try job(context)
        guard job.state == .done else { throw APIError(.conflict, "export not finished", detail: "\(job.id) is \(job.state.rawValue)") }
        return job
    }

    private func file(_ url: URL, type: String, context: Context) async throws -> Response {
        let body = try await FileIO().loadFile(path: url.path, context: context)
        return Response(
            status: .ok,
            headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(url.lastPathComponent)\"", .cacheControl: "no-store"],
            body: body)
    }

    private static func time(_ text: String, name: String) throws -> Date {
        guard let date = RecordingManifest.parseTimestamp(text) else {
            throw APIError(.badRequest, "bad \(name)", detail: "\(text): expected an ISO 8601 UTC time such as 2026-11-28T10:00:00Z")
        }
        return date
    }
}
