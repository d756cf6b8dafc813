import Foundation
import GRDB

/// A relay station to register.
public struct NewStation: Sendable {
    /// Name, unique.
    public var name: String
    /// WGS84 latitude.
    public var latitude: Double
    /// WGS84 longitude.
    public var longitude: Double
    /// Elevation, metres.
    public var elevationMetres: Int
    /// Seasonal notes.
    public var seasonalNotes: String
    /// Ways to reach it.
    public var accessModes: [NewAccessMode]

    /// Creates the input.
    public init(name: String, latitude: Double, longitude: Double, elevationMetres: Int, seasonalNotes: String = "", accessModes: [NewAccessMode]) {
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.elevationMetres = elevationMetres
        self.seasonalNotes = seasonalNotes
        self.accessModes = accessModes
    }
}

/// One way to reach a station.
public struct NewAccessMode: Sendable {
    /// Road, over-snow vehicle, helicopter.
    public var mode: AccessModeKind
    /// Order-to-tank lead time, seconds.
    public var leadSeconds: Int64
    /// Usable now.
    public var available: Bool
    /// Note.
    public var note: String

    /// Creates the input.
    public init(mode: AccessModeKind, leadSeconds: Int64, available: Bool = true, note: String = "") {
        self.mode = mode
        self.leadSeconds = leadSeconds
        self.available = available
        self.note = note
    }
}

/// A generator to register at a station.
public struct NewGenerator: Sendable {
    /// Label at the station.
    public var name: String
    /// Rated output, watts.
    public var ratedWatts: Int64
    /// Fuel.
    public var fuelType: FuelType
    /// Tank capacity, millilitres.
    public var tankCapacityMillilitres: Int64
    /// Usable fraction, per-mille.
    public var usableFractionPermille: Int
    /// Reserve, millilitres.
    public var reserveMillilitres: Int64
    /// The burn curve.
    public var curve: BurnCurve
    /// Expected interval between readings, seconds (default 24 h).
    public var readingIntervalSeconds: Int64

    /// Creates the input.
    public init(
        name: String, ratedWatts: Int64, fuelType: FuelType, tankCapacityMillilitres: Int64,
        usableFractionPermille: Int, reserveMillilitres: Int64, curve: BurnCurve, readingIntervalSeconds: Int64 = 24 * 3600
    ) {
        self.name = name
        self.ratedWatts = ratedWatts
        self.fuelType = fuelType
        self.tankCapacityMillilitres = tankCapacityMillilitres
        self.usableFractionPermille = usableFractionPermille
        self.reserveMillilitres = reserveMillilitres
        self.curve = curve
        self.readingIntervalSeconds = readingIntervalSeconds
    }
}

/// A tank reading to log.
public struct NewReading: Sendable {
    /// Fuel in the tank, millilitres.
    public var levelMillilitres: Int64
    /// Load, per-mille of rated power.
    public var loadPermille: Int
    /// Where the figure came from.
    public var source: ReadingSource
    /// When it was read; nil means now.
    public var at: Date?

    /// Creates the input.
    public init(levelMillilitres: Int64, loadPermille: Int, source: ReadingSource, at: Date? = nil) {
        self.levelMillilitres = levelMillilitres
        self.loadPermille = loadPermille
        self.source = source
        self.at = at
    }
}

/// A station with its access modes and generators.
public struct StationDetail: Sendable, Equatable {
    /// The station.
    public var station: RelayStation
    /// Its access modes, fastest first.
    public var accessModes: [StationAccessMode]
    /// Its generators with their forecasts.
    public var generators: [GeneratorStatus]

    /// The most urgent band among its generators (stale when it has none).
    public var band: FuelBand { generators.map(\.band).min() ?? .stale }
    /// The earliest order-by time among its generators.
    public var earliestOrderBy: Int64? { generators.compactMap { $0.forecast?.orderBy }.min() }
}

/// A generator, its latest reading and what follows from it.
public struct GeneratorStatus: Sendable, Equatable {
    /// The generator.
    public var generator: Generator
    /// The latest reading, if any.
    public var latestReading: TankReading?
    /// The forecast from that reading; nil without a reading.
    public var forecast: FuelForecast?
    /// Burn rate inferred from the readings and deliveries of the last 7 days, ml/h.
    public var observedMillilitresPerHour: Int64?
    /// Band: the forecast's, or stale without a reading.
    public var band: FuelBand { forecast?.band ?? .stale }
}

