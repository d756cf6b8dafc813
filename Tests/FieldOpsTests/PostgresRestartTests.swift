import Foundation
import Testing
@testable import FieldOps

/// The shared PostgreSQL going away and coming back, on a cluster of the test's own (so the
/// other suites' server is never disturbed).
@Suite struct PostgresRestartTests {
    @Test func requestsFailAsUnavailableWhileTheServerIsDownAndTheStoreRecoversByItself() async throws {
        // Given a store with a unit on a running server
        let cluster = try await TestCluster()
        do {
            let store = try await PostgresFieldOpsStore.open(cluster.location, connections: 2)
            let database = FieldOpsDatabase(store: store)
            _ = try await database.createUnit(NewUnit(callsign: "TSU-1", homeBase: "Sendai"), by: "a")
            // When the server restarts, the pooled connections die with it, yet the next requests work
            try await cluster.control("restart")
            #expect(try await database.units(page: Page()).count == 1)
            _ = try await database.createUnit(NewUnit(callsign: "TSU-2", homeBase: "Morioka"), by: "a")
            // When it is stopped, writes and reads fail as unavailable (HTTP 503), naming the server
            try await cluster.control("halt")
            let refusal = await #expect(throws: FieldOpsUnavailable.self) {
                try await database.createUnit(NewUnit(callsign: "TSU-3", homeBase: "Akita"), by: "a")
            }
            #expect(refusal?.description.contains("127.0.0.1:\(cluster.location.port)") == true)
            await #expect(throws: FieldOpsUnavailable.self) { try await database.units(page: Page()) }
            // Then once it is back the same store serves again, and nothing acknowledged was lost
            try await cluster.control("resume")
            _ = try await database.createUnit(NewUnit(callsign: "TSU-3", homeBase: "Akita"), by: "a")
            #expect(try await database.units(page: Page()).map(\.unit.callsign) == ["TSU-1", "TSU-2", "TSU-3"])
            await store.shutdown()
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }
}

/// A PostgreSQL cluster of its own, through scripts/postgres-test-cluster.
final class TestCluster: Sendable {
    let directory: String
    let location: PostgresLocation

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("relayd-postgres-\(UUID().uuidString)").path
        try await Self.script(["start", directory])
        let url = try String(contentsOfFile: directory + "/url", encoding: .utf8)
        location = try PostgresLocation(url: url.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `restart`, `halt` or `resume` the server.
    func control(_ command: String) async throws {
        try await Self.script([command, directory])
    }

    /// Stops the server and deletes its files.
    func remove() async {
        try? await Self.script(["stop", directory])
    }

    /// Runs the script and waits for its exit (told by the termination handler). Its output is
    /// not read: the server it starts would inherit a pipe and keep it open.
    private static func script(_ arguments: [String]) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = root.appendingPathComponent("scripts/postgres-test-cluster")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        guard status == 0 else {
            throw FieldOpsError.invalid(field: "postgres-test-cluster", message: "\(arguments.joined(separator: " ")) exited with \(status)")
        }
    }
}
