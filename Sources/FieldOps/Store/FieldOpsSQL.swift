import Foundation
import GRDB

/// One transaction or read snapshot of a FieldOps store, whichever backend holds it.
///
/// The FieldOps operations are written once, in plain SQL with bound parameters, against this
/// handle, so the embedded SQLite file and a shared PostgreSQL behave the same by
/// construction: the same validation, the same audit entries in the same transaction, the
/// same version checks. Rows come back as GRDB `Row`s, so the same `Codable` records decode
/// from both.
///
/// The SQL keeps to what both dialects read alike: unquoted camelCase identifiers (PostgreSQL
/// folds them to lower case in its schema and in the queries alike, and GRDB looks a row's
/// columns up without regard to case), `?` placeholders (numbered `$1`, `$2`... for
/// PostgreSQL), `INSERT ... RETURNING id`, `LIMIT ? OFFSET ?`, and every column named in a
/// `SELECT` with an alias where it is computed.
public protocol FieldOpsSQL {
    /// Runs a query and returns its rows.
    func rows(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row]
    /// Runs a statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ sql: String, _ arguments: [DatabaseValue]) throws -> Int
    /// Runs independent queries (none needs another's answer) and returns their rows in order.
    /// On PostgreSQL they go out together and the caller waits once, not once per query (a
    /// forecast is five queries); SQLite runs them one after another.
    func rows(batch statements: [SQLStatement]) throws -> [[Row]]
}

/// One query of a batch: its SQL with `?` placeholders and the values they take.
public struct SQLStatement: Sendable {
    /// The SQL.
    public var sql: String
    /// One value per placeholder.
    public var arguments: [DatabaseValue]

    /// A statement with arguments of any storable type.
    public init(_ sql: String, _ arguments: [SQLArgument] = []) {
        self.sql = sql
        self.arguments = arguments.map { $0?.databaseValue ?? .null }
    }
}

/// A statement argument: any value GRDB can store (`Int64`, `String`, `Date`, `Bool`...).
public typealias SQLArgument = (any DatabaseValueConvertible)?

extension FieldOpsSQL {
    /// Records from a query that selects all their columns.
    func fetchAll<Record: FetchableRecord>(_ type: Record.Type, _ sql: String, _ arguments: [SQLArgument] = []) throws -> [Record] {
        try rows(sql, Self.values(arguments)).map(Record.init(row:))
    }

    /// The first record a query returns, if any.
    func fetchOne<Record: FetchableRecord>(_ type: Record.Type, _ sql: String, _ arguments: [SQLArgument] = []) throws -> Record? {
        try rows(sql, Self.values(arguments)).first.map(Record.init(row:))
    }

    /// The record with this id, if any.
    func record<Record: FetchableRecord & TableRecord>(_ type: Record.Type, id: Int64) throws -> Record? {
        try fetchOne(type, "SELECT * FROM \(Record.databaseTableName) WHERE id = ?", [id])
    }

    /// Whether a record with this id exists.
    func exists<Record: TableRecord>(_ type: Record.Type, id: Int64) throws -> Bool {
        try !rows("SELECT id FROM \(Record.databaseTableName) WHERE id = ?", [id.databaseValue]).isEmpty
    }

    /// The integer in the column named `value` of the first row (nil when there is no row or
    /// the value is NULL).
    func integer(_ sql: String, _ arguments: [SQLArgument] = []) throws -> Int64? {
        try rows(sql, Self.values(arguments)).first?["value"]
    }

    /// Runs a statement with arguments of any storable type.
    @discardableResult
    func run(_ sql: String, _ arguments: [SQLArgument]) throws -> Int {
        try execute(sql, Self.values(arguments))
    }

    static func values(_ arguments: [SQLArgument]) -> [DatabaseValue] {
        arguments.map { $0?.databaseValue ?? .null }
    }
}

/// A GRDB connection inside a transaction or a read: the SQLite side of `FieldOpsSQL`.
struct GRDBSession: FieldOpsSQL {
    let db: Database

    func rows(_ sql: String, _ arguments: [DatabaseValue]) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(arguments))
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [DatabaseValue]) throws -> Int {
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: StatementArguments(arguments))
        return db.changesCount
    }

    func rows(batch statements: [SQLStatement]) throws -> [[Row]] {
        try statements.map { try rows($0.sql, $0.arguments) }
    }
}

/// `?, ?, ?` for an `IN (...)` list or a `VALUES (...)` of `count` values.
func sqlPlaceholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}
