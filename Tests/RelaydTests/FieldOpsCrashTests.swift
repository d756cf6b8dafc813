import FieldOps
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import relayd

/// Kills the real relayd process (`relayd serve`) with SIGKILL in the middle of a stream of writes, reopens the
/// database and checks that every write the server acknowledged is there, audited, intact.
@Suite struct FieldOpsCrashTests {
    /// What a writer was told was committed.
    struct Acknowledged: Sendable, Hashable {
        var readingId: Int64
        var millilitres: Int64
        var loadPermille: Int
    }

    /// Collects acknowledgements and tells exactly one writer when to pull the trigger.
    actor AcknowledgementLog {
        private(set) var acknowledged: [Acknowledged] = []
        private(set) var attempted = 0
        private var killed = false
        let killAfter: Int

        init(killAfter: Int) { self.killAfter = killAfter }

        func attempt() { attempted += 1 }

        /// Records an ack; true once, for the ack that reaches the threshold.
        func record(_ ack: Acknowledged) -> Bool {
            acknowledged.append(ack)
            guard !killed, acknowledged.count >= killAfter else { return false }
            killed = true
            return true
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: FieldOpsBackend.allCases)
    func everyAcknowledgedWriteSurvivesKillNine(backend: FieldOpsBackend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let postgres = backend == .postgresql ? try await RelaydTestPostgres.freshDatabase() : nil
        let server = try await FieldOpsServerProcess(dataDirectory: directory, postgres: postgres)

        // Given a station with one generator, created over HTTP
        let setup = server.connect()
        let (stationStatus, _) = try await setup.postJSON("/api/fieldops/stations", #"{"name":"Zao","latitude":38.1,"longitude":140.4,"elevation_m":1736,"access_modes":[{"mode":"road","lead_hours":6}]}"#)
        #expect(stationStatus == .created)
        let (generatorStatus, _) = try await setup.postJSON("/api/fieldops/stations/1/generators", #"{"rated_kw":7.5,"tank_litres":10000,"usable_fraction":0.9,"reserve_litres":10,"curve":[[25,2],[100,5]]}"#)
        #expect(generatorStatus == .created)
        try await setup.shutdown()

        // When four writers stream readings and the server is SIGKILLed after the 300th ack
        let log = AcknowledgementLog(killAfter: 300)
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    let client = server.connect()
                    var sequence = 0
                    while true {
                        sequence += 1
                        // Distinct values per write so a torn or swapped row would show.
                        let millilitres = Int64(writer * 1_000_000 + sequence * 7)
                        let load = (writer * 37 + sequence) % 1001
                        let body = #"{"litres":\#(Double(millilitres) / 1000),"load_percent":\#(Double(load) / 10),"source":"sensor"}"#
                        await log.attempt()
                        guard let (status, text) = try? await client.postJSON("/api/fieldops/generators/1/readings", body),
                              status == .created,
                              let id = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))["id"].int64
                        else { break }  // the server is gone: this write was never acknowledged
                        if await log.record(Acknowledged(readingId: id, millilitres: millilitres, loadPermille: load)) {
                            server.killHard()
                        }
                    }
                    try? await client.shutdown()
                }
            }
        }
        let exitStatus = await server.waitForExit()
        #expect(server.process.terminationReason == .uncaughtSignal)
        #expect(exitStatus == SIGKILL)

        // Then the reopened database is sound and holds every acknowledged write with its audit entry
        let acknowledged = await log.acknowledged
        let attempted = await log.attempted
        #expect(acknowledged.count >= 300)
        // Every writer was still writing when the server died: its last attempt failed.
        #expect(attempted >= acknowledged.count + 4)
        let database = if let postgres {
            FieldOpsDatabase(store: try await PostgresFieldOpsStore.open(postgres, connections: 2))
        } else {
            try FieldOpsDatabase.open(at: FieldOpsHTTP.databaseURL(dataDirectory: directory))
        }
        #expect(try await database.integrityCheck() == "ok")
        let stored = try await database.readings(generatorId: 1, page: Page(limit: 500)) + database.readings(generatorId: 1, page: Page(limit: 500, offset: 500))
        let byId = Dictionary(uniqueKeysWithValues: stored.compactMap { reading in reading.id.map { ($0, reading) } })
        for ack in acknowledged {
            let reading = byId[ack.readingId]
            #expect(reading?.levelMillilitres == ack.millilitres, "reading \(ack.readingId)")
            #expect(reading?.loadPermille == ack.loadPermille, "reading \(ack.readingId)")
            let audit = try await database.auditTrail(entity: "tankReading", id: ack.readingId)
            #expect(audit.map(\.action) == ["create"], "audit of reading \(ack.readingId)")
        }
        // Writes in flight at the kill may or may not have committed, but nothing beyond what was sent
        #expect(stored.count >= acknowledged.count)
        #expect(stored.count <= attempted)

        // And a restarted server serves the same data from the same file
        let restarted = try await FieldOpsServerProcess(dataDirectory: directory, postgres: postgres)
        let client = restarted.connect()
        let (_, text) = try await client.getText("/api/fieldops/generators/1/readings?limit=1")
        let latest = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(latest["items"][0]["id"].int64 == stored.first?.id)
        try await client.shutdown()
        restarted.stop()
        _ = await restarted.waitForExit()
    }
}
