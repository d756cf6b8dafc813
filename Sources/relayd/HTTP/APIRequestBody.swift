import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies with a limit per route group: a body past its route's limit is a 413,
/// found from `Content-Length` before anything is read when the client announces it, else as
/// soon as the limit is passed. Nothing beyond the limit is ever held in memory; what the
/// client still sends after the answer is read and dropped. JSON is decoded with snake_case
/// keys and ISO 8601 dates; a body that does not decode is a 400 (not JSON) or a 422 naming
/// the field.
enum APIRequestBody {
    /// How large a body a group of routes accepts.
    struct Limit: Sendable {
        var bytes: Int

        /// Relay, program, control-room and session commands: small JSON objects.
        static let commands = Limit(bytes: 16 * 1024)
        /// FieldOps records: the largest real one (a generator with its curve) is under 2 KiB.
        static let fieldOps = Limit(bytes: 256 * 1024)
        /// The most any route accepts; a request announcing more is refused before routing.
        static let largest = Limit(bytes: max(commands.bytes, fieldOps.bytes))
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// The whole body, at most `limit` bytes.
    static func collect(_ request: Request, limit: Limit) async throws -> ByteBuffer {
        if let announced = announcedLength(request), announced > limit.bytes { throw tooLarge(limit) }
        do {
            return try await request.body.collect(upTo: limit.bytes)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        }
    }

    /// Decodes a JSON body of at most `limit` bytes.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Limit = .commands) async throws -> T {
        let buffer = try await collect(request, limit: limit)
        do {
            return try decoder.decode(T.self, from: Data(buffer: buffer))
        } catch let error as DecodingError {
            throw APIError(decoding: error)
        }
    }

    static func announcedLength(_ request: Request) -> Int? {
        request.headers[.contentLength].flatMap { Int($0) }
    }

    static func tooLarge(_ limit: Limit) -> APIError {
        APIError(.contentTooLarge, "request body too large", detail: "this route accepts at most \(limit.bytes) bytes")
    }
}

/// Refuses, before authentication and routing, a request whose `Content-Length` is beyond what
/// any route accepts, so that even routes that never read a body answer 413 at once.
struct RequestBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = APIRequestBody.Limit.largest.bytes
        if let announced = APIRequestBody.announcedLength(request), announced > limit {
            throw APIError(.contentTooLarge, "request body too large", detail: "no route accepts more than \(limit) bytes")
        }
        return try await next(request, context)
    }
}
