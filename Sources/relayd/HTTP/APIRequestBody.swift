import Foundation
import Hummingbird

/// Reads a JSON request body (snake_case keys) of bounded size; a body that does not decode is a
/// 400 with the decoder's reason.
enum APIRequestBody {
    /// Largest body any API request may send (requests are small commands).
    static let maximumBytes = 16 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: maximumBytes)
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError(.badRequest, "invalid request body", detail: "\(error)")
        }
    }
}
