import FieldOps
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import relayd

/// A JSON value read from a response: relayd's own `RecordedJSON`, with forgiving subscripts
/// so tests read like the documents they check: `json["deployment"]["state"].string`.
typealias JSONValue = RecordedJSON

extension RecordedJSON {
    subscript(key: String) -> JSONValue {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }

    subscript(index: Int) -> JSONValue {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return .null
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var double: Double? { if case .number(let value) = self { value } else { nil } }
    var int: Int? { double.map { Int($0) } }
    var int64: Int64? { double.map { Int64($0) } }
    var array: [JSONValue] { if case .array(let items) = self { items } else { [] } }
    var isNull: Bool { self == .null }
}

/// A response: status, raw body text and its JSON (null when the body is not JSON).
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var contentType: String?
    var text: String
    var json: JSONValue
}

/// Sends requests as a named actor and decodes the answers.
struct FieldOpsClient: Sendable {
    let client: any TestClientProtocol
    var actor = "coordinator"

    func get(_ path: String) async throws -> APIResponse {
        try await send(path, method: .get, body: nil)
    }

    func post(_ path: String, _ body: String) async throws -> APIResponse {
        try await send(path, method: .post, body: body)
    }

    func put(_ path: String, _ body: String) async throws -> APIResponse {
        try await send(path, method: .put, body: body)
    }

    func send(_ path: String, method: HTTPRequest.Method, body: String?) async throws -> APIResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let name = HTTPField.Name("X-Actor") { headers[name] = actor }
        let response = try await client.executeRequest(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let text = String(buffer: response.body)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .null
        return APIResponse(status: response.status, contentType: response.headers[.contentType], text: text, json: json)
    }

    /// POSTs and requires `expected`, recording the body when it differs so failures explain themselves.
    @discardableResult
    func post(_ path: String, _ body: String, expect expected: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let response = try await post(path, body)
        #expect(response.status == expected, "\(path): \(response.text)", sourceLocation: sourceLocation)
        return response.json
    }
}

/// Runs `body` against the FieldOps routes on a real HTTP server on loopback (Hummingbird's
/// `.live` mode) backed by a real SQLite file in a fresh temporary directory or a fresh
/// database on the test PostgreSQL, on a clock the test moves.
func withFieldOpsServer(
    backend: FieldOpsBackend = .sqlite,
    startingAt start: Date = Date(unixSeconds: 1_767_225_600),  // 2026-01-01T00:00:00Z
    _ body: @Sendable (FieldOpsClient, FieldOpsTestClock) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-api-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let clock = FieldOpsTestClock(start)
    let database = try await RelaydTestPostgres.open(backend, directory: directory, clock: { clock.now })
    defer { Task { await database.store.shutdown() } }
    let router = Router()
    router.middlewares.add(APIErrorMiddleware())  // as relayd's router has it
    FieldOpsHTTP(database: database).addRoutes(to: router)
    let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await application.test(.live) { client in
        try await body(FieldOpsClient(client: client), clock)
    }
}

/// A settable clock shared by the server and the test.
final class FieldOpsTestClock: @unchecked Sendable {  // every access goes through `lock`
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(hours: Double) { lock.withLock { current = current.addingTimeInterval(hours * 3600) } }

    /// ISO 8601 of now plus `hours`, for request bodies.
    func iso(plusHours hours: Double = 0) -> String {
        ISO8601DateFormatter().string(from: now.addingTimeInterval(hours * 3600))
    }
}