extension FieldOpsDatabase {
    /// Registers a station with its access modes.
    public func createStation(_ input: NewStation, by actor: String) async throws -> StationDetail {
        let name = try Self.validatedStationName(input)
        guard Set(input.accessModes.map(\.mode)).count == input.accessModes.count else {
            throw FieldOpsError.invalid(field: "access_modes", message: "each mode may appear once")
        }
        for (index, access) in input.accessModes.enumerated() where access.leadSeconds < 0 {
            throw FieldOpsError.invalid(field: "access_modes[\(index)].lead_hours", message: "must not be negative")
        }
        let id = try await write(by: actor) { tx in
            if try tx.sql.integer("SELECT COUNT(*) AS value FROM relayStation WHERE name = ?", [name]) ?? 0 > 0 {
                throw FieldOpsError.invalid(field: "name", message: "station \(name) is already registered")
            }
            let station = try tx.insert(RelayStation(
                id: nil, name: name, latitude: input.latitude, longitude: input.longitude,
                elevationMetres: input.elevationMetres, seasonalNotes: input.seasonalNotes, version: 1
            ))
            let stationId = try station.primaryKeyValue()
            for access in input.accessModes {
                _ = try tx.insert(StationAccessMode(
                    id: nil, stationId: stationId, mode: access.mode, leadSeconds: access.leadSeconds,
                    available: access.available, note: access.note
                ))
            }
            return stationId
        }
        return try await station(id: id)
    }

    /// The trimmed name of a station whose place figures are in range.
    static func validatedStationName(_ input: NewStation) throws -> String {
        let name = try requireText(input.name, field: "name")
        guard input.latitude.isFinite, (-90...90).contains(input.latitude) else { throw FieldOpsError.invalid(field: "latitude", message: "must be between -90 and 90") }
        guard input.longitude.isFinite, (-180...180).contains(input.longitude) else { throw FieldOpsError.invalid(field: "longitude", message: "must be between -180 and 180") }
        guard (-500...9000).contains(input.elevationMetres) else { throw FieldOpsError.invalid(field: "elevation_m", message: "must be between -500 and 9000 metres") }
        return name
    }

    /// Opens or closes an access mode (a road closing for winter, aircraft grounded) or
    /// changes its lead time. Bumps the station's version, which guards the edit.
    public func updateAccessMode(stationId: Int64, mode: AccessModeKind, available: Bool, leadSeconds: Int64?, note: String?, expectedVersion: Int, by actor: String) async throws -> StationDetail {
        if let leadSeconds, leadSeconds < 0 { throw FieldOpsError.invalid(field: "lead_hours", message: "must not be negative") }
        try await write(by: actor) { tx in
            let station = try tx.require(RelayStation.self, id: stationId, entity: "station")
            try requireVersion(entity: "station", id: stationId, expected: expectedVersion, current: station.version)
            var bumped = station
            bumped.version += 1
            try tx.update(bumped, from: station)
            if let existing = try tx.sql.fetchOne(StationAccessMode.self, "SELECT * FROM stationAccessMode WHERE stationId = ? AND mode = ?", [stationId, mode.rawValue]) {
                var changed = existing
                changed.available = available
                changed.leadSeconds = leadSeconds ?? existing.leadSeconds
                changed.note = note ?? existing.note
                try tx.update(changed, from: existing)
            } else {
                guard let leadSeconds else { throw FieldOpsError.invalid(field: "lead_hours", message: "is required for a new access mode") }
                _ = try tx.insert(StationAccessMode(id: nil, stationId: stationId, mode: mode, leadSeconds: leadSeconds, available: available, note: note ?? ""))
            }
        }
        return try await station(id: stationId)
    }

    /// Stations by name, with their forecasts as of now.
    public func stations(page: Page) async throws -> [StationDetail] {
        let now = clock().unixSeconds
        return try await read { sql in
            let stations = try sql.fetchAll(RelayStation.self, "SELECT * FROM relayStation ORDER BY name LIMIT ? OFFSET ?", [page.limit, page.offset])
            return try Self.stationDetails(sql, stations: stations, now: now)
        }
    }

