import Foundation
import Testing
@testable import FieldOps

/// The alerts list kept between writes gives the same figures as each generator's own forecast.
@Suite struct AlertsCacheTests {
    @Test(arguments: FieldOpsBackend.allCases)
    func alertsMatchEachGeneratorsForecastAfterEveryWrite(backend: FieldOpsBackend) async throws {
        // Given three stations, one whose road is closed
        let fixture = try await DatabaseFixture(backend)
        let db = fixture.database
        let generators = [
            try await GroupCommitTests.seedGenerator(db, name: "Zao"),
            try await GroupCommitTests.seedGenerator(db, name: "Kurikoma", road: false),
            try await GroupCommitTests.seedGenerator(db, name: "Funagata"),
        ]
        // When readings, a clock that moves and writes within the same second follow each
        // other, the alerts list (kept between writes) is compared after every step
        for step in 0..<12 {
            let generatorId = generators[step % 3]
            _ = try await db.logReading(generatorId: generatorId, NewReading(
                levelMillilitres: 1_800_000 - Int64(step) * 97_000, loadPermille: 300 + step * 50, source: .sensor), by: "a")
            if step % 4 == 3 { fixture.clock.advance(seconds: 5 * 3600) }
            let alerts = try await db.alerts()
            let again = try await db.alerts()
            #expect(alerts == again)
            // Then every generator in the list equals its own endpoint's figures for the same second
            let listed = alerts.flatMap(\.generators)
            #expect(Set(listed.compactMap(\.generator.id)) == Set(generators))
            for status in listed {
                let single = try await db.generator(id: try #require(status.generator.id))
                #expect(status == single)
            }
            // and so does the same list asked for an earlier second
            let earlier = Date(unixSeconds: fixture.clock.now.unixSeconds - 3600)
            for status in try await db.alerts(at: earlier).flatMap(\.generators) {
                #expect(status == (try await db.generator(id: try #require(status.generator.id), at: earlier)))
            }
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func alertsSeeAWriteMadeThroughAnotherConnection(backend: FieldOpsBackend) async throws {
        // Given a cached alerts list
        let fixture = try await DatabaseFixture(backend)
        let generatorId = try await GroupCommitTests.seedGenerator(fixture.database, name: "Zao")
        #expect(try await fixture.database.alerts().first?.generators.first?.latestReading == nil)
        // When another process (the CLI) logs a reading in the same second
        let cli = try await fixture.secondConnection()
        _ = try await cli.logReading(generatorId: generatorId, NewReading(levelMillilitres: 900_000, loadPermille: 500, source: .dip), by: "cli")
        // Then the list shows it
        #expect(try await fixture.database.alerts().first?.generators.first?.latestReading?.levelMillilitres == 900_000)
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func requestsThatMissTogetherShareOneComputation(backend: FieldOpsBackend) async throws {
        // Given three generators and no list kept yet
        let fixture = try await DatabaseFixture(backend)
        let db = fixture.database
        var generators: [Int64] = []
        for name in ["Zao", "Kurikoma", "Funagata"] {
            generators.append(try await GroupCommitTests.seedGenerator(db, name: name))
        }
        // When sixteen dashboards ask for the list in the same second at once
        let lists = try await withThrowingTaskGroup(of: [StationDetail].self) { group in
            for _ in 0..<16 { group.addTask { try await db.alerts() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Then they all get the same list, computed once
        #expect(lists.count == 16)
        #expect(lists.allSatisfy { $0 == lists[0] && $0.count == 3 })
        #expect(db.alertsCache.computations == 1)
        // and a write makes the next request compute it again, showing the write
        let zao = generators[0]
        _ = try await db.logReading(generatorId: zao, NewReading(levelMillilitres: 700_000, loadPermille: 400, source: .dip), by: "a")
        let after = try await db.alerts().flatMap(\.generators).first { $0.generator.id == zao }
        #expect(after?.latestReading?.levelMillilitres == 700_000)
        #expect(db.alertsCache.computations == 2)
    }

    @Test func aComputationThatFinishesLateDoesNotReplaceANewerList() async throws {
        // Given a computation for revision 5 that has started and not finished
        let cache = AlertsCache()
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let (begun, markBegun) = AsyncStream.makeStream(of: Void.self)
        let older = Task {
            try await cache.list(revision: 5, now: 100) {
                markBegun.yield()
                for await _ in gate { break }
                return (5, [])
            }
        }
        for await _ in begun { break }
        // When a write (revision 6) makes a request compute its own list, and the older one ends after it
        _ = try await cache.list(revision: 6, now: 100) { (6, []) }
        #expect(cache.computations == 2)
        open.yield()
        _ = try await older.value
        // Then the newer list is the one kept: asking again for revision 6 computes nothing
        _ = try await cache.list(revision: 6, now: 100) { (6, []) }
        #expect(cache.computations == 2)
    }
}
