import Foundation
@testable import FieldOps

/// A fresh FieldOps database in its own temporary directory, on a clock the test controls.
final class DatabaseFixture: Sendable {
    let directory: URL
    let database: FieldOpsDatabase
    let clock: TestClock

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-\(UUID().uuidString)")
        let clock = TestClock(Date(unixSeconds: 1_700_000_000))
        self.clock = clock
        database = try FieldOpsDatabase.open(at: directory.appendingPathComponent("fieldops.sqlite"), clock: { clock.now })
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

import Testing

/// A settable clock; the lock makes it safe to read from GRDB's writer queue.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) { current = start }

    var now: Date { lock.withLock { current } }

    func advance(seconds: Int64) { lock.withLock { current = current.addingTimeInterval(TimeInterval(seconds)) } }
}
