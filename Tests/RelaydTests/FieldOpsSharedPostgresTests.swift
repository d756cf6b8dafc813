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

/// relayd while its PostgreSQL restarts, on a cluster of the test's own.
@Suite struct FieldOpsPostgresOutageTests {
    @Test(.timeLimit(.minutes(3)))
    func requestsDuringAnOutageAnswer503AndRelaydRecoversWithoutARestart() async throws {
        // Given relayd on a PostgreSQL of its own, with one unit written
        let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("relayd-postgres-\(UUID().uuidString)").path
        try await Self.cluster("start", cluster)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-outage-\(UUID().uuidString)")
        do {
            let admin = try PostgresLocation(url: try String(contentsOfFile: cluster + "/url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            let location = try await PostgresFieldOpsStore.createDatabase(named: "fieldops", on: admin)
            let server = try await FieldOpsServerProcess(dataDirectory: scratch, postgres: location)
            defer { server.stop() }
            let port = UInt16(server.port)
            let first = try await RelaydAuthHTTP.request(port: port, "POST", "/api/fieldops/units", body: #"{"callsign":"TSU-1","home_base":"Sendai"}"#)
            #expect(first.status == 201)

            // When the server restarts, the next write still succeeds (its dead connections are replaced)
            try await Self.cluster("restart", cluster)
            let afterRestart = try await RelaydAuthHTTP.request(port: port, "POST", "/api/fieldops/units", body: #"{"callsign":"TSU-2","home_base":"Morioka"}"#)
            #expect(afterRestart.status == 201, "\(String(decoding: afterRestart.body, as: UTF8.self))")

            // When it is down, writes and reads answer 503 with a sentence and Retry-After
            try await Self.cluster("halt", cluster)
            let refused = try await RelaydAuthHTTP.request(port: port, "POST", "/api/fieldops/units", body: #"{"callsign":"TSU-3","home_base":"Akita"}"#)
            #expect(refused.status == 503)
            #expect((refused.json["error"] as? String)?.hasPrefix("the FieldOps database is unavailable") == true, "\(refused.json)")
            #expect(refused.header("Retry-After") == "1")
            #expect(try await RelaydAuthHTTP.request(port: port, "GET", "/api/fieldops/units").status == 503)

            // Then once it is back the same relayd serves again, with nothing acknowledged lost
            try await Self.cluster("resume", cluster)
            let recovered = try await RelaydAuthHTTP.request(port: port, "POST", "/api/fieldops/units", body: #"{"callsign":"TSU-3","home_base":"Akita"}"#)
            #expect(recovered.status == 201, "\(String(decoding: recovered.body, as: UTF8.self))")
            let units = try await RelaydAuthHTTP.request(port: port, "GET", "/api/fieldops/units")
            #expect((units.json["items"] as? [[String: Any]])?.compactMap { $0["callsign"] as? String } == ["TSU-1", "TSU-2", "TSU-3"])
        } catch {
            try? await Self.cluster("stop", cluster)
            throw error
        }
        try await Self.cluster("stop", cluster)
        try? FileManager.default.removeItem(at: scratch)
    }

    /// scripts/postgres-test-cluster COMMAND DIR, to completion.
    private static func cluster(_ command: String, _ directory: String) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/postgres-test-cluster")
        let status = try await ChildProcess([script.path, command, directory], standardOutput: "/dev/null").waitForExit(timeout: .seconds(60))
        guard status == 0 else { throw RelaydTestFailure("postgres-test-cluster \(command) exited with \(status)") }
    }
}
