import FieldOps
import Foundation
import Hummingbird

/// Query-string parameters, parsed with errors that name the parameter.
struct FieldOpsQuery {
    let request: Request

    /// A page from `limit` and `offset`.
    func page() throws -> Page {
        try Page(limit: integer("limit") ?? 50, offset: integer("offset") ?? 0)
    }

    /// An integer parameter, or nil when absent.
    func integer(_ name: String) throws -> Int? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text) else { throw FieldOpsError.invalid(field: name, message: "must be an integer") }
        return value
    }

    /// A text parameter, or nil when absent or empty.
    func text(_ name: String) -> String? {
        request.uri.queryParameters.get(name).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An ISO 8601 time parameter, or nil when absent.
    func date(_ name: String) throws -> Date? {
        guard let text = text(name) else { return nil }
        guard let date = ISO8601DateFormatter().date(from: text) else {
            throw FieldOpsError.invalid(field: name, message: "must be an ISO 8601 time such as 2026-01-15T06:00:00Z")
        }
        return date
    }

    /// A lifecycle state or enum parameter.
    func value<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = text(name) else { return nil }
        guard let value = T(rawValue: text) else { throw FieldOpsError.invalid(field: name, message: "unknown value \"\(text)\"") }
        return value
    }
}

extension RequestContext {
    /// The integer path parameter `name` (404 when it is not a number: no such record).
    func fieldOpsID(_ name: String = "id", entity: String) throws -> Int64 {
        let text = try parameters.require(name)
        guard let id = Int64(text) else { throw APIError(.notFound, "\(entity) \(text) not found") }
        return id
    }
}
