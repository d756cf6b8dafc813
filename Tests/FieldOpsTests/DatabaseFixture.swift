import Foundation
@testable import FieldOps

/// A fresh FieldOps database on a clock the test controls: a SQLite file in its own temporary
/// directory, or a database of its own on the test PostgreSQL server.
final class DatabaseFixture: Sendable {
    let directory: URL
    let database: FieldOpsDatabase
    let clock: TestClock
    /// The PostgreSQL database, for a second connection to the same data.
    let postgres: PostgresLocation?

    init(_ backend: FieldOpsBackend = .sqlite) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-\(UUID().uuidString)")
        let clock = TestClock(Date(unixSeconds: 1_700_000_000))
        self.clock = clock
        switch backend {
        case .sqlite:
            postgres = nil
            database = try FieldOpsDatabase.open(at: directory.appendingPathComponent("fieldops.sqlite"), clock: { clock.now })
        case .postgresql:
            let location = try await TestPostgres.freshDatabase()
            postgres = location
            database = FieldOpsDatabase(store: try await PostgresFieldOpsStore.open(location, connections: 4), clock: { clock.now })
        }
    }

    /// Another connection to the same data, as a second process (the CLI, another relayd) has.
    func secondConnection() async throws -> FieldOpsDatabase {
        let clock = clock
        if let postgres {
            return FieldOpsDatabase(store: try await PostgresFieldOpsStore.open(postgres, connections: 2), clock: { clock.now })
        }
        return try FieldOpsDatabase.open(at: directory.appendingPathComponent("fieldops.sqlite"), clock: { clock.now })
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// A unit, a deployment led by it, and a two-component satellite kit.
    func seedDeploymentWithKit() async throws -> (unit: Int64, deployment: Int64, kit: Int64) {
        let unit = try await database.createUnit(NewUnit(callsign: "TSU-1", homeBase: "Sendai", members: [NewMember(name: "Sato Ken", qualifications: ["satellite"])]), by: "coordinator")
        let unitId = try #require(unit.unit.id)
        let deployment = try await database.createDeployment(NewDeployment(kind: .disaster, incidentName: "Kesennuma flood", location: "Kesennuma", leadUnitId: unitId), by: "coordinator")
        let kit = try await database.createKit(NewKit(name: "SAT-01", kind: .satelliteTerminal, components: [
            NewComponent(serial: "TERM-100", description: "terminal"),
            NewComponent(serial: "ANT-778", description: "antenna"),
        ]), by: "coordinator")
        return (unitId, try #require(deployment.id), try #require(kit.kit.id))
    }
}

/// The test PostgreSQL server that scripts/test starts (scripts/postgres-test-cluster).
enum TestPostgres {
    /// Why a PostgreSQL case cannot run: never a silent skip.
    struct NotConfigured: Error, CustomStringConvertible {
        var description: String {
            "RELAYD_TEST_POSTGRES_URL is not set: run the tests with scripts/test, or start a server with scripts/postgres-test-cluster start DIR and export the URL it prints"
        }
    }

    /// The server's administrative URL.
    static func adminLocation() throws -> PostgresLocation {
        guard let url = ProcessInfo.processInfo.environment["RELAYD_TEST_POSTGRES_URL"], !url.isEmpty else { throw NotConfigured() }
        return try PostgresLocation(url: url)
    }

    /// A new empty database of its own, so tests stay independent.
    static func freshDatabase() async throws -> PostgresLocation {
        let name = "fieldops_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await PostgresFieldOpsStore.createDatabase(named: name, on: try adminLocation())
    }
}

import Testing

/// A settable clock; the lock makes it safe to read from GRDB's writer queue.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(seconds: Int64) { lock.withLock { current = current.addingTimeInterval(TimeInterval(seconds)) } }
}
