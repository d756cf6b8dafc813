import FieldOps
import Foundation
import Testing
import VideoRelay
@testable import relayd

/// `/api/fieldops/events` tells open pages of every write: through the API, and by the
/// `relayd fieldops` commands writing the same database file.
struct FieldOpsEventsTests {
    static let config = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
        """

    @Test(.timeLimit(.minutes(2))) func aWriteThroughTheAPIAndOneFromTheCommandLineEachReachAnOpenStream() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        defer { relayd.child.signal(SIGKILL) }
        let data = relayd.directory.appendingPathComponent("data")
        // curl keeps the stream open like a page's EventSource and writes what arrives.
        let received = relayd.directory.appendingPathComponent("fieldops-events.txt")
        let curl = try ChildProcess(["curl", "-sN", "http://127.0.0.1:\(relayd.httpPort)/api/fieldops/events"], standardOutput: received.path)
        defer { curl.signal(SIGKILL) }
        let events = EventStreamFile(url: received)
        func revisions(_ event: String) -> [Int] { events.revisions(event) }
        try await events.waitFor("the stream's first revision") { _ in !revisions("revision").isEmpty }
        let start = try #require(revisions("revision").first)

        // Given an open stream, when a coordinator adds a station and its generator through the
        // API, then a change arrives.
        func post(_ path: String, _ body: String) async throws -> [String: Any] {
            let (status, data) = try await RelaydHTTP.request(
                port: relayd.httpPort, method: "POST", path: path, body: Data(body.utf8), headers: ["Content-Type": "application/json", "X-Actor": "mori"])
            #expect(status == 201, "\(path): \(String(decoding: data, as: UTF8.self))")
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }
        let station = try await post("/api/fieldops/stations", #"{"name": "Zao relay", "latitude": 38.1, "longitude": 140.4, "elevation_m": 1736, "access_modes": [{"mode": "road", "lead_hours": 6}]}"#)
        let stationID = try #require(station["id"] as? Int)
        let generator = try await post("/api/fieldops/stations/\(stationID)/generators", #"{"rated_kw": 5, "tank_litres": 1000, "usable_fraction": 0.9, "reserve_litres": 10, "curve": [[50, 3]]}"#)
        let generatorID = try #require(generator["id"] as? Int)
        let afterAPI = try await Int(FieldOpsDatabase.open(at: FieldOpsHTTP.databaseURL(dataDirectory: data)).revision())
        #expect(afterAPI > start)
        try await events.waitFor("a change to the API writes' revision") { _ in revisions("change").contains(afterAPI) }

        // When a reading is logged from the command line on the same data directory, then a
        // change arrives too.
        let cli = try await RelaydProcess.run([
            "fieldops", "reading", "--generator", "\(generatorID)", "--litres", "600", "--load", "50",
            "--data-dir", data.path, "--actor", "tanaka",
        ])
        #expect(cli.status == 0, "\(cli.output)")
        try await events.waitFor("a change after the command-line write") { _ in revisions("change").contains { $0 > afterAPI } }
    }
}
