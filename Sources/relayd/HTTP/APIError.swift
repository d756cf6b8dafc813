import Foundation
import Hummingbird

/// An error as the HTTP API reports it: `{"error": "...", "detail": ...}` with a fitting status.
struct APIError: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var error: String
    var detail: String?

    init(_ status: HTTPResponse.Status, _ error: String, detail: String? = nil) {
        self.status = status
        self.error = error
        self.detail = detail
    }

    private struct Body: Encodable {
        var error: String
        var detail: String?
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONBody.response(Body(error: error, detail: detail), status: status)
    }
}

/// Turns any other error (Hummingbird's own 404 for an unknown path, a bad JSON body) into the
/// API's error shape, so every client parses one format.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPResponseError {
            let message = error.status == .notFound ? "not found" : error.status.reasonPhrase
            throw APIError(error.status, message, detail: "\(request.method) \(request.uri.path)")
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
