import Foundation
import GRDB
import Logging

/// Every read and write the FieldOps surfaces (API, pages, CLI) need, on a `FieldOpsStore`:
/// the embedded SQLite file or a shared PostgreSQL.
///
/// A `Sendable` struct rather than an actor (GRDB's `AppDatabase` pattern): the store
/// already serialises what must be serialised (SQLite's single writer, PostgreSQL's row
/// locks), so a second layer of isolation would only add a hop.
public struct FieldOpsDatabase: Sendable {
    /// Where the data is kept.
    public let store: any FieldOpsStore
    /// The clock every write stamps its audit entry with; tests pin it.
    let clock: @Sendable () -> Date
    let logger: Logger
    /// The alerts list of the latest committed data, for the second it was computed in.
    let alertsCache = AlertsCache()
    /// The revision of the latest write committed through this value.
    let committedRevision = CommittedRevision()

    /// Wraps an opened GRDB writer and runs the migrations.
    public init(_ writer: any DatabaseWriter, logger: Logger = Logger(label: "fieldops"), clock: @escaping @Sendable () -> Date = Date.init) throws {
        try self.init(store: SQLiteFieldOpsStore(writer: writer, checkpointer: nil), logger: logger, clock: clock)
    }

    /// Works on an opened (and migrated) store.
    public init(store: any FieldOpsStore, logger: Logger = Logger(label: "fieldops"), clock: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// The page cache of each SQLite connection, in KiB.
    static let pageCacheKiB = 256

    /// Opens (creating if needed) the database file at `url` in WAL mode and migrates it.
    ///
    /// `synchronous = FULL` makes each commit reach the disk before the write is
    /// acknowledged, so an acknowledged write survives power loss, not only `kill -9`
    /// (WAL alone already gives the latter). It is set on the writer after the pool is open:
    /// GRDB sets `synchronous = NORMAL` when it switches the writer to WAL, after
    /// `prepareDatabase` has run. The busy timeout lets the CLI and a running server write to
    /// the same file.
    ///
    /// The writer's automatic checkpoint is off; a `WALCheckpointer` on its own connection
    /// checkpoints in the background instead, so no commit waits for one.
    ///
    /// Each connection's page cache is `pageCacheKiB` (SQLite's default is 2000 KiB): the
    /// file is in the system's cache anyway, a reader's cache is discarded whenever another
    /// connection has written, and a cache that only fills as the file grows made relayd's
    /// memory rise for the first half hour of a day's FieldOps writes (about 2 MiB per
    /// connection, `sqlite3_memory_used`). Small, it is full within minutes.
    public static func open(at url: URL, logger: Logger = Logger(label: "fieldops"), clock: @escaping @Sendable () -> Date = Date.init) throws -> FieldOpsDatabase {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Created for its owner only; SQLite gives the -wal and -shm files the database's mode.
        if !FileManager.default.fileExists(atPath: url.path) {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -\(pageCacheKiB)")
        }
        let pool = try DatabasePool(path: url.path, configuration: configuration)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        let checkpointer = try WALCheckpointer(path: url.path)
        logger.info("fieldops database opened", metadata: ["fieldops.path": "\(url.path)"])
        return FieldOpsDatabase(store: try SQLiteFieldOpsStore(writer: pool, checkpointer: checkpointer), logger: logger, clock: clock)
    }

    /// Runs `body` in one write transaction with an audit trail for `actor`. Any error rolls
    /// back everything `body` wrote, audit entries included, so nothing is half-written; the
    /// call returns only once the transaction has committed.
    func write<T: Sendable>(by actor: String, _ body: @escaping @Sendable (AuditedWrite) throws -> T) async throws -> T {
        // Whole seconds: the fuel arithmetic works in seconds, and a stored fraction would make
        // a reading taken "now" look later than a forecast asked for at the same second.
        let now = Date(unixSeconds: clock().unixSeconds)
        let (value, revision) = try await store.write { sql in
            let write = AuditedWrite(sql: sql, actor: actor, now: now)
            return (try body(write), write.auditIds.highest)
        }
        committedRevision.raise(to: revision)
        return value
    }

    /// The data's revision after the latest write committed through this database value (0
    /// before the first): at most `revision()`, which also counts other writers' commits.
    public var latestWrittenRevision: Int64 { committedRevision.latest }

    /// Runs `body` on a read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T {
        try await store.read(body)
    }

    /// The current time on the database's clock.
    public var now: Date { clock() }

    /// The store's consistency check; "ok" when it is sound.
    public func integrityCheck() async throws -> String {
        try await store.integrityCheck()
    }

    /// The audit trail of one entity, oldest first.
    public func auditTrail(entity: String, id: Int64) async throws -> [AuditEntry] {
        try await read { sql in
            try sql.fetchAll(AuditEntry.self, "SELECT * FROM auditEntry WHERE entity = ? AND entityId = ? ORDER BY id", [entity, id])
        }
    }
}

/// One page of a list: which rows to skip and how many to return.
public struct Page: Sendable, Equatable {
    /// Rows to return, 1...500.
    public var limit: Int
    /// Rows to skip.
    public var offset: Int

    /// Validates the figures, naming the query parameter when one is out of range.
    public init(limit: Int = 50, offset: Int = 0) throws(FieldOpsError) {
        guard (1...500).contains(limit) else { throw .invalid(field: "limit", message: "must be between 1 and 500") }
        guard offset >= 0 else { throw .invalid(field: "offset", message: "must not be negative") }
        self.limit = limit
        self.offset = offset
    }
}
