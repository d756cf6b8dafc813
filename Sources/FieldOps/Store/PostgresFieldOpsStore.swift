import Foundation
import GRDB
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// FieldOps on a PostgreSQL server that several relayd share.
///
/// The FieldOps operations are synchronous closures over `FieldOpsSQL` (GRDB runs them on
/// its writer queue); here each runs on a thread of the store's own `NIOThreadPool`, never on
/// the Swift concurrency pool or an event loop, holding one connection and waiting for each
/// statement's answer. A write is `BEGIN`, the operation and `COMMIT`; with
/// `synchronous_commit = on` the commit is on the server's disk before the write is answered.
/// The new revision is announced (`pg_notify`) after the commit, in a statement of its own:
/// a `NOTIFY` inside the write would take PostgreSQL's notify lock, which every notifying
/// transaction holds until its commit is on disk, so all writes of every relayd would commit
/// one after another instead of sharing WAL flushes. Listeners also read the revision every
/// `revisionPollInterval`, so a relayd that dies between its commit and its announcement
/// still has its write seen.
///
/// Lost connections (the server restarting or down) fail the request at once with
/// `FieldOpsUnavailable` (HTTP 503); the next request connects afresh, so relayd recovers by
/// itself once the server is back.
public final class PostgresFieldOpsStore: FieldOpsStore, @unchecked Sendable {
    // @unchecked Sendable: `idle` and `nextConnectionID` are only touched under `lock`; the
    // other properties are immutable and Sendable.
    /// The server and role.
    public let location: PostgresLocation
    let logger: Logger
    private let threads: NIOThreadPool
    private let eventLoops: any EventLoopGroup
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextConnectionID = 0
    /// How long a connection attempt may take before the request fails with 503.
    static let connectTimeout = TimeAmount.seconds(3)
    /// The channel every committed write announces the new revision on.
    static let revisionChannel = "fieldops_revision"
    /// Announces the data's revision (its highest audit id) to every listening relayd, in a
    /// transaction of its own that writes nothing, so its commit waits for no disk.
    static let announcement = "SELECT pg_notify('\(revisionChannel)', CAST(COALESCE(MAX(id), 0) AS text)) AS value FROM auditEntry"
    /// How often a listener reads the revision even without an announcement (a writer that
    /// died between its commit and its announcement), well inside the 1 s other relayd have
    /// to see a write.
    static let revisionPollInterval = Duration.milliseconds(500)

    /// Connects to the server at `location` and (unless `migrating` is false) applies the
    /// migrations it has not run yet, under an advisory lock so relayd started together
    /// migrate once.
    public static func open(
        _ location: PostgresLocation, connections: Int = 8, migrating: Bool = true, logger: Logger = Logger(label: "fieldops")
    ) async throws -> PostgresFieldOpsStore {
        let store = PostgresFieldOpsStore(location: location, connections: connections, logger: logger)
        do {
            if migrating { try await store.migrate() }
        } catch {
            await store.shutdown()
            throw error
        }
        logger.info("fieldops database opened", metadata: ["fieldops.postgres": "\(location)"])
        return store
    }

    init(location: PostgresLocation, connections: Int, logger: Logger) {
        self.location = location
        self.logger = logger
        eventLoops = MultiThreadedEventLoopGroup.singleton
        threads = NIOThreadPool(numberOfThreads: max(1, connections))
        threads.start()
    }

    /// A store dropped without `shutdown()` still closes its connections and threads (NIO
    /// requires both to be closed before they go).
    deinit {
        for connection in idle {
            // The callback keeps the connection until its channel has closed.
            connection.close().whenComplete { _ in _ = connection }
        }
        threads.shutdownGracefully { _ in }
    }

    public var backend: FieldOpsBackend { .postgresql }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T {
        try await transaction(.write, body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any FieldOpsSQL) throws -> T) async throws -> T {
        try await transaction(.read, body)
    }

    /// PostgreSQL checks its pages itself; this answers whether the server answers at all.
    public func integrityCheck() async throws -> String {
        try await read { sql in try sql.integer("SELECT 1 AS value") == 1 ? "ok" : "the server did not answer SELECT 1" }
    }

    public func shutdown() async {
        let connections = lock.withLock {
            defer { idle.removeAll() }
            return idle
        }
        for connection in connections { try? await connection.close() }
        try? await threads.shutdownGracefully()
    }

    /// What a transaction does, which decides how it begins and ends.
    enum TransactionKind {
        /// A consistent read-only snapshot.
        case read
        /// A write that announces the new revision to every listening relayd.
        case write
        /// A schema change (nobody listens yet).
        case migration
    }

