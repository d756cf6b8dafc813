import Foundation
import GRDB

/// The handle a write transaction works through: it inserts and updates records and writes
/// the audit entry for each in the same transaction.
struct AuditedWrite {
    /// The transaction, on whichever backend holds the store.
    let sql: any FieldOpsSQL
    /// Who asked for the write.
    let actor: String
    /// One timestamp for the whole transaction, so its rows and audit entries agree.
    let now: Date
    /// The audit ids this transaction wrote: the highest is the data's revision once it commits.
    let auditIds = AuditIds()

    /// Inserts `record` and audits it with all its columns.
    func insert<Record: FieldOpsRecord>(_ record: Record) throws -> Record {
        var inserted = record
        inserted.id = try Self.insertRow(record, sql: sql)
        try audit(entity: Record.databaseTableName, id: try inserted.primaryKeyValue(), action: "create", changes: try Self.columns(of: inserted))
        return inserted
    }

    /// Writes `new` over `old` and audits the columns that differ as {"from", "to"}.
    ///
    /// A versioned record is only written while the stored row still has `old`'s version
    /// (`UPDATE ... WHERE id = ? AND version = ?`): a concurrent writer that committed first
    /// (another relayd on the same PostgreSQL) makes this one fail with `staleVersion`, so an
    /// update is never lost, whatever the callers read before.
    func update<Record: FieldOpsRecord>(_ new: Record, from old: Record, action: String = "update") throws {
        let before = try old.databaseDictionary
        let after = try new.databaseDictionary
        let id = try new.primaryKeyValue()
        var changes: [String: Any] = [:]
        var assignments: [String] = []
        var arguments: [DatabaseValue] = []
        for (column, value) in after.sorted(by: { $0.key < $1.key }) where before[column] != value {
            changes[column] = ["from": Self.json(before[column] ?? .null), "to": Self.json(value)]
            assignments.append("\(column) = ?")
            arguments.append(value)
        }
        if !assignments.isEmpty {
            var statement = "UPDATE \(Record.databaseTableName) SET \(assignments.joined(separator: ", ")) WHERE id = ?"
            arguments.append(id.databaseValue)
            let version = before["version"]
            if let version, !version.isNull {
                statement += " AND version = ?"
                arguments.append(version)
            }
            if try sql.execute(statement, arguments) == 0 {
                let current = try sql.integer("SELECT version AS value FROM \(Record.databaseTableName) WHERE id = ?", [id])
                guard let current, let expected = Int.fromDatabaseValue(version ?? .null) else {
                    throw FieldOpsError.notFound(entity: Record.databaseTableName, id: id)
                }
                throw FieldOpsError.staleVersion(entity: Record.databaseTableName, id: id, expected: expected, current: Int(current))
            }
        }
        try audit(entity: Record.databaseTableName, id: id, action: action, changes: changes)
    }

    /// Deletes `record` and audits every column it had.
    func delete<Record: FieldOpsRecord>(_ record: Record) throws {
        let id = try record.primaryKeyValue()
        try sql.run("DELETE FROM \(Record.databaseTableName) WHERE id = ?", [id])
        try audit(entity: Record.databaseTableName, id: id, action: "delete", changes: try Self.columns(of: record))
    }

    /// Appends an audit entry.
    func audit(entity: String, id: Int64, action: String, changes: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: changes, options: [.sortedKeys])
        let entry = AuditEntry(
            id: nil, at: now, actor: actor, entity: entity, entityId: id, action: action,
            changes: String(decoding: data, as: UTF8.self)
        )
        auditIds.highest = max(auditIds.highest, try Self.insertRow(entry, sql: sql))
    }

    /// Fetches a record by id or throws `notFound` with the API's name for it.
    func require<Record: FetchableRecord & TableRecord>(_ type: Record.Type, id: Int64, entity: String) throws -> Record {
        guard let record = try sql.record(Record.self, id: id) else { throw FieldOpsError.notFound(entity: entity, id: id) }
        return record
    }

    /// Inserts a record's columns (the database assigns the id) and returns the new id.
    ///
    /// The columns are the record's own `Codable` encoding, the one definition of a table's
    /// row for both backends; the statement is plain SQL with one bound parameter per column.
    static func insertRow<Record: FieldOpsRecord>(_ record: Record, sql: any FieldOpsSQL) throws -> Int64 {
        let columns = try record.databaseDictionary.filter { $0.key != "id" }.sorted { $0.key < $1.key }
        let statement = "INSERT INTO \(Record.databaseTableName) (\(columns.map(\.key).joined(separator: ", "))) VALUES (\(sqlPlaceholders(columns.count))) RETURNING id"
        guard let id: Int64 = try sql.rows(statement, columns.map(\.value)).first?["id"] else {
            throw DatabaseError(message: "\(Record.databaseTableName): the insert returned no id")
        }
        return id
    }

    private static func columns<Record: EncodableRecord>(of record: Record) throws -> [String: Any] {
        try record.databaseDictionary.mapValues(json)
    }

    /// A database value as a JSON value (blobs never occur in FieldOps rows; base64 if they do).
    private static func json(_ value: DatabaseValue) -> Any {
        switch value.storage {
        case .null: NSNull()
        case .int64(let number): NSNumber(value: number)
        case .double(let number): NSNumber(value: number)
        case .string(let text): text
        case .blob(let data): data.base64EncodedString()
        }
    }
}

/// The highest audit id one write transaction inserted. Only the transaction's own thread
/// touches it, while the transaction runs.
final class AuditIds {
    var highest: Int64 = 0
}

/// The revision of the latest write this process committed, so the event streams can be told
/// of a write without reading the revision back (a second transaction after every write).
final class CommittedRevision: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Int64 = 0

    /// The highest revision committed so far.
    var latest: Int64 { lock.withLock { value } }

    /// Notes a committed write's revision (writes finish in any order; the highest stays).
    func raise(to revision: Int64) {
        lock.withLock { value = max(value, revision) }
    }
}

/// Every FieldOps table has an integer `id` primary key; reading it from the property avoids
/// encoding the whole record (which forecasts would otherwise do for every generator).
protocol FieldOpsRecord: MutablePersistableRecord, EncodableRecord {
    var id: Int64? { get set }
}

extension FieldOpsRecord {
    /// The row id; throws for a record that was never inserted.
    func primaryKeyValue() throws -> Int64 {
        guard let id else { throw DatabaseError(message: "\(Self.databaseTableName) has no id: it was never inserted") }
        return id
    }
}

extension FieldUnit: FieldOpsRecord {}
extension UnitMember: FieldOpsRecord {}
extension Deployment: FieldOpsRecord {}
extension DeploymentCheckIn: FieldOpsRecord {}
extension ActivityEntry: FieldOpsRecord {}
extension Kit: FieldOpsRecord {}
extension KitComponent: FieldOpsRecord {}
extension KitLoan: FieldOpsRecord {}
extension KitCareRecord: FieldOpsRecord {}
extension RelayStation: FieldOpsRecord {}
extension StationAccessMode: FieldOpsRecord {}
extension Generator: FieldOpsRecord {}
extension TankReading: FieldOpsRecord {}
extension GeneratorPeriod: FieldOpsRecord {}
extension RefuelRun: FieldOpsRecord {}
extension AuditEntry: FieldOpsRecord {}

/// Refuses an edit based on an old version.
func requireVersion(entity: String, id: Int64, expected: Int, current: Int) throws(FieldOpsError) {
    guard expected == current else {
        throw .staleVersion(entity: entity, id: id, expected: expected, current: current)
    }
}
