import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies with a limit per route: a body past its route's limit is a 413 in the
/// API's error shape, found from `Content-Length` before anything is read when the client
/// announces it, else as soon as the limit is passed. Nothing beyond the limit is ever held in
/// memory; what the client still sends after the answer is read and dropped.
enum APIRequestBody {
    /// Largest body the relay and program API accept (requests are small commands).
    static let maximumBytes = 16 * 1024

    /// Largest body any route accepts; a request announcing more is refused before routing.
    static var largestLimit: Int { max(maximumBytes, FieldOpsJSON.maximumBodyBytes) }

    /// The whole body, at most `limit` bytes.
    static func collect(_ request: Request, upTo limit: Int) async throws -> ByteBuffer {
        if let announced = announcedLength(request), announced > limit { throw tooLarge(limit) }
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge(limit)
        }
    }

    /// Decodes a JSON body (snake_case keys) of at most `maximumBytes`; a body that does not
    /// decode is a 400 with the decoder's reason.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await collect(request, upTo: maximumBytes)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, "invalid request body", detail: "\(error)")
        }
    }

    static func announcedLength(_ request: Request) -> Int? {
        request.headers[.contentLength].flatMap { Int($0) }
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "request body too large", detail: "this route accepts at most \(limit) bytes")
    }
}

/// Refuses, before authentication and routing, a request whose `Content-Length` is beyond what
/// any route accepts, so that even routes that never read a body answer 413 at once.
struct RequestBodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = APIRequestBody.largestLimit
        if let announced = APIRequestBody.announcedLength(request), announced > limit {
            throw APIError(.contentTooLarge, "request body too large", detail: "no route accepts more than \(limit) bytes")
        }
        return try await next(request, context)
    }
}
