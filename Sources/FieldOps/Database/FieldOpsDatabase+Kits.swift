import Foundation
import GRDB

/// A kit to register, with its serialised components.
public struct NewKit: Sendable {
    /// Label on the case, unique.
    public var name: String
    /// What it is.
    public var kind: KitKind
    /// Components: serial number and description.
    public var components: [NewComponent]

    /// Creates the input.
    public init(name: String, kind: KitKind, components: [NewComponent]) {
        self.name = name
        self.kind = kind
        self.components = components
    }
}

/// A component to register with a kit.
public struct NewComponent: Sendable {
    /// Serial number, unique.
    public var serial: String
    /// What it is.
    public var description: String

    /// Creates the input.
    public init(serial: String, description: String) {
        self.serial = serial
        self.description = description
    }
}

/// Which kits to list.
public struct KitFilter: Sendable {
    /// Only this state.
    public var state: KitState?
    /// Only this kind.
    public var kind: KitKind?
    /// Only kits with this deployment.
    public var deploymentId: Int64?

    /// Creates a filter.
    public init(state: KitState? = nil, kind: KitKind? = nil, deploymentId: Int64? = nil) {
        self.state = state
        self.kind = kind
        self.deploymentId = deploymentId
    }
}

/// A kit with its components and history.
public struct KitDetail: Sendable, Equatable {
    /// The kit.
    public var kit: Kit
    /// Its components, by serial.
    public var components: [KitComponent]
    /// Its loans, newest first.
    public var loans: [KitLoan]
    /// Inspections and service records, newest first.
    public var care: [KitCareRecord]
    /// States it can move to next.
    public var allowedTransitions: [KitState] { kit.state.allowedTargets }
}

extension FieldOpsDatabase {
    /// Registers a kit, available, with its components.
    public func createKit(_ input: NewKit, by actor: String) async throws -> KitDetail {
        let name = try requireText(input.name, field: "name")
        var serials = Set<String>()
        for (index, component) in input.components.enumerated() {
            let serial = try requireText(component.serial, field: "components[\(index)].serial")
            guard serials.insert(serial).inserted else {
                throw FieldOpsError.invalid(field: "components[\(index)].serial", message: "\(serial) is listed twice")
            }
        }
        let allSerials = serials
        return try await write(by: actor) { tx in
            if try tx.sql.integer("SELECT COUNT(*) AS value FROM kit WHERE name = ?", [name]) ?? 0 > 0 {
                throw FieldOpsError.invalid(field: "name", message: "kit \(name) is already registered")
            }
            if let taken = try Self.componentTaken(tx.sql, serials: Array(allSerials), otherThanKit: nil) {
                throw FieldOpsError.invalid(field: "components", message: "serial \(taken.serial) belongs to kit \(taken.kitId)")
            }
            let kit = try tx.insert(Kit(
                id: nil, name: name, kind: input.kind, state: .available, deploymentId: nil,
                missingComponents: [], version: 1, updatedAt: tx.now
            ))
            let kitId = try kit.primaryKeyValue()
            let components = try input.components.map { component in
                try tx.insert(KitComponent(id: nil, kitId: kitId, serial: component.serial.trimmedOrNil ?? "", description: component.description))
            }
            return KitDetail(kit: kit, components: components.sorted { $0.serial < $1.serial }, loans: [], care: [])
        }
    }

    /// Kits by name.
    public func kits(_ filter: KitFilter = KitFilter(), page: Page) async throws -> [Kit] {
        try await read { sql in
            var conditions = ["1 = 1"]
            var arguments: [SQLArgument] = []
            if let state = filter.state { conditions.append("state = ?"); arguments.append(state.rawValue) }
            if let kind = filter.kind { conditions.append("kind = ?"); arguments.append(kind.rawValue) }
            if let deploymentId = filter.deploymentId { conditions.append("deploymentId = ?"); arguments.append(deploymentId) }
            return try sql.fetchAll(
                Kit.self, "SELECT * FROM kit WHERE \(conditions.joined(separator: " AND ")) ORDER BY name LIMIT ? OFFSET ?",
                arguments + [page.limit, page.offset]
            )
        }
    }

