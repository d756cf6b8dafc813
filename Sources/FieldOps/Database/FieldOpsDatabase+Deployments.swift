import Foundation
import GRDB

/// A deployment to log.
public struct NewDeployment: Sendable {
    /// Disaster, security event or investigation.
    public var kind: DeploymentKind
    /// Incident name.
    public var incidentName: String
    /// Location, free text.
    public var location: String
    /// The unit in charge.
    public var leadUnitId: Int64
    /// VideoRelay source ids linked to the deployment.
    public var videoSources: [String]
    /// WGS84 latitude of the scene, for the map; both coordinates or neither.
    public var latitude: Double?
    /// WGS84 longitude of the scene.
    public var longitude: Double?

    /// Creates the input.
    public init(
        kind: DeploymentKind, incidentName: String, location: String, leadUnitId: Int64, videoSources: [String] = [],
        latitude: Double? = nil, longitude: Double? = nil
    ) {
        self.kind = kind
        self.incidentName = incidentName
        self.location = location
        self.leadUnitId = leadUnitId
        self.videoSources = videoSources
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Refuses one coordinate without the other and values off the globe.
    func validateCoordinates() throws(FieldOpsError) {
        switch (latitude, longitude) {
        case (nil, nil):
            return
        case (.some(let latitude), .some(let longitude)):
            guard latitude.isFinite, (-90...90).contains(latitude) else { throw .invalid(field: "latitude", message: "must be between -90 and 90") }
            guard longitude.isFinite, (-180...180).contains(longitude) else { throw .invalid(field: "longitude", message: "must be between -180 and 180") }
        case (nil, .some):
            throw .invalid(field: "latitude", message: "is required with a longitude")
        case (.some, nil):
            throw .invalid(field: "longitude", message: "is required with a latitude")
        }
    }
}

/// Which deployments to list.
public struct DeploymentFilter: Sendable {
    /// Only this state.
    public var state: DeploymentState?
    /// Only this kind.
    public var kind: DeploymentKind?

    /// Creates a filter.
    public init(state: DeploymentState? = nil, kind: DeploymentKind? = nil) {
        self.state = state
        self.kind = kind
    }
}

/// A deployment with what a coordinator needs beside it.
public struct DeploymentDetail: Sendable, Equatable {
    /// The deployment.
    public var deployment: Deployment
    /// The lead unit's callsign.
    public var leadCallsign: String
    /// Kits reserved for or out with it.
    public var kits: [Kit]
    /// Units checked in, earliest first.
    public var checkIns: [DeploymentCheckIn]
    /// States it can move to next.
    public var allowedTransitions: [DeploymentState] { deployment.state.allowedTargets }
}

/// A time window (an ICS operational period); open ends are unbounded.
public struct OperationalPeriod: Sendable, Equatable {
    /// Start, inclusive.
    public var from: Date?
    /// End, exclusive.
    public var to: Date?

    /// Creates a period, refusing one that ends before it starts.
    public init(from: Date? = nil, to: Date? = nil) throws(FieldOpsError) {
        if let from, let to, to <= from { throw .invalid(field: "to", message: "must be after from") }
        self.from = from
        self.to = to
    }

    /// True when `date` falls in the period.
    public func contains(_ date: Date) -> Bool {
        (from.map { date >= $0 } ?? true) && (to.map { date < $0 } ?? true)
    }

    /// True when [start, end) overlaps the period; a nil end is still open.
    public func overlaps(start: Date, end: Date?) -> Bool {
        (to.map { start < $0 } ?? true) && (from.map { (end ?? .distantFuture) > $0 } ?? true)
    }
}

extension FieldOpsDatabase {
    /// Logs a new deployment in state planned.
    public func createDeployment(_ input: NewDeployment, by actor: String) async throws -> Deployment {
        let incident = try requireText(input.incidentName, field: "incident_name")
        let location = try requireText(input.location, field: "location")
        try input.validateCoordinates()
        return try await write(by: actor) { tx in
            guard try tx.sql.exists(FieldUnit.self, id: input.leadUnitId) else {
                throw FieldOpsError.invalid(field: "lead_unit_id", message: "unit \(input.leadUnitId) does not exist")
            }
            let deployment = try tx.insert(Deployment(
                id: nil, kind: input.kind, incidentName: incident, location: location, leadUnitId: input.leadUnitId,
                videoSources: input.videoSources, state: .planned, version: 1, createdAt: tx.now, updatedAt: tx.now,
                latitude: input.latitude, longitude: input.longitude
            ))
            try tx.appendActivity(deploymentId: try deployment.primaryKeyValue(), at: tx.now, text: "Deployment logged (planned)")
            return deployment
        }
    }

    /// Deployments, newest first.
    public func deployments(_ filter: DeploymentFilter = DeploymentFilter(), page: Page) async throws -> [Deployment] {
        try await read { sql in
            var conditions = ["1 = 1"]
            var arguments: [SQLArgument] = []
            if let state = filter.state { conditions.append("state = ?"); arguments.append(state.rawValue) }
            if let kind = filter.kind { conditions.append("kind = ?"); arguments.append(kind.rawValue) }
            return try sql.fetchAll(
                Deployment.self, "SELECT * FROM deployment WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments + [page.limit, page.offset]
            )
        }
    }

    /// One deployment with its kits and check-ins.
    public func deployment(id: Int64) async throws -> DeploymentDetail {
        try await read { sql in try Self.deploymentDetail(sql, id: id) }
    }

