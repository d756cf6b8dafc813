import FieldOps
import Foundation
import Testing
@testable import relayd

/// `relayd fieldops ...` subcommands, run as the real binary against a real data directory or
/// a real PostgreSQL (`--database`).
@Suite struct FieldOpsCLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the relayd binary to completion, off the concurrency pool.
    static func relayd(_ arguments: [String]) async throws -> Run {
        let binary = try FieldOpsServerProcess.relaydBinary()
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let process = Process()
                process.executableURL = binary
                process.arguments = arguments
                let out = Pipe()
                let err = Pipe()
                process.standardOutput = out
                process.standardError = err
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                // Read both pipes to EOF before waiting, so a chatty process cannot block on a full pipe.
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                let stderr = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: Run(
                    status: process.terminationStatus,
                    stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self)))
            }
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func theCommonWritesWorkFromTheCommandLineAndAreAudited(backend: FieldOpsBackend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Given a station, a generator, a unit, a deployment and a kit
        let postgres = backend == .postgresql ? try await RelaydTestPostgres.freshDatabase() : nil
        let database = if let postgres {
            FieldOpsDatabase(store: try await PostgresFieldOpsStore.open(postgres, connections: 2))
        } else {
            try FieldOpsDatabase.open(at: FieldOpsHTTP.databaseURL(dataDirectory: directory))
        }
        let station = try await database.createStation(NewStation(name: "Zao", latitude: 38.1, longitude: 140.4, elevationMetres: 1736, accessModes: [NewAccessMode(mode: .road, leadSeconds: 6 * 3600)]), by: "setup")
        let curve = try BurnCurve(points: [.init(loadPermille: 250, millilitresPerHour: 2000), .init(loadPermille: 500, millilitresPerHour: 3000), .init(loadPermille: 750, millilitresPerHour: 4000), .init(loadPermille: 1000, millilitresPerHour: 5000)])
        _ = try await database.addGenerator(stationId: try #require(station.station.id), NewGenerator(name: "G1", ratedWatts: 7500, fuelType: .diesel, tankCapacityMillilitres: 100_000, usableFractionPermille: 900, reserveMillilitres: 10_000, curve: curve), by: "setup")
        let unit = try await database.createUnit(NewUnit(callsign: "TSU-1", homeBase: "Sendai"), by: "setup")
        _ = try await database.createDeployment(NewDeployment(kind: .disaster, incidentName: "Flood", location: "Port", leadUnitId: try #require(unit.unit.id)), by: "setup")
        _ = try await database.createKit(NewKit(name: "SAT-01", kind: .satelliteTerminal, components: [NewComponent(serial: "TERM-100", description: ""), NewComponent(serial: "ANT-778", description: "")]), by: "setup")
        let common = (postgres.map { ["--database", "\($0)"] } ?? ["--data-dir", directory.path]) + ["--actor", "tanaka"]

        // When a reading is logged, the forecast is printed with the API's figures
        let reading = try await Self.relayd(["fieldops", "reading", "--generator", "1", "--litres", "60", "--load", "60"] + common)
        #expect(reading.status == 0, "\(reading.stderr)")
        #expect(reading.stdout.contains("time to empty: 11.76 h at load, 8.0 h at full load"))

        // An impossible move is refused with exit code 1 and the allowed states
        let jump = try await Self.relayd(["fieldops", "move", "--deployment", "1", "--to", "active"] + common)
        #expect(jump.status == 1)
        #expect(jump.stderr == "refused: deployment cannot move from planned to active; allowed from planned: mobilizing, cancelled\n")
        let move = try await Self.relayd(["fieldops", "move", "--deployment", "1", "--to", "mobilizing"] + common)
        #expect(move.stdout == "deployment 1 Flood: mobilizing (version 2)\n")
        let stale = try await Self.relayd(["fieldops", "move", "--deployment", "1", "--to", "active", "--version", "1"] + common)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("you edited version 1, it is now at version 2"))

        // Kits go out and come back short
        let out = try await Self.relayd(["fieldops", "kit-checkout", "--kit", "1", "--deployment", "1"] + common)
        #expect(out.stdout == "kit SAT-01 checked_out to deployment 1 (version 2)\n")
        let back = try await Self.relayd(["fieldops", "kit-return", "--kit", "1", "--present", "TERM-100"] + common)
        #expect(back.stdout == "kit SAT-01 returned INCOMPLETE, missing ANT-778 (version 3)\n")

        let alerts = try await Self.relayd(["fieldops", "alerts"] + common)
        #expect(alerts.stdout.hasPrefix("CRITICAL  Zao  order by "))

        // Then every write carries the CLI actor in the audit trail
        let readingAudit = try await database.auditTrail(entity: "tankReading", id: 1)
        #expect(readingAudit.map(\.actor) == ["tanaka"])
        let kitAudit = try await database.auditTrail(entity: "kit", id: 1)
        #expect(kitAudit.map(\.actor) == ["setup", "tanaka", "tanaka"])
    }
}