    /// One kit with its components, loans and care records.
    public func kit(id: Int64) async throws -> KitDetail {
        try await read { sql in try Self.kitDetail(sql, id: id) }
    }

    static func kitDetail(_ sql: any FieldOpsSQL, id: Int64) throws -> KitDetail {
        guard let kit = try sql.record(Kit.self, id: id) else { throw FieldOpsError.notFound(entity: "kit", id: id) }
        return KitDetail(
            kit: kit,
            components: try components(sql, kitId: id),
            loans: try sql.fetchAll(KitLoan.self, "SELECT * FROM kitLoan WHERE kitId = ? ORDER BY checkedOutAt DESC, id DESC", [id]),
            care: try sql.fetchAll(KitCareRecord.self, "SELECT * FROM kitCareRecord WHERE kitId = ? ORDER BY at DESC, id DESC", [id])
        )
    }

    /// A kit's components by serial number.
    static func components(_ sql: any FieldOpsSQL, kitId: Int64) throws -> [KitComponent] {
        try sql.fetchAll(KitComponent.self, "SELECT * FROM kitComponent WHERE kitId = ? ORDER BY serial", [kitId])
    }

    /// A component of another kit (or of any kit) carrying one of `serials`.
    static func componentTaken(_ sql: any FieldOpsSQL, serials: [String], otherThanKit kitId: Int64?) throws -> KitComponent? {
        guard !serials.isEmpty else { return nil }
        return try sql.fetchOne(
            KitComponent.self, "SELECT * FROM kitComponent WHERE serial IN (\(sqlPlaceholders(serials.count))) AND kitId <> ? ORDER BY serial",
            serials.sorted().map { $0 as SQLArgument } + [kitId ?? 0]
        )
    }

    /// Checks a kit out to a deployment (from available or reserved) and opens a loan.
    public func checkOutKit(id: Int64, deploymentId: Int64, expectedVersion: Int, by actor: String) async throws -> KitDetail {
        try await transitionKit(id: id, request: KitTransitionRequest(to: .checkedOut, deploymentID: deploymentId), notes: nil, expectedVersion: expectedVersion, by: actor)
    }

    /// Books a kit back in. `present` lists the serial numbers counted; every other component
    /// of the kit is recorded as missing and the kit stays Returned-incomplete.
    public func returnKit(id: Int64, presentSerials: [String], expectedVersion: Int, by actor: String) async throws -> KitDetail {
        let counted = Set(presentSerials.compactMap(\.trimmedOrNil))
        let serials = try await read { sql in try Self.components(sql, kitId: id).map(\.serial) }
        if let stranger = counted.subtracting(serials).sorted().first {
            throw FieldOpsError.invalid(field: "present_serials", message: "\(stranger) is not a component of kit \(id)")
        }
        let missing = serials.filter { !counted.contains($0) }
        return try await transitionKit(id: id, request: KitTransitionRequest(to: .returned, missingComponents: missing), notes: nil, expectedVersion: expectedVersion, by: actor)
    }

    /// Moves a kit through its lifecycle. Checkouts open a loan, returns close it, and moves
    /// out of returned/unserviceable/in-service leave an inspection or service record.
    public func transitionKit(id: Int64, request: KitTransitionRequest, notes: String?, expectedVersion: Int, by actor: String) async throws -> KitDetail {
        try await write(by: actor) { tx in
            let current = try tx.require(Kit.self, id: id, entity: "kit")
            try requireVersion(entity: "kit", id: id, expected: expectedVersion, current: current.version)
            let outcome = try KitLifecycle(state: current.state, missingComponents: current.missingComponents).apply(request).acceptedOrThrow()
            var updated = current
            updated.state = outcome.step.to
            updated.missingComponents = outcome.missingComponents
            updated.version += 1
            updated.updatedAt = tx.now
            switch outcome.step.to {
            case .reserved, .checkedOut:
                updated.deploymentId = try Self.requireOpenDeployment(tx, id: request.deploymentID, kit: current)
            case .available, .unserviceable, .inService, .retired:
                updated.deploymentId = nil
            case .deployed, .returned, .lost:
                break
            }
            try tx.update(updated, from: current, action: "transition")
            try Self.recordLoanAndCare(tx, kit: updated, step: outcome, notes: notes)
            return try Self.kitDetail(tx.sql, id: id)
        }
    }