    static func deploymentDetail(_ sql: any FieldOpsSQL, id: Int64) throws -> DeploymentDetail {
        // One batch: the lead unit is found through the deployment's row.
        let rows = try sql.rows(batch: [
            SQLStatement("SELECT * FROM deployment WHERE id = ?", [id]),
            SQLStatement("SELECT callsign FROM unit WHERE id IN (SELECT leadUnitId FROM deployment WHERE id = ?)", [id]),
            SQLStatement("SELECT * FROM kit WHERE deploymentId = ? ORDER BY name", [id]),
            SQLStatement("SELECT * FROM deploymentCheckIn WHERE deploymentId = ? ORDER BY checkedInAt, id", [id]),
        ])
        guard let deployment = try rows[0].first.map({ try Deployment(row: $0) }) else { throw FieldOpsError.notFound(entity: "deployment", id: id) }
        let leadCallsign: String? = rows[1].first?["callsign"]
        return DeploymentDetail(
            deployment: deployment, leadCallsign: leadCallsign ?? "?", kits: try rows[2].map({ try Kit(row: $0) }), checkIns: try rows[3].map({ try DeploymentCheckIn(row: $0) })
        )
    }

    /// Moves a deployment through its lifecycle if `expectedVersion` is current, logging the
    /// move in its activity log.
    public func transitionDeployment(id: Int64, to target: DeploymentState, reason: String?, expectedVersion: Int, by actor: String) async throws -> Deployment {
        try await write(by: actor) { tx in
            let current = try tx.require(Deployment.self, id: id, entity: "deployment")
            try requireVersion(entity: "deployment", id: id, expected: expectedVersion, current: current.version)
            let kitsOut = try tx.sql.fetchAll(
                Kit.self, "SELECT * FROM kit WHERE deploymentId = ? AND state IN (?, ?) ORDER BY name",
                [id, KitState.checkedOut.rawValue, KitState.deployed.rawValue]
            ).map(\.name)
            let request = DeploymentTransitionRequest(to: target, reason: reason, kitsStillOut: kitsOut)
            let step = try DeploymentLifecycle(state: current.state).apply(request).acceptedOrThrow()
            var updated = current
            updated.state = step.to
            updated.version += 1
            updated.updatedAt = tx.now
            try tx.update(updated, from: current, action: "transition")
            try tx.appendActivity(deploymentId: id, at: tx.now, text: "State: \(step.logLine)")
            if step.to == .cancelled {
                try Self.releaseReservations(tx, deploymentId: id)
            }
            return updated
        }
    }

    /// Kits reserved for a cancelled deployment go back to available.
    private static func releaseReservations(_ tx: AuditedWrite, deploymentId: Int64) throws {
        let reserved = try tx.sql.fetchAll(Kit.self, "SELECT * FROM kit WHERE deploymentId = ? AND state = ? ORDER BY id", [deploymentId, KitState.reserved.rawValue])
        for kit in reserved {
            var released = kit
            released.state = .available
            released.deploymentId = nil
            released.version += 1
            released.updatedAt = tx.now
            try tx.update(released, from: kit, action: "transition")
        }
    }

    /// Checks a unit in to a deployment (ICS-211).
    public func checkIn(deploymentId: Int64, unitId: Int64, assignment: String, at: Date?, by actor: String) async throws -> DeploymentCheckIn {
        try await write(by: actor) { tx in
            let deployment = try tx.require(Deployment.self, id: deploymentId, entity: "deployment")
            guard [.mobilizing, .active, .demobilizing].contains(deployment.state) else {
                throw FieldOpsError.invalid(field: "deployment", message: "units check in while mobilizing, active or demobilizing; it is \(deployment.state.rawValue)")
            }
            guard let unit = try tx.sql.record(FieldUnit.self, id: unitId) else {
                throw FieldOpsError.invalid(field: "unit_id", message: "unit \(unitId) does not exist")
            }
            let checkIn = try tx.insert(DeploymentCheckIn(
                id: nil, deploymentId: deploymentId, unitId: unitId, checkedInAt: at ?? tx.now, checkedOutAt: nil,
                assignment: assignment.trimmedOrNil ?? ""
            ))
            try tx.appendActivity(deploymentId: deploymentId, at: at ?? tx.now, text: "\(unit.callsign) checked in")
            return checkIn
        }
    }

    /// Appends a line to a deployment's activity log.
    public func appendActivity(deploymentId: Int64, text: String, at: Date?, by actor: String) async throws -> ActivityEntry {
        let text = try requireText(text, field: "text")
        return try await write(by: actor) { tx in
            _ = try tx.require(Deployment.self, id: deploymentId, entity: "deployment")
            return try tx.appendActivity(deploymentId: deploymentId, at: at ?? tx.now, text: text)
        }
    }

    /// A deployment's activity log in a period, in order of entry.
    public func activity(deploymentId: Int64, period: OperationalPeriod) async throws -> [ActivityEntry] {
        try await read { sql in
            guard try sql.exists(Deployment.self, id: deploymentId) else { throw FieldOpsError.notFound(entity: "deployment", id: deploymentId) }
            return try Self.activityEntries(sql, deploymentId: deploymentId).filter { period.contains($0.at) }
        }
    }

    /// A deployment's whole activity log, in order of entry.
    static func activityEntries(_ sql: any FieldOpsSQL, deploymentId: Int64) throws -> [ActivityEntry] {
        try sql.fetchAll(ActivityEntry.self, "SELECT * FROM activityEntry WHERE deploymentId = ? ORDER BY at, id", [deploymentId])
    }
}

extension AuditedWrite {
    /// Appends an activity entry (ICS-214 line) authored by the transaction's actor.
    @discardableResult
    func appendActivity(deploymentId: Int64, at: Date, text: String) throws -> ActivityEntry {
        try insert(ActivityEntry(id: nil, deploymentId: deploymentId, at: at, author: actor, text: text))
    }
}
