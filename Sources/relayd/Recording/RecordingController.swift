import Foundation
import Hummingbird

/// The recordings over HTTP: what is recorded per resource, and one resource's segments (with
/// their hashes) in a time range.
struct RecordingController<Context: RequestContext> {
    let catalog: RecordingCatalog

    struct Segments: Encodable {
        var resource: String
        var from: String?
        var to: String?
        var segments: [RecordingManifestEntry]
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/api/recordings") { _, _ in
            let catalog = self.catalog
            return try JSONBody.response(try await OffPool.run { catalog.overview() })
        }
        router.get("/api/recordings/{resource}") { request, context in
            let resource = try context.parameters.require("resource")
            let query = request.uri.queryParameters
            let from = try Self.time(query["from"].map(String.init), name: "from")
            let to = try Self.time(query["to"].map(String.init), name: "to")
            let catalog = self.catalog
            guard let entries = try await OffPool.run({ catalog.entries(of: resource) }) else {
                throw APIError(.notFound, "unknown recording", detail: resource)
            }
            let range = RecordingVerifier.Range(from: from?.date, to: to?.date)
            let selected = entries.filter { entry in
                guard let start = RecordingManifest.parseTimestamp(entry.start), let end = RecordingManifest.parseTimestamp(entry.end) else { return false }
                return range.overlaps(start: start, end: end)
            }
            return try JSONBody.response(Segments(resource: resource, from: from?.text, to: to?.text, segments: selected))
        }
    }

    private static func time(_ text: String?, name: String) throws -> (text: String, date: Date)? {
        guard let text else { return nil }
        guard let date = RecordingManifest.parseTimestamp(text) else {
            throw APIError(.badRequest, "bad \(name)", detail: "\(text): expected an ISO 8601 UTC time such as 2026-11-28T10:00:00Z")
        }
        return (text, date)
    }
}
