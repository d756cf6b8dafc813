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
            var entries = try audit.entries()
            if let actor = query["actor"].map(String.init) { entries = entries.filter { $0.actor == actor } }
            if let action = query["action"].map(String.init) { entries = entries.filter { $0.action == action || $0.action.hasPrefix(action + ".") } }
            if let since = query["since"].map(String.init) { entries = entries.filter { $0.time >= since } }
            if let until = query["until"].map(String.init) { entries = entries.filter { $0.time < until } }
            let limit = try Self.integer(query["limit"].map(String.init), name: "limit", default: 100, range: 1...1000)
            let offset = try Self.integer(query["offset"].map(String.init), name: "offset", default: 0, range: 0...Int.max)
            switch query["format"].map(String.init) ?? "json" {
            case "csv":
                return Response(
                    status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audit.csv\""],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: AuditTrailEntry.csv(entries))))
            case "json":
                let page = Array(entries.dropFirst(offset).prefix(limit))
                return try JSONBody.response(Page(total: entries.count, offset: offset, limit: limit, entries: page))
            case let other:
                throw APIError(.badRequest, "unknown format", detail: "\(other): use json or csv")
            }
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
