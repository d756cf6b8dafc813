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

    /// Stations with their access modes and every generator's forecast, in three batches of
    /// queries (whatever the number of generators): access modes and generators, then the
    /// deliveries and each generator's readings.
    static func stationDetails(_ sql: any FieldOpsSQL, stations: [RelayStation], now: Int64) throws -> [StationDetail] {
        let stationIds = stations.compactMap(\.id)
        guard !stationIds.isEmpty else { return [] }
        let inStations = sqlPlaceholders(stationIds.count)
        let first = try sql.rows(batch: [
            SQLStatement("SELECT * FROM stationAccessMode WHERE stationId IN (\(inStations)) ORDER BY id", stationIds),
            SQLStatement("SELECT * FROM generator WHERE stationId IN (\(inStations)) ORDER BY id", stationIds),
        ])
        let access = Dictionary(grouping: try first[0].map({ try StationAccessMode(row: $0) }), by: \.stationId)
        let generatorList = try first[1].map({ try Generator(row: $0) })
        let generatorIds = generatorList.compactMap(\.id)
        let second = try sql.rows(batch: [deliveriesQuery(generatorIds: generatorIds, now: now)] + generatorIds.flatMap { readingQueries(generatorId: $0, now: now) })
        let deliveries = try self.deliveries(second[0])
        var statuses: [Int64: GeneratorStatus] = [:]
        for (index, generator) in generatorList.enumerated() {
            let modes = (access[generator.stationId] ?? []).sorted { $0.leadSeconds < $1.leadSeconds }
            statuses[try generator.primaryKeyValue()] = try generatorStatus(
                generator: generator, access: modes, deliveries: deliveries[generator.id ?? 0] ?? [],
                latest: second[1 + 2 * index], samples: second[2 + 2 * index], now: now
            )
        }
        return try stations.map { station in
            let stationId = try station.primaryKeyValue()
            let modes = (access[stationId] ?? []).sorted { $0.leadSeconds < $1.leadSeconds }
            let generators = generatorList.filter { $0.stationId == stationId }.compactMap { statuses[$0.id ?? 0] }
            return StationDetail(station: station, accessModes: modes, generators: generators)
        }
    }

    /// The access modes of the given stations.
    static func accessModes(_ sql: any FieldOpsSQL, stationIds: [Int64]) throws -> [StationAccessMode] {
        guard !stationIds.isEmpty else { return [] }
        return try sql.fetchAll(StationAccessMode.self, "SELECT * FROM stationAccessMode WHERE stationId IN (\(sqlPlaceholders(stationIds.count))) ORDER BY id", stationIds)
    }

    /// The refuel runs delivered inside the observation window to the given generators (none
    /// for an empty list).
    static func deliveriesQuery(generatorIds: [Int64], now: Int64) -> SQLStatement {
        let windowStart = Date(unixSeconds: now - observationWindowSeconds)
        return SQLStatement(
            "SELECT * FROM refuelRun WHERE generatorId IN (\(generatorIds.isEmpty ? "NULL" : sqlPlaceholders(generatorIds.count))) AND deliveredAt >= ? ORDER BY id",
            generatorIds.map { $0 as SQLArgument } + [windowStart]
        )
    }

    /// Deliveries inside the observation window, by generator, from `deliveriesQuery`'s rows.
    static func deliveries(_ rows: [Row]) throws -> [Int64: [Delivery]] {
        var byGenerator: [Int64: [Delivery]] = [:]
        for run in try rows.map({ try RefuelRun(row: $0) }) {
            guard let at = run.deliveredAt, let volume = run.deliveredMillilitres else { continue }
            byGenerator[run.generatorId, default: []].append(Delivery(at: at.unixSeconds, millilitres: volume))
        }
        return byGenerator
    }

    /// A generator's latest reading as of `now`, and the levels of the observation window's
    /// latest readings (what `generatorStatus` takes).
    static func readingQueries(generatorId: Int64, now: Int64) -> [SQLStatement] {
        // Readings after `now` do not exist yet when asking "as of" an earlier time; `now` is
        // whole seconds, so the whole second counts.
        let endOfNow = Date(unixSeconds: now + 1)
        let windowStart = Date(unixSeconds: now - observationWindowSeconds)
        return [
            SQLStatement("SELECT * FROM tankReading WHERE generatorId = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1", [generatorId, endOfNow]),
            SQLStatement("""
                SELECT at, levelMillilitres FROM tankReading
                WHERE generatorId = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?
                """, [generatorId, windowStart, endOfNow, observationReadingLimit]),
        ]
    }

    /// A generator's status from the rows of its `readingQueries`.
    static func generatorStatus(generator: Generator, access: [StationAccessMode], deliveries: [Delivery], latest: [Row], samples: [Row], now: Int64) throws -> GeneratorStatus {
        guard let latest = try latest.first.map({ try TankReading(row: $0) }) else {
            return GeneratorStatus(generator: generator, latestReading: nil, forecast: nil, observedMillilitresPerHour: nil)
        }
        let fastest = access.filter(\.available).min { $0.leadSeconds < $1.leadSeconds }
            .map { AccessLeadTime(mode: $0.mode.rawValue, leadSeconds: $0.leadSeconds) }
        let forecast = FuelForecast(
            tank: generator.tank, curve: try generator.burnCurve, reading: latest.snapshot, fastestAccess: fastest,
            readingIntervalSeconds: generator.readingIntervalSeconds, now: now
        )
        let levels = samples.map { row in
            LevelSample(at: (row["at"] as Date).unixSeconds, levelMillilitres: row["levelMillilitres"])
        }
        return GeneratorStatus(
            generator: generator, latestReading: latest, forecast: forecast,
            observedMillilitresPerHour: observedMillilitresPerHour(samples: levels, deliveries: deliveries)
        )
    }
}