    /// One station with its forecasts as of `at` (default now).
    public func station(id: Int64, at: Date? = nil) async throws -> StationDetail {
        let now = (at ?? clock()).unixSeconds
        return try await read { sql in
            guard let station = try sql.record(RelayStation.self, id: id) else { throw FieldOpsError.notFound(entity: "station", id: id) }
            return try Self.stationDetails(sql, stations: [station], now: now)[0]
        }
    }

    /// Stations whose generators need attention first: by band (critical, stale, low, watch,
    /// ok), then by earliest order-by time, then by name.
    ///
    /// Dashboards poll this list many times a second while it rarely changes, so the last
    /// answer is kept for as long as both its second and the data behind it are unchanged
    /// (see `AlertsCache`), and requests that miss together share one computation; the figures
    /// are those `generator(id:at:)` gives for the same second.
    public func alerts(at: Date? = nil) async throws -> [StationDetail] {
        let now = (at ?? clock()).unixSeconds
        let revision = try await read { sql in try AlertsCache.revision(sql) }
        return try await alertsCache.list(revision: revision, now: now) { [self] in
            try await read { sql in
                let revision = try AlertsCache.revision(sql)
                let all = try sql.fetchAll(RelayStation.self, "SELECT * FROM relayStation ORDER BY id")
                return (revision, Self.sortedByUrgency(try Self.stationDetails(sql, stations: all, now: now)))
            }
        }
    }

    /// Most urgent first: band, then earliest order-by, then name.
    static func sortedByUrgency(_ stations: [StationDetail]) -> [StationDetail] {
        stations.sorted { lhs, rhs in
            if lhs.band != rhs.band { return lhs.band < rhs.band }
            switch (lhs.earliestOrderBy, rhs.earliestOrderBy) {
            case let (left?, right?) where left != right: return left < right
            case (.some, nil): return true
            case (nil, .some): return false
            default: return lhs.station.name < rhs.station.name
            }
        }
    }

    /// Registers a generator at a station.
    public func addGenerator(stationId: Int64, _ input: NewGenerator, by actor: String) async throws -> GeneratorStatus {
        let name = try Self.validatedGeneratorName(input)
        let id = try await write(by: actor) { tx in
            _ = try tx.require(RelayStation.self, id: stationId, entity: "station")
            let generator = try tx.insert(Generator(
                id: nil, stationId: stationId, name: name, ratedWatts: input.ratedWatts, fuelType: input.fuelType,
                tankCapacityMillilitres: input.tankCapacityMillilitres, usableFractionPermille: input.usableFractionPermille,
                reserveMillilitres: input.reserveMillilitres, curve: input.curve.points,
                readingIntervalSeconds: input.readingIntervalSeconds, version: 1
            ))
            return try generator.primaryKeyValue()
        }
        return try await generator(id: id)
    }

    /// The trimmed name of a generator whose tank figures leave something usable.
    static func validatedGeneratorName(_ input: NewGenerator) throws -> String {
        let name = try requireText(input.name, field: "name")
        guard input.tankCapacityMillilitres > 0 else { throw FieldOpsError.invalid(field: "tank_litres", message: "must be above zero") }
        guard (1...1000).contains(input.usableFractionPermille) else { throw FieldOpsError.invalid(field: "usable_fraction", message: "must be above 0 and at most 1") }
        guard input.reserveMillilitres >= 0 else { throw FieldOpsError.invalid(field: "reserve_litres", message: "must not be negative") }
        let tank = FuelTank(capacityMillilitres: input.tankCapacityMillilitres, usableFractionPermille: input.usableFractionPermille, reserveMillilitres: input.reserveMillilitres)
        guard tank.unusableMillilitres + tank.reserveMillilitres < tank.capacityMillilitres else {
            throw FieldOpsError.invalid(field: "reserve_litres", message: "reserve and unusable fuel leave nothing usable in the tank")
        }
        guard input.readingIntervalSeconds > 0 else { throw FieldOpsError.invalid(field: "reading_interval_hours", message: "must be above zero") }
        return name
    }

