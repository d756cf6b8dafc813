import Foundation
import GRDB

/// The handle a write transaction works through: it inserts and updates records and writes
/// the audit entry for each in the same transaction.
struct AuditedWrite {
    let db: Database
    /// Who asked for the write.
    let actor: String
    /// One timestamp for the whole transaction, so its rows and audit entries agree.
    let now: Date

    /// Inserts `record` and audits it with all its columns.
    func insert<Record: FieldOpsRecord>(_ record: Record) throws -> Record {
        var inserted = record
        try inserted.insert(db)
        let id = try inserted.primaryKeyValue()
        try audit(entity: Record.databaseTableName, id: id, action: "create", changes: try Self.columns(of: inserted))
        return inserted
    }

    /// Writes `new` over `old` and audits the columns that differ as {"from", "to"}.
    func update<Record: FieldOpsRecord>(_ new: Record, from old: Record, action: String = "update") throws {
        let before = try old.databaseDictionary
        let after = try new.databaseDictionary
        var changes: [String: Any] = [:]
        for (column, value) in after where before[column] != value {
            changes[column] = ["from": Self.json(before[column] ?? .null), "to": Self.json(value)]
        }
        try new.update(db)
        try audit(entity: Record.databaseTableName, id: try new.primaryKeyValue(), action: action, changes: changes)
    }

    /// Deletes `record` and audits every column it had.
    func delete<Record: FieldOpsRecord>(_ record: Record) throws {
        let id = try record.primaryKeyValue()
        _ = try record.delete(db)
        try audit(entity: Record.databaseTableName, id: id, action: "delete", changes: try Self.columns(of: record))
    }

    /// Appends an audit entry.
    func audit(entity: String, id: Int64, action: String, changes: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: changes, options: [.sortedKeys])
        var entry = AuditEntry(
            id: nil, at: now, actor: actor, entity: entity, entityId: id, action: action,
            changes: String(decoding: data, as: UTF8.self)
        )
        try entry.insert(db)
    }

    /// Fetches a record by id or throws `notFound` with the API's name for it.
    func require<Record: FetchableRecord & TableRecord>(_ type: Record.Type, id: Int64, entity: String) throws -> Record {
        guard let record = try Record.fetchOne(db, key: id) else { throw FieldOpsError.notFound(entity: entity, id: id) }
        return record
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

/// Every FieldOps table has an integer `id` primary key; reading it from the property avoids
/// encoding the whole record (which forecasts would otherwise do for every generator).
protocol FieldOpsRecord: MutablePersistableRecord, EncodableRecord {
    var id: Int64? { get }
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

/// Refuses an edit based on an old version.
func requireVersion(entity: String, id: Int64, expected: Int, current: Int) throws(FieldOpsError) {
    guard expected == current else {
        throw .staleVersion(entity: entity, id: id, expected: expected, current: current)
    }
}