    /// The deployment a kit may go to: it must exist and not be closed or cancelled, and a
    /// kit reserved for one deployment cannot be checked out to another.
    private static func requireOpenDeployment(_ tx: AuditedWrite, id: Int64?, kit: Kit) throws -> Int64 {
        guard let id else { throw FieldOpsError.invalid(field: "deployment_id", message: "is required") }
        guard let deployment = try tx.sql.record(Deployment.self, id: id) else {
            throw FieldOpsError.invalid(field: "deployment_id", message: "deployment \(id) does not exist")
        }
        guard ![.closed, .cancelled].contains(deployment.state) else {
            throw FieldOpsError.invalid(field: "deployment_id", message: "deployment \(id) is \(deployment.state.rawValue)")
        }
        if kit.state == .reserved, let reservedFor = kit.deploymentId, reservedFor != id {
            throw FieldOpsError.invalid(field: "deployment_id", message: "kit \(kit.name) is reserved for deployment \(reservedFor)")
        }
        return id
    }

    private static func recordLoanAndCare(_ tx: AuditedWrite, kit: Kit, step: KitStep, notes: String?) throws {
        let kitId = try kit.primaryKeyValue()
        let notes = notes?.trimmedOrNil ?? step.step.reason ?? ""
        switch (step.step.from, step.step.to) {
        case (_, .checkedOut):
            guard let deploymentId = kit.deploymentId else { return }
            _ = try tx.insert(KitLoan(
                id: nil, kitId: kitId, deploymentId: deploymentId, checkedOutAt: tx.now, checkedOutBy: tx.actor,
                returnedAt: nil, missingOnReturn: []
            ))
            try tx.appendActivity(deploymentId: deploymentId, at: tx.now, text: "Kit \(kit.name) checked out")
        case (_, .returned):
            guard let loan = try tx.sql.fetchOne(KitLoan.self, "SELECT * FROM kitLoan WHERE kitId = ? AND returnedAt IS NULL ORDER BY id", [kitId]) else { return }
            var closed = loan
            closed.returnedAt = tx.now
            closed.missingOnReturn = step.missingComponents
            try tx.update(closed, from: loan, action: "return")
            let missing = step.missingComponents.isEmpty ? "complete" : "incomplete, missing \(step.missingComponents.joined(separator: ", "))"
            try tx.appendActivity(deploymentId: loan.deploymentId, at: tx.now, text: "Kit \(kit.name) returned \(missing)")
        case (_, .deployed), (_, .lost):
            // The move belongs in the deployment's ICS-214 like the checkout and the return.
            guard let deploymentId = kit.deploymentId else { return }
            let line = step.step.to == .deployed ? "Kit \(kit.name) deployed" : "Kit \(kit.name) lost (\(notes))"
            try tx.appendActivity(deploymentId: deploymentId, at: tx.now, text: line)
        case (.returned, .available):
            _ = try tx.insert(KitCareRecord(id: nil, kitId: kitId, at: tx.now, author: tx.actor, kind: .inspectionPassed, notes: notes))
        case (.returned, .unserviceable):
            _ = try tx.insert(KitCareRecord(id: nil, kitId: kitId, at: tx.now, author: tx.actor, kind: .inspectionFailed, notes: notes))
        case (.unserviceable, .inService):
            _ = try tx.insert(KitCareRecord(id: nil, kitId: kitId, at: tx.now, author: tx.actor, kind: .serviceStarted, notes: notes))
        case (.inService, .available):
            _ = try tx.insert(KitCareRecord(id: nil, kitId: kitId, at: tx.now, author: tx.actor, kind: .serviceCompleted, notes: notes))
        default:
            break
        }
    }
}
