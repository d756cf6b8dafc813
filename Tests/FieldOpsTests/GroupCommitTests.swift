import Foundation
import Testing
@testable import FieldOps

/// Concurrent writes sharing a transaction (group commit).
@Suite struct GroupCommitTests {
    /// A station with one generator on the example tank; answers the generator id.
    static func seedGenerator(_ db: FieldOpsDatabase, name: String, road: Bool = true) async throws -> Int64 {
        let station = try await db.createStation(NewStation(name: name, latitude: 38.1, longitude: 140.4, elevationMetres: 1200, accessModes: [
            NewAccessMode(mode: .road, leadSeconds: 6 * 3600, available: road),
            NewAccessMode(mode: .helicopter, leadSeconds: 2 * 3600),
        ]), by: "a")
        let generator = try await db.addGenerator(stationId: try #require(station.station.id), NewGenerator(
            name: "G1", ratedWatts: 7500, fuelType: .diesel, tankCapacityMillilitres: 2_000_000, usableFractionPermille: 900,
            reserveMillilitres: 50_000, curve: FuelArithmeticTests.exampleCurve
        ), by: "a")
        return try #require(generator.generator.id)
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func concurrentWritesAllCommitAndARefusedOneWritesNothing(backend: FieldOpsBackend) async throws {
        // Given a generator, when 40 readings arrive at once and every fifth one is over capacity
        let fixture = try await DatabaseFixture(backend)
        let db = fixture.database
        let generatorId = try await Self.seedGenerator(db, name: "Zao")
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let level: Int64 = index % 5 == 0 ? 9_000_000 : 1_000_000 + Int64(index)
                    let reading = try? await db.logReading(generatorId: generatorId, NewReading(levelMillilitres: level, loadPermille: 500, source: .sensor), by: "s\(index)")
                    return reading != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        // Then the 32 valid ones are stored and audited, the 8 refused ones left nothing behind
        #expect(outcomes.filter { $0 }.count == 32)
        let readings = try await db.readings(generatorId: generatorId, page: Page(limit: 100))
        #expect(readings.count == 32)
        #expect(readings.allSatisfy { $0.levelMillilitres < 2_000_000 })
        let audited = try await db.read { sql in
            try sql.integer("SELECT COUNT(*) AS value FROM auditEntry WHERE entity = ?", ["tankReading"])
        }
        #expect(audited == 32)
        #expect(try await db.integrityCheck() == "ok")
    }
}
