import FieldOps
import Foundation
import Testing
import VideoRelay
@testable import relayd

#if canImport(Glibc)
import Glibc
#endif

/// Two relayd processes on one PostgreSQL, as two control rooms on one shared store.
@Suite struct FieldOpsSharedPostgresTests {
    @Test(.timeLimit(.minutes(3)))
    func twoRelaydSeeEachOthersWritesOnTheirStreamsAndNeverLoseAnUpdate() async throws {
        // Given two relayd on one database, and a page's event stream open on the second
        let location = try await RelaydTestPostgres.freshDatabase()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-shared-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let first = try await FieldOpsServerProcess(dataDirectory: scratch.appendingPathComponent("a"), postgres: location)
        let second = try await FieldOpsServerProcess(dataDirectory: scratch.appendingPathComponent("b"), postgres: location)
        defer { first.stop(); second.stop() }
        let received = scratch.appendingPathComponent("events.txt")
        let curl = try ChildProcess(["curl", "-sN", "http://127.0.0.1:\(second.port)/api/fieldops/events"], standardOutput: received.path)
        defer { curl.signal(SIGKILL) }
        let events = EventStreamFile(url: received)
        try await events.waitFor("the stream's first revision") { !$0.revisions("revision").isEmpty }

        // When a coordinator logs a unit and a deployment through the first relayd
        let unit = try await Self.send(first, "POST", "/api/fieldops/units", #"{"callsign":"MIYAGI-TSU-1","home_base":"Sendai"}"#, expect: 201)
        let unitId = try #require(unit["id"] as? Int)
        let deployment = try await Self.send(first, "POST", "/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unitId)}"#, expect: 201)
        let id = try #require((deployment["deployment"] as? [String: Any])?["id"] as? Int)
        let revision = try await FieldOpsDatabase(store: try await PostgresFieldOpsStore.open(location, connections: 1)).revision()

        // Then the second relayd's stream announces it, and its API and pages show it
        try await events.waitFor("the first relayd's writes on the second's stream") { $0.revisions("change").contains(Int(revision)) }
        let seen = try await Self.send(second, "GET", "/api/fieldops/deployments/\(id)", nil, expect: 200)
        #expect((seen["deployment"] as? [String: Any])?["incident_name"] as? String == "Flood")
        let page = try await RelaydAuthHTTP.request(port: UInt16(second.port), "GET", "/fieldops/deployments/\(id)")
        #expect(page.status == 200)
        #expect(String(decoding: page.body, as: UTF8.self).contains("Flood"))

        // When two coordinators save an edit of version 1 at once, one through each relayd
        let edit = { @Sendable (port: Int, name: String) in
            try await RelaydAuthHTTP.request(
                port: UInt16(port), "PUT", "/api/fieldops/deployments/\(id)",
                body: #"{"kind":"disaster","incident_name":"\#(name)","location":"Port","lead_unit_id":\#(unitId),"version":1}"#)
        }
        async let fromFirst = edit(first.port, "Flood (first)")
        async let fromSecond = edit(second.port, "Flood (second)")
        let answers = try await [fromFirst, fromSecond]
        // Then one is saved and the other is refused with 409, naming the versions
        #expect(answers.map(\.status).sorted() == [200, 409])
        let refused = try #require(answers.first { $0.status == 409 })
        #expect((refused.json["detail"] as? [String: Any])?["current_version"] as? Int == 2)
        let winner = try #require(answers.first { $0.status == 200 })
        let stored = try await Self.send(first, "GET", "/api/fieldops/deployments/\(id)", nil, expect: 200)
        #expect((stored["deployment"] as? [String: Any])?["incident_name"] as? String == ((winner.json["deployment"] as? [String: Any])?["incident_name"] as? String))
        #expect((stored["deployment"] as? [String: Any])?["version"] as? Int == 2)
    }

    private static func send(_ server: FieldOpsServerProcess, _ method: String, _ path: String, _ body: String?, expect status: Int) async throws -> [String: Any] {
        let answer = try await RelaydAuthHTTP.request(port: UInt16(server.port), method, path, body: body)
        #expect(answer.status == status, "\(method) \(path): \(String(decoding: answer.body, as: UTF8.self))")
        return answer.json
    }
}

/// An event stream curl writes to a file, read as a page's EventSource would.
struct EventStreamFile {
    let url: URL

    /// The revisions of every `event` block received so far.
    func revisions(_ event: String) -> [Int] {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.components(separatedBy: "\n\n").compactMap { block in
            let lines = block.split(separator: "\n")
            guard lines.contains("event: \(event)"), let data = lines.first(where: { $0.hasPrefix("data: {\"revision\":") }) else { return nil }
            return Int(data.dropFirst("data: {\"revision\":".count).dropLast())
        }
    }

    /// Waits until `condition` holds for what has arrived (curl gives no other signal than the file).
    func waitFor(_ what: String, _ condition: (EventStreamFile) throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while try !condition(self) {
            guard ContinuousClock.now < deadline else { throw RelaydTestFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
