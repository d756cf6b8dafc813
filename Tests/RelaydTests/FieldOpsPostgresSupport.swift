import FieldOps
import Foundation
@testable import relayd

/// The test PostgreSQL server that scripts/test starts (scripts/postgres-test-cluster), for
/// the FieldOps suites' PostgreSQL cases. Without it they fail, never skip.
enum RelaydTestPostgres {
    /// A new empty database on the test server, so tests stay independent.
    static func freshDatabase() async throws -> PostgresLocation {
        guard let url = ProcessInfo.processInfo.environment["RELAYD_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw ProcessError(message: "RELAYD_TEST_POSTGRES_URL is not set: run scripts/test, or scripts/postgres-test-cluster start DIR and export the URL it prints")
        }
        let name = "relayd_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return try await PostgresFieldOpsStore.createDatabase(named: name, on: try PostgresLocation(url: url))
    }

    /// The database a FieldOps test runs on: a SQLite file in `directory`, or a fresh
    /// PostgreSQL database.
    static func open(_ backend: FieldOpsBackend, directory: URL, clock: @escaping @Sendable () -> Date) async throws -> FieldOpsDatabase {
        switch backend {
        case .sqlite:
            return try FieldOpsDatabase.open(at: FieldOpsHTTP.databaseURL(dataDirectory: directory), clock: clock)
        case .postgresql:
            return FieldOpsDatabase(store: try await PostgresFieldOpsStore.open(try await freshDatabase(), connections: 4), clock: clock)
        }
    }
}
