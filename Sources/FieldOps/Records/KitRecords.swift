import Foundation
import GRDB

/// What a kit is.
public enum KitKind: String, Codable, Sendable, CaseIterable {
    case satelliteTerminal = "satellite_terminal"
    case videoUplink = "video_uplink"
    case portableRelay = "portable_relay"
    case generatorKit = "generator_kit"
    case other
}

/// A portable kit lent to deployments.
public struct Kit: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "kit"
    /// Row id.
    public var id: Int64?
    /// The label on the case, unique (e.g. "SAT-03").
    public var name: String
    /// What it is.
    public var kind: KitKind
    /// Lifecycle state.
    public var state: KitState
    /// The deployment it is reserved for or out with; nil when at base.
    public var deploymentId: Int64?
    /// Serial numbers missing since the last return (Returned-incomplete when non-empty).
    public var missingComponents: [String]
    /// Optimistic-locking version.
    public var version: Int
    /// When it last changed.
    public var updatedAt: Date

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `name` column.
        public static let name = Column(CodingKeys.name)
        /// The `kind` column.
        public static let kind = Column(CodingKeys.kind)
        /// The `state` column.
        public static let state = Column(CodingKeys.state)
        /// The `deploymentId` column.
        public static let deploymentId = Column(CodingKeys.deploymentId)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A serialised component of a kit (terminal, modem, antenna, battery...).
public struct KitComponent: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "kitComponent"
    /// Row id.
    public var id: Int64?
    /// The kit.
    public var kitId: Int64
    /// Manufacturer serial number, unique across kits.
    public var serial: String
    /// What it is.
    public var description: String

    /// Column names for queries.
    public enum Columns {
        /// The `kitId` column.
        public static let kitId = Column(CodingKeys.kitId)
        /// The `serial` column.
        public static let serial = Column(CodingKeys.serial)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One loan of a kit to a deployment, from checkout to return (ICS-218 rows).
public struct KitLoan: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "kitLoan"
    /// Row id.
    public var id: Int64?
    /// The kit.
    public var kitId: Int64
    /// The deployment.
    public var deploymentId: Int64
    /// When it left base.
    public var checkedOutAt: Date
    /// Who signed it out.
    public var checkedOutBy: String
    /// When it came back; nil while out.
    public var returnedAt: Date?
    /// Serial numbers missing on return.
    public var missingOnReturn: [String]

    /// Column names for queries.
    public enum Columns {
        /// The `kitId` column.
        public static let kitId = Column(CodingKeys.kitId)
        /// The `deploymentId` column.
        public static let deploymentId = Column(CodingKeys.deploymentId)
        /// The `checkedOutAt` column.
        public static let checkedOutAt = Column(CodingKeys.checkedOutAt)
        /// The `returnedAt` column.
        public static let returnedAt = Column(CodingKeys.returnedAt)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// What an inspection or service record says happened to a kit.
public enum KitCareKind: String, Codable, Sendable, CaseIterable {
    case inspectionPassed = "inspection_passed"
    case inspectionFailed = "inspection_failed"
    case serviceStarted = "service_started"
    case serviceCompleted = "service_completed"
}

/// An inspection or a service record: written by the kit transitions out of Returned and
/// through Unserviceable and InService, so the history of repairs stays with the kit.
public struct KitCareRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "kitCareRecord"
    /// Row id.
    public var id: Int64?
    /// The kit.
    public var kitId: Int64
    /// When.
    public var at: Date
    /// Who inspected or serviced it.
    public var author: String
    /// Inspection or service, and its outcome.
    public var kind: KitCareKind
    /// Findings, parts replaced.
    public var notes: String

    /// Column names for queries.
    public enum Columns {
        /// The `kitId` column.
        public static let kitId = Column(CodingKeys.kitId)
        /// The `at` column.
        public static let at = Column(CodingKeys.at)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
