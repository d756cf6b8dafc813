import Foundation
import GRDB
import Testing
@testable import FieldOps

/// The batched reads behind forecasts and deployments, and the revision a write reports,
/// behave the same on both backends.
@Suite struct StoreBatchTests {
    @Test(arguments: FieldOpsBackend.allCases)
    func aBatchAnswersEachQueryAsIfItRanAlone(backend: FieldOpsBackend) async throws {
        // Given a deployment with a kit out
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        let statements = [
            SQLStatement("SELECT callsign FROM unit WHERE id = ?", [seeded.unit]),
            SQLStatement("SELECT id FROM kit WHERE name = ?", ["no such kit"]),
            SQLStatement("SELECT entity, action FROM auditEntry WHERE entityId = ? ORDER BY id", [seeded.kit]),
        ]
        // When the queries run as one batch and one by one
        let (same, counts, callsign) = try await fixture.database.read { sql in
            let batched = try sql.rows(batch: statements)
            let alone = try statements.map { try sql.rows($0.sql, $0.arguments) }
            // Compared by column name: FieldOps reads rows by name, and a PostgreSQL row is
            // built from a dictionary (GRDB has no public ordered builder), so its column
            // order is not the statement's.
            let byName = { (rows: [[Row]]) in rows.map { $0.map { Dictionary($0.map { ($0, $1) }, uniquingKeysWith: { first, _ in first }) } } }
            return (byName(batched) == byName(alone), batched.map(\.count), batched[0].first?["callsign"] as String?)
        }
        // Then each gets its own rows, in order, empty results included
        #expect(same)
        #expect(counts.count == 3)
        #expect(counts.prefix(2) == [1, 0])
        #expect(counts[2] > 0)
        #expect(callsign == "TSU-1")
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aFailingQueryFailsItsBatchAndTheStoreServesTheNextRead(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        await #expect(throws: (any Error).self) {
            try await fixture.database.read { sql in
                try sql.rows(batch: [SQLStatement("SELECT id FROM unit"), SQLStatement("SELECT nothing FROM nowhere"), SQLStatement("SELECT id FROM kit")]).count
            }
        }
        for _ in 0..<3 {
            #expect(try await fixture.database.deployment(id: seeded.deployment).leadCallsign == "TSU-1")
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aWriteReportsTheRevisionItCommittedAndARefusedOneDoesNot(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        #expect(fixture.database.latestWrittenRevision == 0)
        let seeded = try await fixture.seedDeploymentWithKit()
        let committed = try await fixture.database.revision()
        #expect(committed > 0)
        #expect(fixture.database.latestWrittenRevision == committed)
        // A refused edit (stale version) writes nothing, so the revision stays
        await #expect(throws: FieldOpsError.self) {
            try await fixture.database.updateDeployment(id: seeded.deployment, NewDeployment(
                kind: .disaster, incidentName: "Renamed", location: "Kesennuma", leadUnitId: seeded.unit), expectedVersion: 99, by: "a")
        }
        #expect(fixture.database.latestWrittenRevision == committed)
        #expect(try await fixture.database.revision() == committed)
    }

    @Test func timestampsReadFromPostgreSQLComeBackInGRDBsText() async throws {
        let fixture = try await DatabaseFixture(.postgresql)
        for seconds in [1_700_000_000, 1_700_000_000.25, 951_868_799.5, 946_684_800, 946_684_799.999, -1] as [TimeInterval] {
            let date = Date(timeIntervalSince1970: seconds)
            let read = try await fixture.database.read { sql -> DatabaseValue? in
                try sql.rows("SELECT CAST(? AS timestamptz) AS at", [date.databaseValue]).first?["at"]
            }
            #expect(read == date.databaseValue, "\(seconds)")
        }
    }

    @Test func datesFromPostgreSQLAreStoredAsGRDBStoresThem() {
        // Leap days, the turn of centuries, before 1970 and PostgreSQL's own epoch (2000)
        for seconds in [0, 1_700_000_000, 1_700_000_000.25, 1_764_400_000.999, 951_782_400, 946_684_800, 951_868_799.5, 4_107_542_399, -1.5, -86_400 * 365.25 * 70] as [TimeInterval] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(PostgresSession.storageText(date).databaseValue == date.databaseValue, "\(seconds)")
        }
    }
}
