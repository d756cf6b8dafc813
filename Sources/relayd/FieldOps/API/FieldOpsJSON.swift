import FieldOps
import Foundation
import Hummingbird

/// JSON in and out of the FieldOps API. Responses use relayd's `JSONBody` (snake_case keys,
/// ISO 8601 dates) like every relayd endpoint; bodies are decoded here with errors that name
/// the field.
enum FieldOpsJSON {
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Request bodies above this are refused; the largest real body (a generator with its
    /// curve) is under 2 KiB.
    static let maximumBodyBytes = 256 * 1024

    /// A JSON response, in the same shape as the rest of relayd's API.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONBody.response(value, status: status)
    }

    /// Decodes the request body as `T`, turning decoding failures into 400 (not JSON at all)
    /// or 422 (a field missing or of the wrong type, named in snake_case).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await APIRequestBody.collect(request, upTo: maximumBodyBytes)
        let data = Data(buffer: buffer)
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw FieldOpsHTTPError(decoding: error)
        }
    }
}

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
        guard let id = Int64(text) else { throw FieldOpsHTTPError(.notFound, "\(entity) \(text) not found", detail: .none) }
        return id
    }
}
