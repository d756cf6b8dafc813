import FieldOps
import Foundation
import Hummingbird
import Logging

/// Everything FieldOps adds to relayd's HTTP server: the JSON API under /api/fieldops, its
/// event stream, and the coordinators' pages under /fieldops. Opens (and migrates) the FieldOps
/// database: the shared PostgreSQL when `fieldops.database` names one, else the SQLite file in
/// the data directory.
struct FieldOpsHTTP: Sendable {
    let database: FieldOpsDatabase
    /// The zone the pages and printable forms show times in (`http.display_time_zone`).
    var displayTimeZone = DisplayTimeZone()
    /// The map's base layer (`fieldops.map`).
    var map = FieldOpsMapSettings()
    /// Leaflet and the shipped coastline, read once at start.
    var mapAssets: FieldOpsMapAssets
    /// The data's revision after the latest write, for the event streams.
    let revisions = Broadcast<Int64>(0)
    /// Publishes writes by other processes (the CLI) to the same database file.
    private var otherWriters: FieldOpsFileWatcher?

    /// Opens `<dataDirectory>/fieldops.sqlite`, creating and migrating it as needed.
    init(
        dataDirectory: URL, logger: Logger, displayTimeZone: DisplayTimeZone = DisplayTimeZone(), map: FieldOpsMapSettings = FieldOpsMapSettings()
    ) throws {
        database = try FieldOpsDatabase.open(at: Self.databaseURL(dataDirectory: dataDirectory), logger: logger)
        self.displayTimeZone = displayTimeZone
        self.map = map
        mapAssets = FieldOpsMapAssets.load()
        mapAssets.logProblems(to: logger)
        let (database, revisions) = (database, revisions)
        otherWriters = FieldOpsFileWatcher(
            directory: dataDirectory, fileName: Self.databaseURL(dataDirectory: dataDirectory).lastPathComponent, logger: logger
        ) {
            Task { await Self.publishRevision(of: database, to: revisions, logger: logger) }
        }
    }

    /// Opens the store the settings name: PostgreSQL (migrated under an advisory lock, other
    /// relayd's writes heard through LISTEN/NOTIFY by `revisionFollower`) or the SQLite file.
    static func open(
        settings: FieldOpsSettings, dataDirectory: URL, logger: Logger, displayTimeZone: DisplayTimeZone = DisplayTimeZone()
    ) async throws -> FieldOpsHTTP {
        guard let postgres = settings.postgres else {
            return try FieldOpsHTTP(dataDirectory: dataDirectory, logger: logger, displayTimeZone: displayTimeZone, map: settings.map)
        }
        let store = try await PostgresFieldOpsStore.open(try postgres.resolved(), logger: logger)
        var http = FieldOpsHTTP(database: FieldOpsDatabase(store: store, logger: logger), displayTimeZone: displayTimeZone)
        http.map = settings.map
        return http
    }

    /// Keeps `revisions` current with other writers of a shared store while relayd runs.
    func revisionFollower(logger: Logger) -> FieldOpsRevisionFollower {
        FieldOpsRevisionFollower(store: database.store, revisions: revisions, logger: logger)
    }

    /// Serves an already opened database (tests pin its clock).
    init(database: FieldOpsDatabase, displayTimeZone: DisplayTimeZone = DisplayTimeZone(), mapAssets: FieldOpsMapAssets = .load()) {
        self.database = database
        self.displayTimeZone = displayTimeZone
        self.mapAssets = mapAssets
    }

    /// Where the database lives in a data directory.
    static func databaseURL(dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("fieldops.sqlite")
    }

    /// Publishes the revision after a write through the API: the one that write committed,
    /// known without reading it back. (Other writers are heard by the file watcher or by
    /// LISTEN/NOTIFY.)
    func noteWrite() {
        let revision = database.latestWrittenRevision
        revisions.update { $0 = max($0, revision) }
    }

    /// Concurrent writers may read their revisions in either order; the larger one stays.
    private static func publishRevision(of database: FieldOpsDatabase, to revisions: Broadcast<Int64>, logger: Logger) async {
        do {
            let revision = try await database.revision()
            revisions.update { $0 = max($0, revision) }
        } catch {
            logger.error("fieldops revision unreadable", metadata: ["fieldops.error": "\(error)"])
        }
    }

    /// Adds the API routes and the pages.
    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        UnitsController(database: database).addRoutes(to: router)
        DeploymentsController(database: database).addRoutes(to: router)
        KitsController(database: database).addRoutes(to: router)
        StationsController(database: database).addRoutes(to: router)
        GeneratorsController(database: database).addRoutes(to: router)
        RefuelRunsController(database: database).addRoutes(to: router)
        AuditController(database: database).addRoutes(to: router)
        ExportsController(database: database, zone: displayTimeZone.timeZone).addRoutes(to: router)
        FieldOpsEventsController(database: database, revisions: revisions).addRoutes(to: router)
        FieldOpsPages(database: database, zone: displayTimeZone.timeZone).addRoutes(to: router)
        FieldOpsMap(database: database, zone: displayTimeZone.timeZone, settings: map, assets: mapAssets).addRoutes(to: router)
    }
}
