import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/units`: the mobile communication units and their members.
struct UnitsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/fieldops/units") { request, _ in
            let body = try await APIRequestBody.decode(CreateRequest.self, from: request, limit: .fieldOps)
            let unit = try await database.createUnit(body.input, by: try request.fieldOpsRecorder())
            return try JSONBody.response(UnitResponse(unit), status: .created)
        }
        router.put("/api/fieldops/units/{id}") { request, context in
            let id = try context.fieldOpsID(entity: "unit")
            let body = try await APIRequestBody.decode(VersionedEdit<CreateRequest>.self, from: request, limit: .fieldOps)
            let unit = try await database.updateUnit(id: id, body.record.input, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(UnitResponse(unit))
        }
        router.get("/api/fieldops/units") { request, _ in
            let units = try await database.units(page: try FieldOpsQuery(request: request).page())
            return try JSONBody.response(ListResponse(items: units.map(UnitResponse.init)))
        }
        router.get("/api/fieldops/units/{id}") { _, context in
            try JSONBody.response(UnitResponse(try await database.unit(id: try context.fieldOpsID(entity: "unit"))))
        }
    }

    struct CreateRequest: Decodable {
        var callsign: String
        var homeBase: String
        var members: [Member]?

        struct Member: Decodable {
            var name: String
            var qualifications: [String]?
        }

        var input: NewUnit {
            NewUnit(callsign: callsign, homeBase: homeBase, members: (members ?? []).map { NewMember(name: $0.name, qualifications: $0.qualifications ?? []) })
        }
    }


    struct UnitResponse: Encodable {
        var id: Int64?
        var callsign: String
        var homeBase: String
        var version: Int
        var members: [Member]

        struct Member: Encodable {
            var id: Int64?
            var name: String
            var qualifications: [String]
        }

        init(_ detail: UnitDetail) {
            id = detail.unit.id
            callsign = detail.unit.callsign
            homeBase = detail.unit.homeBase
            version = detail.unit.version
            members = detail.members.map { Member(id: $0.id, name: $0.name, qualifications: $0.qualifications) }
        }
    }
}

/// A list response: `{"items": [...]}`, leaving room for paging fields without breaking clients.
struct ListResponse<Item: Encodable>: Encodable {
    var items: [Item]
}

/// An edit: the whole record as it should be (the fields its create request takes) and, in the
/// same object, the `version` it was read at.
struct VersionedEdit<Record: Decodable>: Decodable {
    var record: Record
    var version: Int

    private enum Keys: String, CodingKey { case version }

    init(from decoder: any Decoder) throws {
        record = try Record(from: decoder)
        version = try decoder.container(keyedBy: Keys.self).decode(Int.self, forKey: .version)
    }
}
