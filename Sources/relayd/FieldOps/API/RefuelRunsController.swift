import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/refuel-runs`: proposing, scheduling, aborting and delivering fuel runs.
struct RefuelRunsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/fieldops/refuel-runs") { request, _ in
            let body = try await APIRequestBody.decode(CreateRequest.self, from: request, limit: .fieldOps)
            let run = try await database.proposeRefuelRun(
                generatorId: body.generatorId,
                plannedMillilitres: try UnitConversion.millilitres(fromLitres: body.plannedLitres, field: "planned_litres"),
                note: body.note ?? "", by: try request.fieldOpsRecorder())
            return try JSONBody.response(RunResponse(run), status: .created)
        }
        router.get("/api/fieldops/refuel-runs") { request, _ in
            let query = FieldOpsQuery(request: request)
            let runs = try await database.refuelRuns(state: try query.value("state", as: RefuelRunState.self), page: try query.page())
            return try JSONBody.response(ListResponse(items: runs.map(RunResponse.init)))
        }
        router.get("/api/fieldops/refuel-runs/{id}") { _, context in
            try JSONBody.response(RunResponse(try await database.refuelRun(id: try context.fieldOpsID(entity: "refuel_run"))))
        }
        router.post("/api/fieldops/refuel-runs/{id}/transitions") { request, context in
            let id = try context.fieldOpsID(entity: "refuel_run")
            let body = try await APIRequestBody.decode(TransitionRequest.self, from: request, limit: .fieldOps)
            let run = try await database.transitionRefuelRun(id: id, change: try body.change(), expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(RunResponse(run))
        }
    }

    struct CreateRequest: Decodable {
        var generatorId: Int64
        var plannedLitres: Double
        var note: String?
    }

    struct TransitionRequest: Decodable {
        var to: String
        var version: Int
        /// Abort reason: weather, access or aircraft.
        var reason: String?
        var note: String?
        var deliveredLitres: Double?
        var deliveredAt: Date?
        var accessMode: String?
        var departsAt: Date?

        func change() throws -> RefuelRunChange {
            let request = RefuelRunTransitionRequest(
                to: try RefuelRunState.parse(to, field: "to"), note: note,
                abortReason: try reason.map { try FieldOpsQuery.parse($0, as: AbortReason.self, field: "reason") },
                deliveredMillilitres: try deliveredLitres.map { try UnitConversion.millilitres(fromLitres: $0, field: "delivered_litres") })
            return RefuelRunChange(
                request: request,
                accessMode: try accessMode.map { try FieldOpsQuery.parse($0, as: AccessModeKind.self, field: "access_mode") },
                departsAt: departsAt, deliveredAt: deliveredAt)
        }
    }

    struct RunResponse: Encodable {
        var id: Int64?
        var stationId: Int64
        var stationName: String
        var generatorId: Int64
        var state: String
        var allowedTransitions: [String]
        var plannedLitres: Double
        var accessMode: String?
        var departsAt: Date?
        var deliveredLitres: Double?
        var deliveredAt: Date?
        var abortReason: String?
        var abortCount: Int
        var note: String
        var version: Int
        var reconciliation: Reconciliation?

        struct Reconciliation: Encodable {
            var expectedLitres: Double
            var readLitres: Double
            var discrepancyLitres: Double
        }

        init(_ detail: RefuelRunDetail) {
            let run = detail.run
            id = run.id
            stationId = run.stationId
            stationName = detail.stationName
            generatorId = run.generatorId
            state = run.state.rawValue
            allowedTransitions = run.state.allowedTargets.map(\.rawValue)
            plannedLitres = UnitConversion.litres(fromMillilitres: run.plannedMillilitres)
            accessMode = run.accessMode?.rawValue
            departsAt = run.departsAt
            deliveredLitres = run.deliveredMillilitres.map(UnitConversion.litres(fromMillilitres:))
            deliveredAt = run.deliveredAt
            abortReason = run.abortReason?.rawValue
            abortCount = run.abortCount
            note = run.note
            version = run.version
            reconciliation = detail.reconciliation.map {
                Reconciliation(
                    expectedLitres: UnitConversion.litres(fromMillilitres: $0.expectedMillilitres),
                    readLitres: UnitConversion.litres(fromMillilitres: $0.readMillilitres),
                    discrepancyLitres: UnitConversion.litres(fromMillilitres: $0.discrepancyMillilitres))
            }
        }
    }
}
