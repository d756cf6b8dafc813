import Foundation
import GRDB

/// Moves a FieldOps store to another (the SQLite file of one relayd to the PostgreSQL that
/// several will share), keeping every id, and proves the copy: the same number of rows in
/// every table and the same audit trail, entry for entry.
public enum FieldOpsCopy {
    /// The tables, parents before the rows that point at them.
    static let tables = [
        "unit", "unitMember", "deployment", "deploymentCheckIn", "activityEntry", "kit", "kitComponent", "kitLoan",
        "kitCareRecord", "relayStation", "stationAccessMode", "generator", "tankReading", "generatorPeriod", "refuelRun",
        "auditEntry",
    ]

    /// What was copied.
    public struct Report: Sendable, Equatable {
        /// Rows per table, in `tables` order.
        public var rows: [(table: String, count: Int)]
        /// Audit entries compared equal on both sides.
        public var auditEntries: Int
        /// The highest audit id (the data's revision) on both sides.
        public var revision: Int64

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.rows.map(\.table) == rhs.rows.map(\.table) && lhs.rows.map(\.count) == rhs.rows.map(\.count)
                && lhs.auditEntries == rhs.auditEntries && lhs.revision == rhs.revision
        }
    }

    /// Why a copy was refused or did not check out.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Copies everything in `source` into `target`, which must hold no FieldOps data yet, in
    /// one transaction of `target`, then compares counts and audit trails.
    public static func copy(from source: FieldOpsDatabase, to target: FieldOpsDatabase) async throws -> Report {
        let existing = try await target.read { sql in try sql.integer("SELECT COUNT(*) AS value FROM auditEntry") ?? 0 }
        guard existing == 0 else {
            throw Failure(description: "the target already holds FieldOps data (\(existing) audit entries); copy only into an empty store")
        }
        let snapshot = try await source.read { sql in
            try tables.map { table in
                (table, try sql.rows("SELECT * FROM \(table) ORDER BY id", []).map { row in row.columnNames.map { ($0, row[$0] as DatabaseValue) } })
            }
        }
        try await target.store.write { sql in
            for (table, rows) in snapshot {
                for row in rows {
                    try sql.execute(
                        "INSERT INTO \(table) (\(row.map(\.0).joined(separator: ", "))) VALUES (\(sqlPlaceholders(row.count)))", row.map(\.1))
                }
            }
            if target.store.backend == .postgresql {
                // The ids were given explicitly: move each identity past them.
                for table in tables {
                    _ = try sql.rows(
                        "SELECT setval(pg_get_serial_sequence('\(table.lowercased())', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) AS value FROM \(table)", [])
                }
            }
        }
        let before = try await report(of: source)
        let after = try await report(of: target)
        guard before.rows.map(\.count) == after.rows.map(\.count) else {
            let differing = zip(before.rows, after.rows).filter { $0.count != $1.count }.map { "\($0.table): \($0.count) -> \($1.count)" }
            throw Failure(description: "row counts differ after the copy: \(differing.joined(separator: ", "))")
        }
        let sourceTrail = try await auditTrail(of: source)
        let targetTrail = try await auditTrail(of: target)
        let firstDifference = zip(sourceTrail, targetTrail).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        if let index = firstDifference ?? (sourceTrail.count == targetTrail.count ? nil : min(sourceTrail.count, targetTrail.count)) {
            throw Failure(description: "the audit trails differ from entry \(index + 1) on")
        }
        return Report(rows: after.rows, auditEntries: targetTrail.count, revision: after.revision)
    }

    /// Row counts and revision of a store.
    public static func report(of database: FieldOpsDatabase) async throws -> Report {
        try await database.read { sql in
            let rows = try tables.map { table in (table: table, count: Int(try sql.integer("SELECT COUNT(*) AS value FROM \(table)") ?? 0)) }
            let revision = try AlertsCache.revision(sql)
            return Report(rows: rows, auditEntries: rows.last?.count ?? 0, revision: revision)
        }
    }

    private static func auditTrail(of database: FieldOpsDatabase) async throws -> [AuditEntry] {
        try await database.read { sql in try sql.fetchAll(AuditEntry.self, "SELECT * FROM auditEntry ORDER BY id") }
    }
}
