import Foundation
import GRDB

/// A run taking fuel to a relay station's generator.
public struct RefuelRun: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "refuelRun"
    /// Row id.
    public var id: Int64?
    /// The station.
    public var stationId: Int64
    /// The generator whose tank is filled.
    public var generatorId: Int64
    /// Lifecycle state.
    public var state: RefuelRunState
    /// Fuel to take, millilitres.
    public var plannedMillilitres: Int64
    /// How the run travels; set when scheduled.
    public var accessMode: AccessModeKind?
    /// Planned departure; set when scheduled.
    public var departsAt: Date?
    /// Fuel put in the tank; set when delivered.
    public var deliveredMillilitres: Int64?
    /// When it was put in; set when delivered.
    public var deliveredAt: Date?
    /// Why the last attempt was called off.
    public var abortReason: AbortReason?
    /// Number of aborted attempts so far.
    public var abortCount: Int
    /// Free text.
    public var note: String
    /// Optimistic-locking version.
    public var version: Int
    /// When it was proposed.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `stationId` column.
        public static let stationId = Column(CodingKeys.stationId)
        /// The `generatorId` column.
        public static let generatorId = Column(CodingKeys.generatorId)
        /// The `state` column.
        public static let state = Column(CodingKeys.state)
        /// The `deliveredAt` column.
        public static let deliveredAt = Column(CodingKeys.deliveredAt)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One audited write: who, when, what entity, what action, and what changed.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "auditEntry"
    /// Row id.
    public var id: Int64?
    /// When the transaction ran.
    public var at: Date
    /// Who asked for it (X-Actor header, $USER, --actor).
    public var actor: String
    /// Table name of the entity written.
    public var entity: String
    /// Its row id.
    public var entityId: Int64
    /// "create", "update", "transition:<from>-><to>", "append"...
    public var action: String
    /// JSON object: column → {"from": old, "to": new}; for creates, column → value.
    public var changes: String

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `entity` column.
        public static let entity = Column(CodingKeys.entity)
        /// The `entityId` column.
        public static let entityId = Column(CodingKeys.entityId)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