    /// One generator with its forecast as of `at` (default now).
    public func generator(id: Int64, at: Date? = nil) async throws -> GeneratorStatus {
        let now = (at ?? clock()).unixSeconds
        return try await read { sql in
            // One batch: the station's access modes are found through the generator's row.
            let rows = try sql.rows(batch: [
                SQLStatement("SELECT * FROM generator WHERE id = ?", [id]),
                SQLStatement("SELECT * FROM stationAccessMode WHERE stationId IN (SELECT stationId FROM generator WHERE id = ?) ORDER BY id", [id]),
                Self.deliveriesQuery(generatorIds: [id], now: now),
            ] + Self.readingQueries(generatorId: id, now: now))
            guard let generator = try rows[0].first.map({ try Generator(row: $0) }) else { throw FieldOpsError.notFound(entity: "generator", id: id) }
            return try Self.generatorStatus(
                generator: generator, access: try rows[1].map({ try StationAccessMode(row: $0) }), deliveries: try Self.deliveries(rows[2])[id] ?? [],
                latest: rows[3], samples: rows[4], now: now
            )
        }
    }

    /// Logs a tank reading. A level above the tank's capacity or a time in the future is a
    /// misreading and refused.
    public func logReading(generatorId: Int64, _ input: NewReading, by actor: String) async throws -> TankReading {
        guard (0...1000).contains(input.loadPermille) else { throw FieldOpsError.invalid(field: "load_percent", message: "must be between 0 and 100") }
        return try await write(by: actor) { tx in
            // Only the capacity: decoding the whole generator (its curve is JSON) cost as much
            // as the insert, inside the writer every other write waits for.
            guard let tankCapacity = try tx.sql.integer("SELECT tankCapacityMillilitres AS value FROM generator WHERE id = ?", [generatorId]) else {
                throw FieldOpsError.notFound(entity: "generator", id: generatorId)
            }
            guard input.levelMillilitres >= 0, input.levelMillilitres <= tankCapacity else {
                let capacity = UnitConversion.litres(fromMillilitres: tankCapacity)
                throw FieldOpsError.invalid(field: "litres", message: "must be between 0 and the tank capacity, \(capacity) L")
            }
            let at = Date(unixSeconds: (input.at ?? tx.now).unixSeconds)
            // Five minutes of slack for clocks on handhelds.
            guard at.unixSeconds <= tx.now.unixSeconds + 300 else { throw FieldOpsError.invalid(field: "at", message: "is in the future") }
            return try tx.insert(TankReading(
                id: nil, generatorId: generatorId, at: at, levelMillilitres: input.levelMillilitres,
                loadPermille: input.loadPermille, source: input.source, author: tx.actor
            ))
        }
    }

    /// A generator's readings, newest first.
    public func readings(generatorId: Int64, page: Page) async throws -> [TankReading] {
        try await read { sql in
            guard try sql.exists(Generator.self, id: generatorId) else { throw FieldOpsError.notFound(entity: "generator", id: generatorId) }
            return try sql.fetchAll(
                TankReading.self, "SELECT * FROM tankReading WHERE generatorId = ? ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
                [generatorId, page.limit, page.offset]
            )
        }
    }

    /// Records a generator run or an outage it covered.
    public func recordPeriod(generatorId: Int64, kind: GeneratorPeriodKind, startedAt: Date, endedAt: Date?, note: String, by actor: String) async throws -> GeneratorPeriod {
        if let endedAt, endedAt < startedAt { throw FieldOpsError.invalid(field: "ended_at", message: "must not be before started_at") }
        return try await write(by: actor) { tx in
            _ = try tx.require(Generator.self, id: generatorId, entity: "generator")
            return try tx.insert(GeneratorPeriod(id: nil, generatorId: generatorId, kind: kind, startedAt: startedAt, endedAt: endedAt, note: note))
        }
    }

    /// A generator's runs and outages, newest first.
    public func periods(generatorId: Int64, page: Page) async throws -> [GeneratorPeriod] {
        try await read { sql in
            guard try sql.exists(Generator.self, id: generatorId) else { throw FieldOpsError.notFound(entity: "generator", id: generatorId) }
            return try sql.fetchAll(
                GeneratorPeriod.self, "SELECT * FROM generatorPeriod WHERE generatorId = ? ORDER BY startedAt DESC, id DESC LIMIT ? OFFSET ?",
                [generatorId, page.limit, page.offset]
            )
        }
    }
}
