import Foundation
import GRDB

/// A mountain-top radio relay station with emergency generators.
public struct RelayStation: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "relayStation"
    /// Row id.
    public var id: Int64?
    /// Station name, unique.
    public var name: String
    /// WGS84 latitude, degrees.
    public var latitude: Double
    /// WGS84 longitude, degrees.
    public var longitude: Double
    /// Elevation, metres.
    public var elevationMetres: Int
    /// Seasonal notes ("road closed Dec–Apr", "helipad drifts over").
    public var seasonalNotes: String
    /// Optimistic-locking version.
    public var version: Int

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `name` column.
        public static let name = Column(CodingKeys.name)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// How fuel reaches a station.
public enum AccessModeKind: String, Codable, Sendable, CaseIterable {
    case road
    case overSnow = "over_snow"
    case helicopter
}

/// One way to reach a station, its lead time from order to fuel in the tank, and whether it
/// is usable now (roads close for the season, aircraft get grounded).
public struct StationAccessMode: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "stationAccessMode"
    /// Row id.
    public var id: Int64?
    /// The station.
    public var stationId: Int64
    /// Road, over-snow vehicle or helicopter.
    public var mode: AccessModeKind
    /// From ordering a run to fuel in the tank, seconds.
    public var leadSeconds: Int64
    /// False while the mode is out of season or out of service.
    public var available: Bool
    /// Seasonal or operational note.
    public var note: String

    /// Column names for queries.
    public enum Columns {
        /// The `stationId` column.
        public static let stationId = Column(CodingKeys.stationId)
        /// The `mode` column.
        public static let mode = Column(CodingKeys.mode)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// Fuel a generator burns.
public enum FuelType: String, Codable, Sendable, CaseIterable {
    case diesel, petrol, kerosene, lpg
}

/// An emergency generator at a relay station.
public struct Generator: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "generator"
    /// Row id.
    public var id: Int64?
    /// The station.
    public var stationId: Int64
    /// Label at the station ("G1").
    public var name: String
    /// Rated output, watts.
    public var ratedWatts: Int64
    /// Fuel type.
    public var fuelType: FuelType
    /// Tank capacity, millilitres.
    public var tankCapacityMillilitres: Int64
    /// Share of the tank the pickup can draw, per-mille.
    public var usableFractionPermille: Int
    /// Fuel never planned with, millilitres.
    public var reserveMillilitres: Int64
    /// Burn curve points, stored as JSON.
    public var curve: [BurnCurve.Point]
    /// A reading older than this makes the band Stale, seconds.
    public var readingIntervalSeconds: Int64
    /// Optimistic-locking version.
    public var version: Int

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `stationId` column.
        public static let stationId = Column(CodingKeys.stationId)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The tank as the fuel arithmetic sees it.
    public var tank: FuelTank {
        FuelTank(
            capacityMillilitres: tankCapacityMillilitres,
            usableFractionPermille: usableFractionPermille,
            reserveMillilitres: reserveMillilitres
        )
    }

    /// The burn curve; the points were validated when the generator was registered.
    public var burnCurve: BurnCurve {
        get throws(FieldOpsError) { try BurnCurve(points: curve) }
    }
}

/// Where a tank figure came from.
public enum ReadingSource: String, Codable, Sendable, CaseIterable {
    /// A level sensor (telemetry).
    case sensor
    /// A manual dip by someone on site.
    case dip
    /// The level read right after a refuel.
    case refuel
    /// An estimate (no one on site, no telemetry).
    case estimate
}

/// A tank level at a moment, with the load then.
public struct TankReading: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "tankReading"
    /// Row id.
    public var id: Int64?
    /// The generator.
    public var generatorId: Int64
    /// When the level was read.
    public var at: Date
    /// Fuel in the tank, millilitres.
    public var levelMillilitres: Int64
    /// Generator load then, per-mille of rated power.
    public var loadPermille: Int
    /// Sensor, dip, refuel or estimate.
    public var source: ReadingSource
    /// Who logged it.
    public var author: String

    /// Column names for queries.
    public enum Columns {
        /// The `id` column.
        public static let id = Column(CodingKeys.id)
        /// The `generatorId` column.
        public static let generatorId = Column(CodingKeys.generatorId)
        /// The `at` column.
        public static let at = Column(CodingKeys.at)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// The reading as the forecast needs it.
    public var snapshot: ReadingSnapshot {
        ReadingSnapshot(at: at.unixSeconds, levelMillilitres: levelMillilitres, loadPermille: loadPermille)
    }
}

/// A period a generator ran, or a power outage it covered.
public enum GeneratorPeriodKind: String, Codable, Sendable, CaseIterable {
    case run, outage
}

/// A generator run or an outage at its station.
public struct GeneratorPeriod: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    /// The table this record is stored in.
    public static let databaseTableName = "generatorPeriod"
    /// Row id.
    public var id: Int64?
    /// The generator.
    public var generatorId: Int64
    /// Run or outage.
    public var kind: GeneratorPeriodKind
    /// Start.
    public var startedAt: Date
    /// End; nil while ongoing.
    public var endedAt: Date?
    /// Note (cause of outage, who started the run).
    public var note: String

    /// Column names for queries.
    public enum Columns {
        /// The `generatorId` column.
        public static let generatorId = Column(CodingKeys.generatorId)
        /// The `startedAt` column.
        public static let startedAt = Column(CodingKeys.startedAt)
    }

    /// Keeps the row id SQLite assigned, so the record can be updated and audited.
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Date {
    /// Whole seconds since 1970, rounded down: the unit of all time arithmetic in FieldOps.
    public var unixSeconds: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }

    /// The date at whole seconds since 1970.
    public init(unixSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(unixSeconds)) }
}
