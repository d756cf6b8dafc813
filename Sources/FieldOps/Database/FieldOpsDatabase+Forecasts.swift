import Foundation
import GRDB

/// The reads behind every forecast: batched per table across stations, and the two
/// per-generator queries on cached statements, because the alerts list and the station pages
/// run them for every generator on every request (preparing a statement costs more than
/// running it on an indexed table).
extension FieldOpsDatabase {
    /// The window the observed burn rate looks back over.
    static let observationWindowSeconds: Int64 = 7 * 24 * 3600
    /// At most this many of the window's latest readings feed the observed burn rate, so a
    /// telemetry sensor reporting every minute does not make each forecast read 10 000 rows.
    static let observationReadingLimit = 200

    static func stationDetails(_ sql: any FieldOpsSQL, stations: [RelayStation], now: Int64) throws -> [StationDetail] {
        let stationIds = stations.compactMap(\.id)
        guard !stationIds.isEmpty else { return [] }
        let access = Dictionary(grouping: try accessModes(sql, stationIds: stationIds), by: \.stationId)
        let generators = Dictionary(grouping: try sql.fetchAll(
            Generator.self, "SELECT * FROM generator WHERE stationId IN (\(sqlPlaceholders(stationIds.count))) ORDER BY id", stationIds
        ), by: \.stationId)
        let deliveries = try deliveries(sql, generatorIds: generators.values.flatMap { $0.compactMap(\.id) }, now: now)
        return try stations.map { station in
            let stationId = try station.primaryKeyValue()
            let modes = (access[stationId] ?? []).sorted { $0.leadSeconds < $1.leadSeconds }
            let statuses = try (generators[stationId] ?? []).map { generator in
                try generatorStatus(sql, generator: generator, access: modes, deliveries: deliveries[generator.id ?? 0] ?? [], now: now)
            }
            return StationDetail(station: station, accessModes: modes, generators: statuses)
        }
    }

    /// Deliveries inside the observation window, by generator.
    static func accessModes(_ sql: any FieldOpsSQL, stationIds: [Int64]) throws -> [StationAccessMode] {
        guard !stationIds.isEmpty else { return [] }
        return try sql.fetchAll(StationAccessMode.self, "SELECT * FROM stationAccessMode WHERE stationId IN (\(sqlPlaceholders(stationIds.count))) ORDER BY id", stationIds)
    }

    static func deliveries(_ sql: any FieldOpsSQL, generatorIds: [Int64], now: Int64) throws -> [Int64: [Delivery]] {
        guard !generatorIds.isEmpty else { return [:] }
        let windowStart = Date(unixSeconds: now - observationWindowSeconds)
        let runs = try sql.fetchAll(
            RefuelRun.self, "SELECT * FROM refuelRun WHERE generatorId IN (\(sqlPlaceholders(generatorIds.count))) AND deliveredAt >= ? ORDER BY id",
            generatorIds.map { $0 as SQLArgument } + [windowStart]
        )
        var byGenerator: [Int64: [Delivery]] = [:]
        for run in runs {
            guard let at = run.deliveredAt, let volume = run.deliveredMillilitres else { continue }
            byGenerator[run.generatorId, default: []].append(Delivery(at: at.unixSeconds, millilitres: volume))
        }
        return byGenerator
    }

    static func generatorStatus(_ sql: any FieldOpsSQL, generator: Generator, access: [StationAccessMode], deliveries: [Delivery], now: Int64) throws -> GeneratorStatus {
        let generatorId = try generator.primaryKeyValue()
        // Readings after `now` do not exist yet when asking "as of" an earlier time; `now` is
        // whole seconds, so the whole second counts.
        let endOfNow = Date(unixSeconds: now + 1)
        guard let latest = try sql.fetchOne(
            TankReading.self, "SELECT * FROM tankReading WHERE generatorId = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1", [generatorId, endOfNow]
        ) else {
            return GeneratorStatus(generator: generator, latestReading: nil, forecast: nil, observedMillilitresPerHour: nil)
        }
        let fastest = access.filter(\.available).min { $0.leadSeconds < $1.leadSeconds }
            .map { AccessLeadTime(mode: $0.mode.rawValue, leadSeconds: $0.leadSeconds) }
        let forecast = FuelForecast(
            tank: generator.tank, curve: try generator.burnCurve, reading: latest.snapshot, fastestAccess: fastest,
            readingIntervalSeconds: generator.readingIntervalSeconds, now: now
        )
        let windowStart = Date(unixSeconds: now - observationWindowSeconds)
        let samples = try sql.rows("""
            SELECT at, levelMillilitres FROM tankReading
            WHERE generatorId = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?
            """, GRDBSession.values([generatorId, windowStart, endOfNow, observationReadingLimit])).map { row in
            LevelSample(at: (row["at"] as Date).unixSeconds, levelMillilitres: row["levelMillilitres"])
        }
        return GeneratorStatus(
            generator: generator, latestReading: latest, forecast: forecast,
            observedMillilitresPerHour: observedMillilitresPerHour(samples: samples, deliveries: deliveries)
        )
    }
}

/// The last alerts list, valid for one second of the clock and one state of the data.
///
/// Every write inserts at least one audit entry and audit ids only grow (AUTOINCREMENT), so
/// the highest audit id read in the same snapshot as the stations names the data they were
/// computed from, including writes made by another process (the CLI). Forecasts depend on
/// the time only through whole seconds, so the same revision and second give the same list.
final class AlertsCache: @unchecked Sendable {
    // @unchecked Sendable: `entry` is only touched under `lock`.
    private let lock = NSLock()
    private var entry: (revision: Int64, now: Int64, stations: [StationDetail])?

    /// The data's revision as of `db`'s snapshot.
    static func revision(_ sql: any FieldOpsSQL) throws -> Int64 {
        try sql.integer("SELECT MAX(id) AS value FROM auditEntry") ?? 0
    }

    func lookup(revision: Int64, now: Int64) -> [StationDetail]? {
        lock.withLock {
            guard let entry, entry.revision == revision, entry.now == now else { return nil }
            return entry.stations
        }
    }

    func store(_ stations: [StationDetail], revision: Int64, now: Int64) {
        lock.withLock { entry = (revision, now, stations) }
    }
}
