import Foundation
import GRDB

/// Where FieldOps keeps its data: the embedded SQLite file (the default, nothing to start) or
/// a PostgreSQL server shared by several relayd.
///
/// The store only runs transactions; every FieldOps operation (`FieldOpsDatabase`) is written
/// once against `FieldOpsSQL` and runs unchanged on either backend.
public protocol FieldOpsStore: Sendable {
    /// Which backend this is, for logs and error messages.
    var backend: FieldOpsBackend { get }
    /// Runs `body` in one write transaction: committed when it returns, rolled back whole when
    /// it throws. Answers only once the commit is durable.
    func write<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T
    /// Runs `body` on a consistent read-only snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T
    /// "ok" when the store's own consistency check passes, else what it found.
    func integrityCheck() async throws -> String
    /// Calls `onChange` with the data's revision whenever another writer commits (another
    /// relayd on the same PostgreSQL); returns when `onChange` is no longer wanted (the task
    /// is cancelled). A store with no other writers to hear of returns at once.
    func followRevisions(_ onChange: @escaping @Sendable (Int64) -> Void) async throws
    /// Closes connections and stops background work.
    func shutdown() async
}

/// The two kinds of store.
public enum FieldOpsBackend: String, Sendable, CaseIterable, CustomStringConvertible {
    /// SQLite (GRDB) in the data directory.
    case sqlite
    /// A PostgreSQL server (PostgresNIO).
    case postgresql

    /// The backend's name.
    public var description: String { rawValue }
}

/// The store could not be reached (PostgreSQL down or restarting, connection lost): the
/// request failed before anything was committed and may be retried. (HTTP 503)
public struct FieldOpsUnavailable: Error, Sendable, CustomStringConvertible {
    /// What failed, for the operator.
    public var reason: String

    /// Creates the error.
    public init(reason: String) { self.reason = reason }

    /// A sentence for the operator.
    public var description: String { "the FieldOps database is unavailable: \(reason); retry shortly" }
}

/// The embedded SQLite store: a GRDB writer, with writes grouped by `GroupCommit`.
struct SQLiteFieldOpsStore: FieldOpsStore {
    let writer: any DatabaseWriter
    let groupCommit: GroupCommit

    var backend: FieldOpsBackend { .sqlite }

    init(writer: any DatabaseWriter, checkpointer: WALCheckpointer?) throws {
        self.writer = writer
        groupCommit = GroupCommit(writer: writer, checkpointer: checkpointer)
        try FieldOpsMigrations.migrator.migrate(writer)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T {
        try await groupCommit.write { db in try body(GRDBSession(db: db)) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T {
        try await writer.read { db in try body(GRDBSession(db: db)) }
    }

    func integrityCheck() async throws -> String {
        try await writer.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "no result" }
    }

    /// Other processes writing the same file (the CLI) are heard of by relayd's inotify
    /// watcher of the data directory, not here.
    func followRevisions(_ onChange: @escaping @Sendable (Int64) -> Void) async throws {}

    func shutdown() async {}
}
