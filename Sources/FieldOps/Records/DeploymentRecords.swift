import Foundation
import GRDB

/// What a deployment is for.
public enum DeploymentKind: String, Codable, Sendable, CaseIterable {
    case disaster
    case securityEvent = "security_event"
    case investigation
}

/// A deployment of units to an incident.
public struct Deployment: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "deployment"
    /// Row id.
    public var id: Int64?
    /// Disaster, security event or investigation.
    public var kind: DeploymentKind
    /// The incident's name as the control room knows it.
    public var incidentName: String
    /// Where the units go, free text (place name or grid).
    public var location: String
    /// The unit in charge.
    public var leadUnitId: Int64
    /// VideoRelay source ids (e.g. "heli-1") that carry this deployment's pictures.
    public var videoSources: [String]
    /// Lifecycle state.
    public var state: DeploymentState
    /// Optimistic-locking version.
    public var version: Int
    /// When it was logged.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date
    /// WGS84 latitude of the scene, degrees; nil when only the free-text location is known.
    public var latitude: Double? = nil
    /// WGS84 longitude of the scene, degrees; set together with `latitude`.
    public var longitude: Double? = nil

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `kind` column.
        public static let kind = Column(CodingKeys.kind)
        /// The `state` column.
        public static let state = Column(CodingKeys.state)
        /// The `leadUnitId` column.
        public static let leadUnitId = Column(CodingKeys.leadUnitId)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A unit checked in to a deployment (ICS-211).
public struct DeploymentCheckIn: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "deploymentCheckIn"
    /// Row id.
    public var id: Int64?
    /// The deployment.
    public var deploymentId: Int64
    /// The unit checking in.
    public var unitId: Int64
    /// When it arrived.
    public var checkedInAt: Date
    /// When it left; nil while on scene.
    public var checkedOutAt: Date?
    /// Its task on scene, free text.
    public var assignment: String

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `deploymentId` column.
        public static let deploymentId = Column(CodingKeys.deploymentId)
        /// The `unitId` column.
        public static let unitId = Column(CodingKeys.unitId)
        /// The `checkedInAt` column.
        public static let checkedInAt = Column(CodingKeys.checkedInAt)
        /// The `checkedOutAt` column.
        public static let checkedOutAt = Column(CodingKeys.checkedOutAt)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One line of a deployment's activity log (ICS-214). Append-only: no API edits or deletes it.
public struct ActivityEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "activityEntry"
    /// Row id; also the order of entry.
    public var id: Int64?
    /// The deployment.
    public var deploymentId: Int64
    /// When it happened.
    public var at: Date
    /// Who wrote it.
    public var author: String
    /// What happened.
    public var text: String

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `deploymentId` column.
        public static let deploymentId = Column(CodingKeys.deploymentId)
        /// The `at` column.
        public static let at = Column(CodingKeys.at)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
