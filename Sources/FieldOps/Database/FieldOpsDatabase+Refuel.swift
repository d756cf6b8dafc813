import Foundation
import GRDB

/// What a refuel-run transition carries besides the target state.
public struct RefuelRunChange: Sendable {
    /// The lifecycle facts (target, abort reason, delivered volume).
    public var request: RefuelRunTransitionRequest
    /// Scheduling: how the run travels (defaults to the station's fastest available mode).
    public var accessMode: AccessModeKind?
    /// Scheduling: planned departure.
    public var departsAt: Date?
    /// Delivery: when the fuel went in (default now).
    public var deliveredAt: Date?

    /// Creates a change.
    public init(request: RefuelRunTransitionRequest, accessMode: AccessModeKind? = nil, departsAt: Date? = nil, deliveredAt: Date? = nil) {
        self.request = request
        self.accessMode = accessMode
        self.departsAt = departsAt
        self.deliveredAt = deliveredAt
    }
}

/// A refuel run with how its delivery squared with the tank.
public struct RefuelRunDetail: Sendable, Equatable {
    /// The run.
    public var run: RefuelRun
    /// The station's name.
    public var stationName: String
    /// Set once a reading after the delivery exists.
    public var reconciliation: DeliveryReconciliation?
    /// States it can move to next.
    public var allowedTransitions: [RefuelRunState] { run.state.allowedTargets }
}

extension FieldOpsDatabase {
    /// Proposes a run to fill a generator's tank.
    public func proposeRefuelRun(generatorId: Int64, plannedMillilitres: Int64, note: String, by actor: String) async throws -> RefuelRunDetail {
        guard plannedMillilitres > 0 else { throw FieldOpsError.invalid(field: "planned_litres", message: "must be above zero") }
        let id = try await write(by: actor) { tx in
            let generator = try tx.require(Generator.self, id: generatorId, entity: "generator")
            guard plannedMillilitres <= generator.tankCapacityMillilitres else {
                throw FieldOpsError.invalid(field: "planned_litres", message: "exceeds the tank capacity")
            }
            let run = try tx.insert(RefuelRun(
                id: nil, stationId: generator.stationId, generatorId: generatorId, state: .proposed,
                plannedMillilitres: plannedMillilitres, accessMode: nil, departsAt: nil, deliveredMillilitres: nil,
                deliveredAt: nil, abortReason: nil, abortCount: 0, note: note, version: 1, createdAt: tx.now, updatedAt: tx.now
            ))
            return try run.primaryKeyValue()
        }
        return try await refuelRun(id: id)
    }

    /// Refuel runs, open ones first (by state order), then newest.
    public func refuelRuns(state: RefuelRunState? = nil, page: Page) async throws -> [RefuelRunDetail] {
        try await read { sql in
            let runs = if let state {
                try sql.fetchAll(RefuelRun.self, "SELECT * FROM refuelRun WHERE state = ? ORDER BY id DESC LIMIT ? OFFSET ?", [state.rawValue, page.limit, page.offset])
            } else {
                try sql.fetchAll(RefuelRun.self, "SELECT * FROM refuelRun ORDER BY id DESC LIMIT ? OFFSET ?", [page.limit, page.offset])
            }
            return try runs.map { try Self.refuelRunDetail(sql, run: $0) }
        }
    }

    /// One refuel run.
    public func refuelRun(id: Int64) async throws -> RefuelRunDetail {
        try await read { sql in
            guard let run = try sql.record(RefuelRun.self, id: id) else { throw FieldOpsError.notFound(entity: "refuel_run", id: id) }
            return try Self.refuelRunDetail(sql, run: run)
        }
    }

    /// Moves a refuel run through its lifecycle if `expectedVersion` is current.
    public func transitionRefuelRun(id: Int64, change: RefuelRunChange, expectedVersion: Int, by actor: String) async throws -> RefuelRunDetail {
        try await write(by: actor) { tx in
            let current = try tx.require(RefuelRun.self, id: id, entity: "refuel_run")
            try requireVersion(entity: "refuel_run", id: id, expected: expectedVersion, current: current.version)
            var request = change.request
            if request.to == .closed, let deliveredAt = current.deliveredAt {
                request.hasReadingAfterDelivery = try Self.readingAfter(tx.sql, generatorId: current.generatorId, date: deliveredAt) != nil
            }
            let step = try RefuelRunLifecycle(state: current.state).apply(request).acceptedOrThrow()
            var updated = current
            updated.state = step.to
            updated.version += 1
            updated.updatedAt = tx.now
            if let note = request.note?.trimmedOrNil { updated.note = note }
            switch step.to {
            case .scheduled:
                updated.accessMode = try Self.accessModeForRun(tx.sql, stationId: current.stationId, requested: change.accessMode)
                updated.departsAt = change.departsAt ?? tx.now
            case .delivered:
                updated.deliveredMillilitres = request.deliveredMillilitres
                updated.deliveredAt = change.deliveredAt ?? tx.now
            case .aborted:
                updated.abortReason = request.abortReason
                updated.abortCount += 1
            case .proposed:
                // Back to the drawing board: the old schedule no longer holds.
                updated.accessMode = nil
                updated.departsAt = nil
            case .enRoute, .closed, .cancelled:
                break
            }
            try tx.update(updated, from: current, action: "transition")
            return try Self.refuelRunDetail(tx.sql, run: updated)
        }
    }

    /// The requested mode must exist and be available; without one, the fastest available.
    private static func accessModeForRun(_ sql: any FieldOpsSQL, stationId: Int64, requested: AccessModeKind?) throws -> AccessModeKind {
        let modes = try accessModes(sql, stationIds: [stationId])
        if let requested {
            guard let mode = modes.first(where: { $0.mode == requested }), mode.available else {
                throw FieldOpsError.invalid(field: "access_mode", message: "\(requested.rawValue) is not available at this station")
            }
            return requested
        }
        guard let fastest = modes.filter(\.available).min(by: { $0.leadSeconds < $1.leadSeconds }) else {
            throw FieldOpsError.invalid(field: "access_mode", message: "the station has no available access mode")
        }
        return fastest.mode
    }

    private static func readingAfter(_ sql: any FieldOpsSQL, generatorId: Int64, date: Date) throws -> TankReading? {
        try sql.fetchOne(TankReading.self, "SELECT * FROM tankReading WHERE generatorId = ? AND at > ? ORDER BY at, id LIMIT 1", [generatorId, date])
    }

    static func refuelRunDetail(_ sql: any FieldOpsSQL, run: RefuelRun) throws -> RefuelRunDetail {
        let station = try sql.record(RelayStation.self, id: run.stationId)
        var reconciliation: DeliveryReconciliation?
        if let deliveredAt = run.deliveredAt, let delivered = run.deliveredMillilitres,
           let after = try readingAfter(sql, generatorId: run.generatorId, date: deliveredAt),
           let before = try sql.fetchOne(
               TankReading.self, "SELECT * FROM tankReading WHERE generatorId = ? AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
               [run.generatorId, deliveredAt]
           ),
           let generator = try sql.record(Generator.self, id: run.generatorId) {
            reconciliation = DeliveryReconciliation(
                before: before.snapshot, delivered: delivered,
                after: LevelSample(at: after.at.unixSeconds, levelMillilitres: after.levelMillilitres),
                curve: try generator.burnCurve
            )
        }
        return RefuelRunDetail(run: run, stationName: station?.name ?? "?", reconciliation: reconciliation)
    }
}
