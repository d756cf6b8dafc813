import Foundation
import GRDB

/// A mobile communication unit (機動警察通信隊 team): a callsign and a home base.
public struct FieldUnit: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "unit"
    /// Row id.
    public var id: Int64?
    /// Radio callsign, unique.
    public var callsign: String
    /// Where the unit is stationed when not deployed.
    public var homeBase: String
    /// Optimistic-locking version, bumped by every update.
    public var version: Int

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `callsign` column.
        public static let callsign = Column(CodingKeys.callsign)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A member of a unit and what they are qualified for (e.g. "satellite", "drone", "driver").
public struct UnitMember: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "unitMember"
    /// Row id.
    public var id: Int64?
    /// The unit.
    public var unitId: Int64
    /// Full name as on the roster.
    public var name: String
    /// Qualifications, stored as a JSON array.
    public var qualifications: [String]

    /// Column names for queries.
    public enum Columns {
        /// The `unitId` column.
        public static let unitId = Column(CodingKeys.unitId)
        /// The `name` column.
        public static let name = Column(CodingKeys.name)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