    /// Runs `body` between `BEGIN` and `COMMIT` on a pooled connection, on a store thread.
    /// A connection found dead at `BEGIN` (closed by a server restart while idle) is replaced
    /// once, since nothing of the transaction can have run on it.
    func transaction<T: Sendable>(_ kind: TransactionKind, _ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in
            let (connection, reused) = try checkout()
            do {
                return try transaction(kind, on: connection, body)
            } catch let dead as DeadAtBegin {
                guard reused else { throw dead.error }
                return try transaction(kind, on: try connect(), body)
            }
        }
    }

    /// The connection failed at `BEGIN`; `error` is what the caller sees if it is not retried.
    private struct DeadAtBegin: Error {
        let error: any Error
    }

    /// One transaction on `connection`, with as few waits on the store thread as correctness
    /// allows (each wait is a wake-up of this thread by the event loop, which costs far more
    /// than the statement on a loaded machine):
    /// - reads and writes queue their statements behind `BEGIN` without waiting for it: the
    ///   connection runs them in order, so each runs inside the transaction, and `BEGIN` is
    ///   checked (long answered) before anything is committed or returned. A `BEGIN` that
    ///   failed means the connection died, and then so did every statement behind it;
    /// - a read does not wait for its `COMMIT` (which only ends the snapshot): the next
    ///   transaction on the connection queues behind it;
    /// - a write waits for its `COMMIT` (answered once durable), then queues the revision
    ///   announcement without waiting for it.
    private func transaction<T: Sendable>(_ kind: TransactionKind, on connection: PostgresConnection, _ body: (PostgresSession) throws -> T) throws -> T {
        let session = PostgresSession(connection: connection, logger: logger)
        let begin: EventLoopFuture<PostgresQueryResult>
        do {
            begin = try session.send(kind == .read ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", [])
            if kind == .migration { _ = try begin.wait() }
        } catch {
            throw deadAtBegin(error, connection: connection)
        }
        do {
            let value = try body(session)
            // Answered long ago (it went out before the body's statements): nothing is
            // committed or served from outside the transaction.
            _ = try begin.wait()
            switch kind {
            case .read:
                _ = try session.send("COMMIT", [])
            case .write:
                try session.execute("COMMIT", [])
                _ = try? session.send(Self.announcement, [])
            case .migration:
                try session.execute("COMMIT", [])
            }
            checkin(connection)
            return value
        } catch {
            if kind != .migration, case .failure(let beginError) = Result(catching: { try begin.wait() }) {
                throw deadAtBegin(beginError, connection: connection)
            }
            if Self.isConnectionFailure(error) { throw unavailableIfConnectionFailed(error, connection: connection) }
            do {
                try session.execute("ROLLBACK", [])
                checkin(connection)
            } catch {
                try? connection.close().wait()
            }
            throw Self.uniqueViolation(error) ?? error
        }
    }

    /// A failed `BEGIN`: the connection is closed, and the error marked for one retry on a
    /// fresh connection when the server closed it while it was idle.
    private func deadAtBegin(_ error: any Error, connection: PostgresConnection) -> any Error {
        guard Self.isConnectionFailure(error) else {
            try? connection.close().wait()
            return error
        }
        return DeadAtBegin(error: unavailableIfConnectionFailed(error, connection: connection))
    }

    /// An idle connection (true: reused) or a new one.
    private func checkout() throws -> (PostgresConnection, Bool) {
        while let connection = lock.withLock({ idle.popLast() }) {
            if !connection.isClosed { return (connection, true) }
        }
        return (try connect(), false)
    }

    private func checkin(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        lock.withLock { idle.append(connection) }
    }

    /// Opens a connection in UTC with synchronous commit, or fails with `FieldOpsUnavailable`.
    func connect() throws -> PostgresConnection {
        let id = lock.withLock {
            nextConnectionID += 1
            return nextConnectionID
        }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(on: eventLoops.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw FieldOpsUnavailable(reason: "cannot connect to \(location): \(Self.describe(error))")
        }
        do {
            // Dates are bound as UTC text; every commit waits for the server's disk.
            let session = PostgresSession(connection: connection, logger: logger)
            try session.execute("SET TIME ZONE 'UTC'", [])
            try session.execute("SET synchronous_commit = on", [])
        } catch {
            try? connection.close().wait()
            throw FieldOpsUnavailable(reason: "cannot set up a connection to \(location): \(Self.describe(error))")
        }
        return connection
    }

    /// The server, role and database, without TLS (see docs/FIELDOPS.md: a shared store on
    /// another host is reached over a tunnel or a private network).
    var configuration: PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable
        )
        configuration.options.connectTimeout = Self.connectTimeout
        return configuration
    }

    private func unavailableIfConnectionFailed(_ error: any Error, connection: PostgresConnection) -> any Error {
        guard Self.isConnectionFailure(error) else { return error }
        try? connection.close().wait()
        if error is FieldOpsUnavailable { return error }
        logger.warning("fieldops: lost the connection to PostgreSQL", metadata: ["fieldops.error": "\(Self.describe(error))"])
        return FieldOpsUnavailable(reason: "lost the connection to \(location): \(Self.describe(error))")
    }

    /// Errors that mean the server is gone or going (not that the statement was wrong):
    /// closed connections, and the server's own "shutting down" / "starting up" /
    /// connection-exception states (SQLSTATE 57P01-57P03, class 08).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        if error is FieldOpsUnavailable || error is ChannelError || error is IOError { return true }
        guard let psql = error as? PSQLError else { return false }
        switch psql.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return true
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        default:
            return false
        }
    }

    /// A unique constraint hit by two relayd registering the same name at the same moment
    /// (each checked first, neither saw the other's uncommitted row): the same 422 the check
    /// gives when the rows arrive one after the other. PostgreSQL names the constraint
    /// `<table>_<column>_key`.
    static func uniqueViolation(_ error: any Error) -> FieldOpsError? {
        guard let psql = error as? PSQLError, psql.serverInfo?[.sqlState] == "23505" else { return nil }
        let table = psql.serverInfo?[.tableName] ?? ""
        let constraint = psql.serverInfo?[.constraintName] ?? ""
        let column = constraint.hasPrefix(table + "_") && constraint.hasSuffix("_key")
            ? String(constraint.dropFirst(table.count + 1).dropLast(4)) : constraint
        // The API's names for the unique columns (a kit's serials arrive as its components).
        let field = ["callsign": "callsign", "name": "name", "serial": "components"][column] ?? column
        return .invalid(field: field, message: "is already registered")
    }

    /// The server's message when it sent one, else the error's own description.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(psql.code) (\(underlying))" }
            return "\(psql.code)"
        }
        return "\(error)"
    }
}