/// The last alerts list, valid for one second of the clock and one state of the data, and the
/// one being computed.
///
/// Every write inserts at least one audit entry and audit ids only grow (AUTOINCREMENT), so
/// the highest audit id read in the same snapshot as the stations names the data they were
/// computed from, including writes made by another process (the CLI). Forecasts depend on
/// the time only through whole seconds, so the same revision and second give the same list.
///
/// Dashboards poll the list many times a second, so at each new second (or write) many requests
/// miss at once. They share one computation instead of each forecasting every generator on a
/// store thread of its own, which made the requests queue behind each other's work.
final class AlertsCache: @unchecked Sendable {
    // @unchecked Sendable: `entry`, `computing` and `started` are only touched under `lock`.
    private let lock = NSLock()
    private var entry: (revision: Int64, now: Int64, stations: [StationDetail])?
    private var computing: (revision: Int64, now: Int64, id: Int, task: Task<[StationDetail], any Error>)?
    private var started = 0

    /// A list computed from one snapshot, with that snapshot's revision.
    typealias Computed = (revision: Int64, stations: [StationDetail])

    /// The data's revision as of `db`'s snapshot.
    static func revision(_ sql: any FieldOpsSQL) throws -> Int64 {
        try sql.integer("SELECT MAX(id) AS value FROM auditEntry") ?? 0
    }

    /// How many lists have been computed (not served from the cache or a shared computation).
    var computations: Int { lock.withLock { started } }

    /// The list for second `now` of data at `revision` or later: the kept one, the one being
    /// computed for them, or else one `compute` makes now, which requests arriving meanwhile
    /// share. A computation begun for an older revision is not joined: it may not show a write
    /// the caller has already seen.
    func list(revision: Int64, now: Int64, compute: @escaping @Sendable () async throws -> Computed) async throws -> [StationDetail] {
        enum Source { case kept([StationDetail]), shared(Task<[StationDetail], any Error>) }
        let source: Source = lock.withLock {
            if let entry, entry.now == now, entry.revision >= revision { return .kept(entry.stations) }
            if let computing, computing.now == now, computing.revision >= revision { return .shared(computing.task) }
            started += 1
            let id = started
            let task = Task { try await self.finish(id, now: now, compute) }
            computing = (revision, now, id, task)
            return .shared(task)
        }
        switch source {
        case .kept(let stations): return stations
        case .shared(let task): return try await task.value
        }
    }

    /// Runs computation `id`, keeps its list and lets the next miss start a new one.
    private func finish(_ id: Int, now: Int64, _ compute: () async throws -> Computed) async throws -> [StationDetail] {
        let result: Result<Computed, any Error>
        do { result = .success(try await compute()) } catch { result = .failure(error) }
        lock.withLock {
            if computing?.id == id { computing = nil }
            // A computation that began earlier may finish later: the newest list is kept.
            if case .success(let computed) = result, entry.map({ ($0.now, $0.revision) <= (now, computed.revision) }) ?? true {
                entry = (computed.revision, now, computed.stations)
            }
        }
        return try result.get().stations
    }
}
