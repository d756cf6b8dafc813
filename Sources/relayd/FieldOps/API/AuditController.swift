import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/audit`: who changed what and when, for one record.
struct AuditController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/fieldops/audit") { request, _ in
            let query = FieldOpsQuery(request: request)
            guard let entity = query.text("entity") else { throw FieldOpsError.invalid(field: "entity", message: "is required (e.g. deployment, kit, generator)") }
            guard let id = try query.integer("id") else { throw FieldOpsError.invalid(field: "id", message: "is required") }
            let entries = try await database.auditTrail(entity: Self.tableName(entity), id: Int64(id))
            return try JSONBody.response(ListResponse(items: entries.map(EntryResponse.init)))
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
        /// The changed columns as recorded: column → {"from", "to"}, or column → value on create.
        var changes: RecordedJSON

        init(_ entry: AuditEntry) {
            id = entry.id
            at = entry.at
            actor = entry.actor
            entity = entry.entity
            entityId = entry.entityId
            action = entry.action
            changes = (try? JSONDecoder().decode(RecordedJSON.self, from: Data(entry.changes.utf8))) ?? .string(entry.changes)
        }
    }
}

/// Any JSON value, so the audit's stored JSON is returned as JSON rather than as a string.
indirect enum RecordedJSON: Codable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([RecordedJSON]), object([String: RecordedJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([RecordedJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: RecordedJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
