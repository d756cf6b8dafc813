import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/deployments`: deployments, their lifecycle, check-ins and activity log.
struct DeploymentsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/fieldops/deployments") { request, _ in
            let body = try await APIRequestBody.decode(CreateRequest.self, from: request, limit: .fieldOps)
            let deployment = try await database.createDeployment(try body.input(), by: try request.fieldOpsRecorder())
            return try JSONBody.response(try await detail(deployment.id), status: .created)
        }
        router.put("/api/fieldops/deployments/{id}") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let body = try await APIRequestBody.decode(VersionedEdit<CreateRequest>.self, from: request, limit: .fieldOps)
            _ = try await database.updateDeployment(id: id, try body.record.input(), expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(try await detail(id))
        }
        router.post("/api/fieldops/deployments/{id}/check-ins/{checkIn}/check-out") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let checkInId = try context.fieldOpsID("checkIn", entity: "check_in")
            let body = try await APIRequestBody.decode(CheckOutRequest.self, from: request, limit: .fieldOps)
            let checkIn = try await database.checkOut(deploymentId: id, checkInId: checkInId, at: body.at, by: try request.fieldOpsRecorder())
            return try JSONBody.response(CheckInResponse(checkIn))
        }
        router.get("/api/fieldops/deployments") { request, _ in
            let query = FieldOpsQuery(request: request)
            let filter = DeploymentFilter(
                state: try query.value("state", as: DeploymentState.self), kind: try query.value("kind", as: DeploymentKind.self))
            let deployments = try await database.deployments(filter, page: try query.page())
            return try JSONBody.response(ListResponse(items: deployments.map { DeploymentResponse($0, leadCallsign: nil) }))
        }
        router.get("/api/fieldops/deployments/{id}") { _, context in
            try JSONBody.response(try await detail(try context.fieldOpsID(entity: "deployment")))
        }
        router.post("/api/fieldops/deployments/{id}/transitions") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let body = try await APIRequestBody.decode(TransitionRequest.self, from: request, limit: .fieldOps)
            let target = try DeploymentState.parse(body.to, field: "to")
            _ = try await database.transitionDeployment(id: id, to: target, reason: body.reason, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(try await detail(id))
        }
        router.post("/api/fieldops/deployments/{id}/check-ins") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let body = try await APIRequestBody.decode(CheckInRequest.self, from: request, limit: .fieldOps)
            let checkIn = try await database.checkIn(deploymentId: id, unitId: body.unitId, assignment: body.assignment ?? "", at: body.at, by: try request.fieldOpsRecorder())
            return try JSONBody.response(CheckInResponse(checkIn), status: .created)
        }
        router.post("/api/fieldops/deployments/{id}/activity") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let body = try await APIRequestBody.decode(ActivityRequest.self, from: request, limit: .fieldOps)
            let entry = try await database.appendActivity(deploymentId: id, text: body.text, at: body.at, by: try request.fieldOpsRecorder())
            return try JSONBody.response(ActivityResponse(entry), status: .created)
        }
        router.get("/api/fieldops/deployments/{id}/activity") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let period = try FieldOpsQuery(request: request).period()
            let entries = try await database.activity(deploymentId: id, period: period)
            return try JSONBody.response(ListResponse(items: entries.map(ActivityResponse.init)))
        }
    }

    private func detail(_ id: Int64?) async throws -> DetailResponse {
        guard let id else { throw FieldOpsError.notFound(entity: "deployment", id: 0) }
        return DetailResponse(try await database.deployment(id: id))
    }

    struct CreateRequest: Decodable {
        var kind: String
        var incidentName: String
        var location: String
        var leadUnitId: Int64
        var videoSources: [String]?
        /// The scene on the map, optional (both or neither).
        var latitude: Double?
        var longitude: Double?

        func input() throws -> NewDeployment {
            NewDeployment(
                kind: try FieldOpsQuery.parse(kind, as: DeploymentKind.self, field: "kind"),
                incidentName: incidentName, location: location, leadUnitId: leadUnitId, videoSources: videoSources ?? [],
                latitude: latitude, longitude: longitude)
        }
    }


    struct CheckOutRequest: Decodable {
        var at: Date?
    }

    struct TransitionRequest: Decodable {
        var to: String
        var version: Int
        var reason: String?
    }

    struct CheckInRequest: Decodable {
        var unitId: Int64
        var assignment: String?
        var at: Date?
    }

    struct ActivityRequest: Decodable {
        var text: String
        var at: Date?
    }

    struct DeploymentResponse: Encodable {
        var id: Int64?
        var kind: String
        var incidentName: String
        var location: String
        var leadUnitId: Int64
        var leadCallsign: String?
        var videoSources: [String]
        var state: String
        var allowedTransitions: [String]
        var version: Int
        var createdAt: Date
        var updatedAt: Date
        var latitude: Double?
        var longitude: Double?

        init(_ deployment: Deployment, leadCallsign: String?) {
            id = deployment.id
            kind = deployment.kind.rawValue
            incidentName = deployment.incidentName
            location = deployment.location
            leadUnitId = deployment.leadUnitId
            self.leadCallsign = leadCallsign
            videoSources = deployment.videoSources
            state = deployment.state.rawValue
            allowedTransitions = deployment.state.allowedTargets.map(\.rawValue)
            version = deployment.version
            createdAt = deployment.createdAt
            updatedAt = deployment.updatedAt
            latitude = deployment.latitude
            longitude = deployment.longitude
        }
    }

    struct DetailResponse: Encodable {
        var deployment: DeploymentResponse
        var kits: [KitsController.KitResponse]
        var checkIns: [CheckInResponse]

        init(_ detail: DeploymentDetail) {
            deployment = DeploymentResponse(detail.deployment, leadCallsign: detail.leadCallsign)
            kits = detail.kits.map { KitsController.KitResponse($0) }
            checkIns = detail.checkIns.map(CheckInResponse.init)
        }
    }

    struct CheckInResponse: Encodable {
        var id: Int64?
        var unitId: Int64
        var assignment: String
        var checkedInAt: Date
        var checkedOutAt: Date?

        init(_ checkIn: DeploymentCheckIn) {
            id = checkIn.id
            unitId = checkIn.unitId
            assignment = checkIn.assignment
            checkedInAt = checkIn.checkedInAt
            checkedOutAt = checkIn.checkedOutAt
        }
    }

    struct ActivityResponse: Encodable {
        var id: Int64?
        var at: Date
        var author: String
        var text: String

        init(_ entry: ActivityEntry) {
            id = entry.id
            at = entry.at
            author = entry.author
            text = entry.text
        }
    }
}

extension FieldOpsQuery {
    /// An operational period from `from` and `to`.
    func period() throws -> OperationalPeriod {
        try OperationalPeriod(from: try date("from"), to: try date("to"))
    }

    /// Parses an enum from a body field, naming the field and the valid values.
    static func parse<T: RawRepresentable & CaseIterable>(_ text: String, as type: T.Type, field: String) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldOpsError.invalid(field: field, message: "unknown value \"\(text)\"; expected one of \(names)")
        }
        return value
    }
}
