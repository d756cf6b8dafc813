import Foundation
import Testing
@testable import FieldOps

/// Several writers on one store (two relayd on one PostgreSQL, the CLI beside relayd on one
/// SQLite file): no lost update, migrations once, revisions heard, copies proven.
@Suite struct SharedStoreTests {
    @Test(arguments: FieldOpsBackend.allCases)
    func twoCoordinatorsEditingOneDeploymentGetOneSuccessAndOneConflict(backend: FieldOpsBackend) async throws {
        // Given one deployment seen at version 1 through two connections
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        let other = try await fixture.secondConnection()
        for round in 0..<10 {
            let version = try await fixture.database.deployment(id: seeded.deployment).deployment.version
            // When both save an edit based on that version at the same moment
            async let first = Self.outcome {
                try await fixture.database.updateDeployment(id: seeded.deployment, NewDeployment(
                    kind: .disaster, incidentName: "Flood \(round) A", location: "Kesennuma", leadUnitId: seeded.unit), expectedVersion: version, by: "a")
            }
            async let second = Self.outcome {
                try await other.updateDeployment(id: seeded.deployment, NewDeployment(
                    kind: .disaster, incidentName: "Flood \(round) B", location: "Kesennuma", leadUnitId: seeded.unit), expectedVersion: version, by: "b")
            }
            let outcomes = await [first, second]
            // Then exactly one is saved and the other is told the version moved on
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.compactMap { $0 } == [.staleVersion(entity: "deployment", id: seeded.deployment, expected: version, current: version + 1)])
            let stored = try await fixture.database.deployment(id: seeded.deployment).deployment
            #expect(stored.version == version + 1)
        }
        #expect(try await fixture.database.auditTrail(entity: "deployment", id: seeded.deployment).count == 11)
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func twoCoordinatorsRegisteringOneCallsignAtOnceGetOneUnitAndOne422(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let other = try await fixture.secondConnection()
        for round in 0..<5 {
            async let first = Self.outcome { try await fixture.database.createUnit(NewUnit(callsign: "TSU-\(round)", homeBase: "Sendai"), by: "a") }
            async let second = Self.outcome { try await other.createUnit(NewUnit(callsign: "TSU-\(round)", homeBase: "Morioka"), by: "b") }
            let outcomes = await [first, second]
            #expect(outcomes.filter { $0 == nil }.count == 1)
            #expect(outcomes.compactMap { $0 }.allSatisfy { if case .invalid(field: "callsign", _) = $0 { true } else { false } }, "\(outcomes)")
        }
        #expect(try await fixture.database.units(page: Page()).count == 5)
    }

    /// The revisions `store` hears, as long as the returned task runs.
    private static func follow(_ store: any FieldOpsStore) -> (Task<Void, any Error>, AsyncStream<Int64>) {
        let (revisions, continuation) = AsyncStream.makeStream(of: Int64.self)
        return (Task { try await store.followRevisions { continuation.yield($0) } }, revisions)
    }

    /// nil for success, else the refusal.
    private static func outcome<T>(_ body: () async throws -> T) async -> FieldOpsError? {
        do {
            _ = try await body()
            return nil
        } catch let error as FieldOpsError {
            return error
        } catch {
            return .invalid(field: "unexpected", message: "\(error)")
        }
    }

    @Test func relaydStartingTogetherMigrateOnceAndCommitSynchronously() async throws {
        // Given an empty database, when four stores open it at once
        let location = try await TestPostgres.freshDatabase()
        let stores = try await withThrowingTaskGroup(of: PostgresFieldOpsStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresFieldOpsStore.open(location, connections: 1) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Then each migration ran once, and commits wait for the server's disk
        let database = FieldOpsDatabase(store: stores[0])
        let migrations = try await database.read { sql in try sql.rows("SELECT name FROM fieldopsMigration ORDER BY name", []).map { $0["name"] as String } }
        #expect(migrations == PostgresMigrations.all.map(\.name))
        #expect(try await stores[1].migrate() == [])
        let synchronous = try await database.read { sql in try sql.rows("SHOW synchronous_commit", []).first?["synchronous_commit"] as String? }
        #expect(synchronous == "on")
        for store in stores { await store.shutdown() }
    }

    @Test func anotherWritersCommitsAreHeardThroughNotify() async throws {
        // Given a store listening for revisions
        let fixture = try await DatabaseFixture(.postgresql)
        let (listener, revisions) = Self.follow(fixture.database.store)
        defer { listener.cancel() }
        var heard = revisions.makeAsyncIterator()
        #expect(await heard.next() == 0)  // the revision when listening starts
        // When another connection (another relayd) commits a write
        let other = try await fixture.secondConnection()
        _ = try await other.createUnit(NewUnit(callsign: "TSU-9", homeBase: "Morioka"), by: "other")
        // Then its revision arrives
        let expected = try await other.revision()
        while let revision = await heard.next(), revision < expected {}
        #expect(try await fixture.database.revision() == expected)
    }

    @Test func aCommitThatWasNeverAnnouncedIsStillHeard() async throws {
        // Given a store listening for revisions
        let fixture = try await DatabaseFixture(.postgresql)
        let (listener, revisions) = Self.follow(fixture.database.store)
        defer { listener.cancel() }
        var heard = revisions.makeAsyncIterator()
        #expect(await heard.next() == 0)  // the revision when listening starts
        // When another writer commits and dies before announcing it (a transaction without the announcement)
        let other = try await PostgresFieldOpsStore.open(try #require(fixture.postgres), connections: 1)
        let written = try await other.transaction(.migration) { session in
            try session.rows(
                "INSERT INTO auditEntry (at, actor, entity, entityId, action, changes) VALUES (?, 'other', 'unit', 1, 'create', '{}') RETURNING id",
                [Date(unixSeconds: 1_700_000_000).databaseValue]
            ).first?["id"] as Int64?
        }
        await other.shutdown()
        // Then the listener reads its revision all the same
        let expected = try #require(written)
        while let revision = await heard.next(), revision < expected {}
        #expect(try await fixture.database.revision() == expected)
    }

    @Test func aSQLiteStoreIsCopiedIntoPostgresWithItsIdsAndAuditTrail() async throws {
        // Given a SQLite store with deployments, kits and a generator's readings
        let source = try await DatabaseFixture(.sqlite)
        let seeded = try await source.seedDeploymentWithKit()
        _ = try await source.database.transitionDeployment(id: seeded.deployment, to: .mobilizing, reason: nil, expectedVersion: 1, by: "a")
        let generatorId = try await GroupCommitTests.seedGenerator(source.database, name: "Zao")
        _ = try await source.database.logReading(generatorId: generatorId, NewReading(levelMillilitres: 1_234_567, loadPermille: 500, source: .dip), by: "a")
        // When it is copied into an empty PostgreSQL database
        let target = try await DatabaseFixture(.postgresql)
        let report = try await FieldOpsCopy.copy(from: source.database, to: target.database)
        // Then counts and audit trail match, forecasts agree to the millilitre, and new rows get new ids
        #expect(report == (try await FieldOpsCopy.report(of: source.database)))
        #expect(report.auditEntries > 0)
        #expect(try await target.database.generator(id: generatorId) == (try await source.database.generator(id: generatorId)))
        let unit = try await target.database.createUnit(NewUnit(callsign: "TSU-2", homeBase: "Akita"), by: "a")
        #expect(try #require(unit.unit.id) > seeded.unit)
        // and a second copy into the same database is refused
        await #expect(throws: FieldOpsCopy.Failure.self) { try await FieldOpsCopy.copy(from: source.database, to: target.database) }
    }
}
