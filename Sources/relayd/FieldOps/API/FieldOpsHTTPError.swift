import FieldOps
import Foundation
import Hummingbird

/// A FieldOps error as the API reports it: `{"error": "...", "detail": ...}` with 400, 404,
/// 409 or 422. The mapping from domain errors lives here, in relayd, not in the library.
struct FieldOpsHTTPError: Error {
    var status: HTTPResponse.Status
    var message: String
    var detail: Detail

    /// Structured detail so clients can act without parsing the message.
    enum Detail: Encodable {
        case none
        case text(String)
        case field(field: String, message: String)
        case record(entity: String, id: Int64)
        case version(entity: String, id: Int64, expectedVersion: Int, currentVersion: Int)
        case transition(current: String, requested: String, allowed: [String], because: String?)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .none:
                var container = encoder.singleValueContainer()
                try container.encodeNil()
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
    }

    private struct FieldDetail: Encodable { var field: String; var message: String }
    private struct RecordDetail: Encodable { var entity: String; var id: Int64 }
    private struct VersionDetail: Encodable { var entity: String; var id: Int64; var expectedVersion: Int; var currentVersion: Int }
    private struct TransitionDetail: Encodable { var current: String; var requested: String; var allowed: [String]; var because: String? }
    private struct Body: Encodable { var error: String; var detail: Detail }

    init(_ status: HTTPResponse.Status, _ message: String, detail: Detail) {
        self.status = status
        self.message = message
        self.detail = detail
    }

    /// Maps a domain error: missing record 404, bad field 422, stale version and impossible
    /// transition 409.
    init(_ error: FieldOpsError) {
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

    /// Maps a body that did not decode: 400 when it is not JSON, else 422 naming the field.
    init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            let field = Self.fieldPath(context.codingPath + [key])
            self.init(.unprocessableContent, "\(field): is required", detail: .field(field: field, message: "is required"))
        case .valueNotFound(_, let context):
            let field = Self.fieldPath(context.codingPath)
            self.init(.unprocessableContent, "\(field): must not be null", detail: .field(field: field, message: "must not be null"))
        case .typeMismatch(let type, let context):
            let field = Self.fieldPath(context.codingPath)
            let message = "has the wrong type (expected \(Self.jsonTypeName(type)))"
            self.init(.unprocessableContent, "\(field): \(message)", detail: .field(field: field, message: message))
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            let field = Self.fieldPath(context.codingPath)
            let message = "has an unusable value (\(context.debugDescription))"
            self.init(.unprocessableContent, "\(field): \(message)", detail: .field(field: field, message: message))
        case .dataCorrupted:
            self.init(.badRequest, "the request body is not valid JSON", detail: .none)
        @unknown default:
            self.init(.badRequest, "the request body could not be read", detail: .none)
        }
    }

    /// Any error from a handler: domain errors mapped, everything else 500 without internals.
    init(any error: any Error) {
        switch error {
        case let error as FieldOpsHTTPError: self = error
        case let error as FieldOpsError: self.init(error)
        case let error as DecodingError: self.init(decoding: error)
        case let error as APIError:  // the body reader's 413
            self.init(error.status, error.error, detail: error.detail.map { .text($0) } ?? .none)
        default:
            self.init(.internalServerError, "internal error", detail: .none)
        }
    }

    var response: Response {
        let data = (try? JSONBody.encoder.encode(Body(error: message, detail: detail))) ?? Data(#"{"error":"internal error"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
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
        case is Double.Type, is Int.Type, is Int64.Type: "number"
        case is Bool.Type: "boolean"
        default: "\(type)"
        }
    }
}

/// Runs a handler and renders any error as the API's error body, so FieldOps errors keep
/// their message and detail whatever middleware the router has.
func fieldOpsRespond(_ handler: () async throws -> Response) async -> Response {
    do {
        return try await handler()
    } catch {
        return FieldOpsHTTPError(any: error).response
    }
}
