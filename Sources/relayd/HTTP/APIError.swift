import FieldOps
import Foundation
import Hummingbird

/// An error as every route of the HTTP API reports it, with a fitting status:
///
///     {"error": "<what went wrong, for the operator>", "detail": null | "<text>" | {...}}
///
/// Both fields are always present. `detail` is null, a sentence, or an object whose fields let
/// a client act without parsing the message (the field to correct, the version it holds, the
/// moves a record allows). Routes throw it, or a domain error, and `APIErrorMiddleware` turns
/// whatever was thrown into this body: the mapping from domain errors to HTTP lives here, in
/// relayd, not in the libraries.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    /// Sent as `error`.
    var message: String
    var detail: Detail?
    /// Sent with the body (e.g. `Retry-After`).
    var headers: HTTPFields = [:]

    /// Structured detail, so clients can act without parsing the message.
    enum Detail: Encodable, Equatable {
        case text(String)
        /// A field of the request (body or query) that was missing or wrong: "curve[2]",
        /// "access_modes[0].lead_hours", as the client wrote it.
        case field(field: String, message: String)
        /// A record that does not exist.
        case record(entity: String, id: Int64)
        /// An edit made against a version that is no longer current.
        case version(entity: String, id: Int64, expectedVersion: Int, currentVersion: Int)
        /// A lifecycle move the record does not allow from where it is.
        case transition(current: String, requested: String, allowed: [String], because: String?)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .text(let text):
                var container = encoder.singleValueContainer()
                try container.encode(text)
            case .field(let field, let message):
                try FieldDetail(field: field, message: message).encode(to: encoder)
            case .record(let entity, let id):
                try RecordDetail(entity: entity, id: id).encode(to: encoder)
            case .version(let entity, let id, let expected, let current):
                try VersionDetail(entity: entity, id: id, expectedVersion: expected, currentVersion: current).encode(to: encoder)
            case .transition(let current, let requested, let allowed, let because):
                try TransitionDetail(current: current, requested: requested, allowed: allowed, because: because).encode(to: encoder)
            }
        }

        private struct FieldDetail: Encodable { var field: String; var message: String }
        private struct RecordDetail: Encodable { var entity: String; var id: Int64 }
        private struct VersionDetail: Encodable { var entity: String; var id: Int64; var expectedVersion: Int; var currentVersion: Int }
        private struct TransitionDetail: Encodable { var current: String; var requested: String; var allowed: [String]; var because: String? }
    }

    init(_ status: HTTPResponse.Status, _ message: String, detail: Detail? = nil) {
        self.status = status
        self.message = message
        self.detail = detail
    }

    /// An error whose detail is a sentence (or nothing).
    init(_ status: HTTPResponse.Status, _ message: String, detail: String?) {
        self.init(status, message, detail: detail.map(Detail.text))
    }

    /// What a route's error means to the client: API errors as they are, domain errors mapped
    /// (missing record 404, bad field 422, stale version and impossible transition 409, database
    /// unreachable 503), a body
    /// that did not decode 400 or 422, Hummingbird's own errors (no such route) in this shape,
    /// anything else 500 without internals. `request` names the route in Hummingbird's errors.
    init(mapping error: any Error, request: Request? = nil) {
        switch error {
        case let error as APIError:
            self = error
        case let error as FieldOpsError:
            self.init(error)
        case let error as FieldOpsUnavailable:
            // The shared database is restarting or unreachable: nothing was written, retry.
            self.init(.serviceUnavailable, error.description, detail: Optional<String>.none)
            headers[.retryAfter] = "1"
        case let error as DecodingError:
            self.init(decoding: error)
        case let error as any HTTPResponseError:
            let message = error.status == .notFound ? "not found" : error.status.reasonPhrase
            let route = request.map { "\($0.method) \($0.uri.path)" }
            self.init(error.status, message, detail: (error as? HTTPError)?.body ?? route)
            if let error = error as? HTTPError { headers = error.headers }
        default:
            self.init(.internalServerError, "internal error")
        }
    }

    private init(_ error: FieldOpsError) {
        switch error {
        case .notFound(let entity, let id):
            self.init(.notFound, error.description, detail: .record(entity: entity, id: id))
        case .invalid(let field, let message):
            self.init(.unprocessableContent, error.description, detail: .field(field: field, message: message))
        case .staleVersion(let entity, let id, let expected, let current):
            self.init(.conflict, error.description, detail: .version(entity: entity, id: id, expectedVersion: expected, currentVersion: current))
        case .impossibleTransition(let refusal):
            self.init(.conflict, refusal.message, detail: .transition(
                current: refusal.current, requested: refusal.requested, allowed: refusal.allowed, because: refusal.because))
        }
    }

    /// A body that did not decode: 400 when it is not JSON, else 422 naming the field.
    init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(field: Self.fieldPath(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context):
            self.init(field: Self.fieldPath(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context):
            self.init(field: Self.fieldPath(context.codingPath), "has the wrong type (expected \(Self.jsonTypeName(type)))")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            self.init(field: Self.fieldPath(context.codingPath), "has an unusable value (\(context.debugDescription))")
        case .dataCorrupted:
            self.init(.badRequest, "the request body is not valid JSON")
        @unknown default:
            self.init(.badRequest, "the request body could not be read")
        }
    }

    /// 422 for a field of the request: "field: message".
    init(field: String, _ message: String) {
        self.init(.unprocessableContent, "\(field): \(message)", detail: .field(field: field, message: message))
    }

    /// The error as a response: the JSON body and `headers`.
    var response: Response {
        let data = (try? JSONBody.encoder.encode(Body(error: message, detail: detail))) ?? Data(#"{"error":"internal error","detail":null}"#.utf8)
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }

    /// The body, with `detail` written as null when there is none, so every error has both fields.
    private struct Body: Encodable {
        var error: String
        var detail: Detail?

        private enum Keys: String, CodingKey { case error, detail }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(error, forKey: .error)
            try container.encode(detail, forKey: .detail)
        }
    }

    /// "curve[2]", "access_modes[0].lead_hours": the path as the client wrote it.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + snakeCase(key.stringValue)
            }
        }
        return text.isEmpty ? "body" : text
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                result += "_" + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Double.Type, is Int.Type, is Int64.Type, is Int32.Type: "number"
        case is Bool.Type: "boolean"
        default: "\(type)"
        }
    }
}

/// Turns whatever a route or an inner middleware throws into the API's error body, so every
/// client parses one format and no route needs a wrapper of its own. Registered just inside
/// `SecurityHeadersMiddleware`, so refusals still get the security headers.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let mapped = APIError(mapping: error, request: request)
            if mapped.status == .internalServerError {
                context.logger.error("request failed", metadata: ["http.error": "\(error)", "http.path": "\(request.uri.path)"])
            }
            return mapped.response
        }
    }
}

/// JSON responses with snake_case keys and ISO 8601 dates.
enum JSONBody {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
