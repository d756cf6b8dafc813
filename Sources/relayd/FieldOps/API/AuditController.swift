import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/audit`: who changed what and when, for one record.
struct AuditController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/fieldops/audit") { request, _ in
            await fieldOpsRespond {
                let query = FieldOpsQuery(request: request)
                guard let entity = query.text("entity") else { throw FieldOpsError.invalid(field: "entity", message: "is required (e.g. deployment, kit, generator)") }
                guard let id = try query.integer("id") else { throw FieldOpsError.invalid(field: "id", message: "is required") }
                let entries = try await database.auditTrail(entity: Self.tableName(entity), id: Int64(id))
                return try FieldOpsJSON.response(ListResponse(items: entries.map(EntryResponse.init)))
            }
        }
    }

    /// The API speaks snake_case ("refuel_run"); the audit stores table names ("refuelRun").
    static func tableName(_ entity: String) -> String {
        let words = entity.split(separator: "_")
        return (words.first.map(String.init) ?? "") + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    struct EntryResponse: Encodable {
        var id: Int64?
        var at: Date
        var actor: String
        var entity: String
        var entityId: Int64
        var action: String
        /// The changed columns as recorded, passed through as JSON text.
        var changes: String

        init(_ entry: AuditEntry) {
            id = entry.id
            at = entry.at
            actor = entry.actor
            entity = entry.entity
            entityId = entry.entityId
            action = entry.action
            changes = entry.changes
        }
    }
}
