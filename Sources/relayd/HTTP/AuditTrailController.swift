import Foundation
import Hummingbird

/// The audit log over HTTP: pages with filters, CSV or JSON export, and the signed head to
/// witness elsewhere.
struct AuditTrailController<Context: RequestContext> {
    let audit: AuditTrail

    func addRoutes(to router: Router<Context>) {
        router.get("/api/audit/head") { _, _ in try JSONBody.response(try audit.head) }
        router.get("/api/audit") { request, _ in
            let query = request.uri.queryParameters
            let actor = query["actor"].map(String.init)
            let action = query["action"].map(String.init)
            let since = query["since"].map(String.init)
            let until = query["until"].map(String.init)
            let limit = try Self.integer(query["limit"].map(String.init), name: "limit", default: 100, range: 1...1000)
            let offset = try Self.integer(query["offset"].map(String.init), name: "offset", default: 0, range: 0...Int.max)
            let newestFirst: Bool
            switch query["order"].map(String.init) ?? "oldest" {
            case "oldest": newestFirst = false
            case "newest": newestFirst = true
            case let other: throw APIError(.badRequest, "unknown order", detail: "\(other): use oldest or newest")
            }
            let format = query["format"].map(String.init) ?? "json"
            guard format == "json" || format == "csv" else { throw APIError(.badRequest, "unknown format", detail: "\(format): use json or csv") }
            let filtered = actor != nil || action != nil || since != nil || until != nil
            if format == "json" && !filtered {
                // The index says where each line starts: only the page's lines are read.
                let (total, entries) = try audit.page(offset: offset, limit: limit, newestFirst: newestFirst)
                return try JSONBody.response(Page(total: total, offset: offset, limit: limit, entries: entries))
            }
            // Filters and exports read every entry: off the concurrency pool.
            let matching = try await OffPool.run { [audit] in
                var matching: [AuditTrailEntry] = []
                try audit.forEachEntry { entry in
                    if let actor, entry.actor != actor { return }
                    if let action, entry.action != action && !entry.action.hasPrefix(action + ".") { return }
                    if let since, entry.time < since { return }
                    if let until, entry.time >= until { return }
                    matching.append(entry)
                }
                return matching
            }
            if format == "csv" {
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audit.csv\""],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: AuditTrailEntry.csv(matching))))
            }
            let ordered = newestFirst ? Array(matching.reversed()) : matching
            let page = Array(ordered.dropFirst(offset).prefix(limit))
            return try JSONBody.response(Page(total: matching.count, offset: offset, limit: limit, entries: page))
        }
    }

    struct Page: Encodable {
        var total: Int
        var offset: Int
        var limit: Int
        var entries: [AuditTrailEntry]
    }

    private static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(.badRequest, "bad \(name)", detail: "\(text): expected a whole number from \(range.lowerBound)")
        }
        return number
    }
}
