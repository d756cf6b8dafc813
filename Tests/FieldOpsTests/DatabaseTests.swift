import Foundation
import GRDB
import Testing
@testable import FieldOps

/// The store on a real SQLite file and a real PostgreSQL server: transactions, audit, versions
/// and refusals.
@Suite struct DatabaseTests {
    @Test(arguments: FieldOpsBackend.allCases)
    func everyWriteIsAuditedWithActorTimeAndChanges(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        fixture.clock.advance(seconds: 60)
        _ = try await fixture.database.transitionDeployment(id: seeded.deployment, to: .mobilizing, reason: nil, expectedVersion: 1, by: "suzuki")

        let trail = try await fixture.database.auditTrail(entity: "deployment", id: seeded.deployment)
        #expect(trail.map(\.action) == ["create", "transition"])
        let move = try #require(trail.last)
        #expect(move.actor == "suzuki")
        #expect(move.at == Date(unixSeconds: 1_700_000_060))
        let changes = try #require(JSONSerialization.jsonObject(with: Data(move.changes.utf8)) as? [String: [String: Any]])
        #expect(changes["state"]?["from"] as? String == "planned")
        #expect(changes["state"]?["to"] as? String == "mobilizing")
        #expect(changes["version"]?["from"] as? Int == 1)
        #expect(changes["version"]?["to"] as? Int == 2)
        #expect(changes["incidentName"] == nil)  // unchanged columns are not listed
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aStaleVersionIsRefusedAndNothingIsWritten(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        _ = try await fixture.database.transitionDeployment(id: seeded.deployment, to: .mobilizing, reason: nil, expectedVersion: 1, by: "a")
        await #expect(throws: FieldOpsError.staleVersion(entity: "deployment", id: seeded.deployment, expected: 1, current: 2)) {
            try await fixture.database.transitionDeployment(id: seeded.deployment, to: .cancelled, reason: "duplicate", expectedVersion: 1, by: "b")
        }
        let deployment = try await fixture.database.deployment(id: seeded.deployment).deployment
        #expect(deployment.state == .mobilizing)
        #expect(try await fixture.database.auditTrail(entity: "deployment", id: seeded.deployment).count == 2)
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aRefusedTransitionLeavesNoTraceInLogOrAudit(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        let activityBefore = try await fixture.database.activity(deploymentId: seeded.deployment, period: OperationalPeriod())
        await #expect(throws: FieldOpsError.self) {
            try await fixture.database.transitionDeployment(id: seeded.deployment, to: .closed, reason: nil, expectedVersion: 1, by: "a")
        }
        #expect(try await fixture.database.activity(deploymentId: seeded.deployment, period: OperationalPeriod()) == activityBefore)
        #expect(try await fixture.database.auditTrail(entity: "deployment", id: seeded.deployment).count == 1)
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func closingWaitsForKitsAndAnIncompleteReturnNamesTheMissingSerial(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        let db = fixture.database
        var deployment = try await db.transitionDeployment(id: seeded.deployment, to: .mobilizing, reason: nil, expectedVersion: 1, by: "a")
        let out = try await db.checkOutKit(id: seeded.kit, deploymentId: seeded.deployment, expectedVersion: 1, by: "a")
        #expect(out.kit.state == .checkedOut)
        #expect(out.loans.count == 1)
        deployment = try await db.transitionDeployment(id: seeded.deployment, to: .active, reason: nil, expectedVersion: deployment.version, by: "a")
        deployment = try await db.transitionDeployment(id: seeded.deployment, to: .demobilizing, reason: nil, expectedVersion: deployment.version, by: "a")
        let refusal = TransitionRefusal(entity: "deployment", current: "demobilizing", requested: "closed", allowed: ["closed", "active"], because: "kits still out: SAT-01")
        let version = deployment.version
        await #expect(throws: FieldOpsError.impossibleTransition(refusal)) {
            try await db.transitionDeployment(id: seeded.deployment, to: .closed, reason: nil, expectedVersion: version, by: "a")
        }
        let returned = try await db.returnKit(id: seeded.kit, presentSerials: ["TERM-100"], expectedVersion: out.kit.version, by: "a")
        #expect(returned.kit.state == .returned)
        #expect(returned.kit.missingComponents == ["ANT-778"])
        #expect(returned.loans.first?.missingOnReturn == ["ANT-778"])
        let closed = try await db.transitionDeployment(id: seeded.deployment, to: .closed, reason: nil, expectedVersion: version, by: "a")
        #expect(closed.state == .closed)
        let log = try await db.activity(deploymentId: seeded.deployment, period: OperationalPeriod()).map(\.text)
        #expect(log.contains("Kit SAT-01 returned incomplete, missing ANT-778"))
        #expect(log.last == "State: demobilizing → closed")
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func badInputNamesTheField(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        await #expect(throws: FieldOpsError.invalid(field: "callsign", message: "must not be empty")) {
            try await fixture.database.createUnit(NewUnit(callsign: "  ", homeBase: "x"), by: "a")
        }
        await #expect(throws: FieldOpsError.invalid(field: "lead_unit_id", message: "unit 99 does not exist")) {
            try await fixture.database.createDeployment(NewDeployment(kind: .disaster, incidentName: "x", location: "y", leadUnitId: 99), by: "a")
        }
        #expect(try await fixture.database.deployments(page: Page()).isEmpty)
    }

    @Test func theSchemaIsMigratedInWALModeWithFullSyncAndSmallPageCaches() async throws {
        let fixture = try await DatabaseFixture()
        let (journal, synchronous) = try await fixture.database.read { sql in
            (try sql.rows("PRAGMA journal_mode", []).first?["journal_mode"] as String?, try sql.rows("PRAGMA synchronous", []).first?["synchronous"] as Int?)
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)  // FULL
        // The writer is the connection whose commits must reach the disk (GRDB sets NORMAL on
        // it when it switches to WAL), and its automatic checkpoint is left to the background.
        let (writerSynchronous, autoCheckpoint) = try await fixture.database.write(by: "test") { tx in
            (try tx.sql.rows("PRAGMA synchronous", []).first?["synchronous"] as Int?, try tx.sql.rows("PRAGMA wal_autocheckpoint", []).first?["wal_autocheckpoint"] as Int?)
        }
        #expect(writerSynchronous == 2)  // FULL
        #expect(autoCheckpoint == 0)
        // Every connection's page cache is small (negative: in KiB), so it is full within minutes.
        let readerCache = try await fixture.database.read { sql in try sql.rows("PRAGMA cache_size", []).first?["cache_size"] as Int? }
        let writerCache = try await fixture.database.write(by: "test") { tx in try tx.sql.rows("PRAGMA cache_size", []).first?["cache_size"] as Int? }
        #expect(readerCache == -256 && writerCache == -256)
        #expect(try await fixture.database.integrityCheck() == "ok")
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func theGeneratorForecastUsesTheLatestReadingAndFastestOpenAccess(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let db = fixture.database
        let station = try await db.createStation(NewStation(name: "Zao relay", latitude: 38.14, longitude: 140.44, elevationMetres: 1736, accessModes: [
            NewAccessMode(mode: .road, leadSeconds: 6 * 3600, available: false, note: "closed for winter"),
            NewAccessMode(mode: .helicopter, leadSeconds: 3 * 3600),
        ]), by: "a")
        let stationId = try #require(station.station.id)
        let generator = try await db.addGenerator(stationId: stationId, NewGenerator(
            name: "G1", ratedWatts: 7500, fuelType: .diesel, tankCapacityMillilitres: 100_000, usableFractionPermille: 900,
            reserveMillilitres: 10_000, curve: FuelArithmeticTests.exampleCurve
        ), by: "a")
        let generatorId = try #require(generator.generator.id)
        #expect(generator.band == .stale)  // no reading yet
        _ = try await db.logReading(generatorId: generatorId, NewReading(levelMillilitres: 60_000, loadPermille: 600, source: .dip), by: "a")
        let status = try await db.generator(id: generatorId)
        #expect(status.forecast?.secondsToEmptyAtLoad == 42_352)
        #expect(status.forecast?.access == AccessLeadTime(mode: "helicopter", leadSeconds: 10_800))
        let orderBy: Int64 = 1_700_000_000 + 42_352 - 10_800 - 43_200  // reading + empty − helicopter − margin
        #expect(status.forecast?.orderBy == orderBy)
        #expect(status.band == .critical)
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aReservationHoldsTheKitForItsDeploymentAndCancellingReleasesIt(backend: FieldOpsBackend) async throws {
        let fixture = try await DatabaseFixture(backend)
        let seeded = try await fixture.seedDeploymentWithKit()
        let db = fixture.database
        let other = try await db.createDeployment(NewDeployment(kind: .investigation, incidentName: "Other", location: "x", leadUnitId: seeded.unit), by: "a")
        let otherId = try #require(other.id)
        let reserved = try await db.transitionKit(id: seeded.kit, request: KitTransitionRequest(to: .reserved, deploymentID: seeded.deployment), notes: nil, expectedVersion: 1, by: "a")
        #expect(reserved.kit.state == .reserved)
        await #expect(throws: FieldOpsError.invalid(field: "deployment_id", message: "kit SAT-01 is reserved for deployment \(seeded.deployment)")) {
            try await db.checkOutKit(id: seeded.kit, deploymentId: otherId, expectedVersion: 2, by: "a")
        }
        _ = try await db.transitionDeployment(id: seeded.deployment, to: .cancelled, reason: "called off", expectedVersion: 1, by: "a")
        let released = try await db.kit(id: seeded.kit).kit
        #expect(released.state == .available)
        #expect(released.deploymentId == nil)
        #expect(try await db.auditTrail(entity: "kit", id: seeded.kit).map(\.action) == ["create", "transition", "transition"])
        await #expect(throws: FieldOpsError.invalid(field: "deployment_id", message: "deployment \(seeded.deployment) is cancelled")) {
            try await db.checkOutKit(id: seeded.kit, deploymentId: seeded.deployment, expectedVersion: released.version, by: "a")
        }
    }
}
