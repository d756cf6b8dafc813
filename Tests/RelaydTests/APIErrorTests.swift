import FieldOps
import Foundation
import Hummingbird
import Testing
@testable import relayd

/// Every error of every route has one body: `error` and `detail`, both always present.
struct APIErrorTests {
    @Test func aRelayErrorWithoutDetailStillSendsDetailAsNull() async throws {
        let text = try await Self.sentBody(APIError(.unauthorized, "login required"))
        #expect(text == #"{"detail":null,"error":"login required"}"#)
    }

    @Test func aTextDetailIsASentence() async throws {
        let text = try await Self.sentBody(APIError(.notFound, "unknown source", detail: "nope"))
        #expect(text == #"{"detail":"nope","error":"unknown source"}"#)
    }

    @Test func fieldOpsDomainErrorsMapToTheirStatusWithStructuredDetail() async throws {
        let invalid = APIError(mapping: FieldOpsError.invalid(field: "litres", message: "must not be negative"))
        #expect(invalid.status == .unprocessableContent)
        #expect(try await Self.sentBody(invalid) == #"{"detail":{"field":"litres","message":"must not be negative"},"error":"litres: must not be negative"}"#)
        let missing = APIError(mapping: FieldOpsError.notFound(entity: "kit", id: 9))
        #expect(missing.status == .notFound)
        #expect(try await Self.sentBody(missing).hasPrefix(#"{"detail":{"entity":"kit","id":9},"#))
        let stale = APIError(mapping: FieldOpsError.staleVersion(entity: "unit", id: 1, expected: 1, current: 2))
        #expect(stale.status == .conflict)
        #expect(try await Self.sentBody(stale).hasPrefix(#"{"detail":{"current_version":2,"entity":"unit","expected_version":1,"id":1},"#))
    }

    @Test func aBodyThatDoesNotDecodeIs400WhenNotJSONAnd422NamingTheFieldOtherwise() {
        struct Cut: Decodable { var source: String; var presets: [Preset]?; struct Preset: Decodable { var leadHours: Int } }
        func mapped(_ json: String) -> APIError {
            let decoded = Result { try APIRequestBody.decoder.decode(Cut.self, from: Data(json.utf8)) }
            guard case .failure(let error) = decoded else { return APIError(.ok, "decoded") }
            return APIError(mapping: error)
        }
        #expect(mapped("{").status == .badRequest)
        #expect(mapped("{}").status == .unprocessableContent)
        #expect(mapped("{}").detail == .field(field: "source", message: "is required"))
        #expect(mapped(#"{"source": 7}"#).message == "source: has the wrong type (expected string)")
        #expect(mapped(#"{"source": "a", "presets": [{"lead_hours": "x"}]}"#).detail == .field(field: "presets[0].lead_hours", message: "has the wrong type (expected number)"))
    }

    @Test func anUnexpectedErrorIsA500WithoutInternals() async throws {
        struct DiskOnFire: Error {}
        let error = APIError(mapping: DiskOnFire())
        #expect(error.status == .internalServerError)
        #expect(try await Self.sentBody(error) == #"{"detail":null,"error":"internal error"}"#)
    }

    @Test func hummingbirdsOwnErrorsTakeTheSameShapeNamingTheRoute() async throws {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: "/api/nowhere"), body: RequestBody(buffer: ByteBuffer()))
        let error = APIError(mapping: HTTPError(.notFound), request: request)
        #expect(error.status == .notFound)
        #expect(try await Self.sentBody(error) == #"{"detail":"GET /api/nowhere","error":"not found"}"#)
    }

    /// The body as `response` sends it.
    static func sentBody(_ error: APIError) async throws -> String {
        let collector = BodyCollector()
        try await error.response.body.write(collector)
        return collector.text
    }
}

/// Collects what a response body writes.
private final class BodyCollector: ResponseBodyWriter, @unchecked Sendable {  // used by one task at a time
    var buffer = ByteBuffer()
    var text: String { String(buffer: buffer) }
    func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }
    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
