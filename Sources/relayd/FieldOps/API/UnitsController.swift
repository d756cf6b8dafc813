import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/units`: the mobile communication units and their members.
struct UnitsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/fieldops/units") { request, _ in
            await fieldOpsRespond {
                let body = try await FieldOpsJSON.decode(CreateRequest.self, from: request)
                let members = (body.members ?? []).map { NewMember(name: $0.name, qualifications: $0.qualifications ?? []) }
                let unit = try await database.createUnit(NewUnit(callsign: body.callsign, homeBase: body.homeBase, members: members), by: request.fieldOpsActor)
                return try FieldOpsJSON.response(UnitResponse(unit), status: .created)
            }
        }
        router.get("/api/fieldops/units") { request, _ in
            await fieldOpsRespond {
                let units = try await database.units(page: try FieldOpsQuery(request: request).page())
                return try FieldOpsJSON.response(ListResponse(items: units.map(UnitResponse.init)))
            }
        }
        router.get("/api/fieldops/units/{id}") { _, context in
            await fieldOpsRespond {
                try FieldOpsJSON.response(UnitResponse(try await database.unit(id: try context.fieldOpsID(entity: "unit"))))
            }
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
