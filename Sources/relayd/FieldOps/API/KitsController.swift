import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/kits`: kits, their components, checkout and return, and the lifecycle
/// moves that record inspections and service.
struct KitsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/fieldops/kits") { request, _ in
            let body = try await APIRequestBody.decode(CreateRequest.self, from: request, limit: .fieldOps)
            let kit = try await database.createKit(try body.input(), by: try request.fieldOpsRecorder())
            return try JSONBody.response(DetailResponse(kit), status: .created)
        }
        router.put("/api/fieldops/kits/{id}") { request, context in
            let id = try context.fieldOpsID(entity: "kit")
            let body = try await APIRequestBody.decode(VersionedEdit<CreateRequest>.self, from: request, limit: .fieldOps)
            let kit = try await database.updateKit(id: id, try body.record.input(), expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(DetailResponse(kit))
        }
        router.get("/api/fieldops/kits") { request, _ in
            let query = FieldOpsQuery(request: request)
            let filter = KitFilter(
                state: try query.value("state", as: KitState.self), kind: try query.value("kind", as: KitKind.self),
                deploymentId: try query.integer("deployment_id").map(Int64.init))
            let kits = try await database.kits(filter, page: try query.page())
            return try JSONBody.response(ListResponse(items: kits.map(KitResponse.init)))
        }
        router.get("/api/fieldops/kits/{id}") { _, context in
            try JSONBody.response(DetailResponse(try await database.kit(id: try context.fieldOpsID(entity: "kit"))))
        }
        router.post("/api/fieldops/kits/{id}/checkout") { request, context in
            let id = try context.fieldOpsID(entity: "kit")
            let body = try await APIRequestBody.decode(CheckoutRequest.self, from: request, limit: .fieldOps)
            let kit = try await database.checkOutKit(id: id, deploymentId: body.deploymentId, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(DetailResponse(kit))
        }
        router.post("/api/fieldops/kits/{id}/return") { request, context in
            let id = try context.fieldOpsID(entity: "kit")
            let body = try await APIRequestBody.decode(ReturnRequest.self, from: request, limit: .fieldOps)
            let kit = try await database.returnKit(id: id, presentSerials: body.presentSerials, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(DetailResponse(kit))
        }
        router.post("/api/fieldops/kits/{id}/transitions") { request, context in
            let id = try context.fieldOpsID(entity: "kit")
            let body = try await APIRequestBody.decode(TransitionRequest.self, from: request, limit: .fieldOps)
            let kitRequest = KitTransitionRequest(
                to: try KitState.parse(body.to, field: "to"), reason: body.reason, deploymentID: body.deploymentId,
                missingComponents: body.missingSerials ?? [])
            let kit = try await database.transitionKit(id: id, request: kitRequest, notes: body.notes, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(DetailResponse(kit))
        }
    }

    struct CreateRequest: Decodable {
        var name: String
        var kind: String
        var components: [Component]

        struct Component: Decodable {
            var serial: String
            var description: String?
        }

        func input() throws -> NewKit {
            NewKit(
                name: name, kind: try FieldOpsQuery.parse(kind, as: KitKind.self, field: "kind"),
                components: components.map { NewComponent(serial: $0.serial, description: $0.description ?? "") })
        }
    }


    struct CheckoutRequest: Decodable {
        var deploymentId: Int64
        var version: Int
    }

    struct ReturnRequest: Decodable {
        /// The serial numbers counted back in; the others are recorded as missing.
        var presentSerials: [String]
        var version: Int
    }

    struct TransitionRequest: Decodable {
        var to: String
        var version: Int
        var reason: String?
        var notes: String?
        var deploymentId: Int64?
        var missingSerials: [String]?
    }

    struct KitResponse: Encodable {
        var id: Int64?
        var name: String
        var kind: String
        var state: String
        var incomplete: Bool
        var missingComponents: [String]
        var deploymentId: Int64?
        var allowedTransitions: [String]
        var version: Int
        var updatedAt: Date

        init(_ kit: Kit) {
            id = kit.id
            name = kit.name
            kind = kit.kind.rawValue
            state = kit.state.rawValue
            incomplete = kit.state == .returned && !kit.missingComponents.isEmpty
            missingComponents = kit.missingComponents
            deploymentId = kit.deploymentId
            allowedTransitions = kit.state.allowedTargets.map(\.rawValue)
            version = kit.version
            updatedAt = kit.updatedAt
        }
    }

    struct DetailResponse: Encodable {
        var kit: KitResponse
        var components: [Component]
        var loans: [Loan]
        var care: [Care]

        struct Component: Encodable { var serial: String; var description: String }
        struct Loan: Encodable {
            var deploymentId: Int64
            var checkedOutAt: Date
            var checkedOutBy: String
            var returnedAt: Date?
            var missingOnReturn: [String]
        }
        struct Care: Encodable { var at: Date; var author: String; var kind: String; var notes: String }

        init(_ detail: KitDetail) {
            kit = KitResponse(detail.kit)
            components = detail.components.map { Component(serial: $0.serial, description: $0.description) }
            loans = detail.loans.map {
                Loan(deploymentId: $0.deploymentId, checkedOutAt: $0.checkedOutAt, checkedOutBy: $0.checkedOutBy, returnedAt: $0.returnedAt, missingOnReturn: $0.missingOnReturn)
            }
            care = detail.care.map { Care(at: $0.at, author: $0.author, kind: $0.kind.rawValue, notes: $0.notes) }
        }
    }
}
