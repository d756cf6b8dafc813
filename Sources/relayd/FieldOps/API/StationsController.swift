import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/stations` and `/api/fieldops/alerts`: relay stations, their access modes and
/// generators, and the stations that need fuel first.
struct StationsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.post("/api/fieldops/stations") { request, _ in
            let body = try await APIRequestBody.decode(CreateRequest.self, from: request, limit: .fieldOps)
            let station = try await database.createStation(try body.input(), by: try request.fieldOpsRecorder())
            return try JSONBody.response(StationResponse(station, now: database.now), status: .created)
        }
        router.get("/api/fieldops/stations") { request, _ in
            let stations = try await database.stations(page: try FieldOpsQuery(request: request).page())
            let now = database.now
            return try JSONBody.response(ListResponse(items: stations.map { StationResponse($0, now: now) }))
        }
        router.get("/api/fieldops/stations/{id}") { request, context in
            let at = try FieldOpsQuery(request: request).date("at")
            let station = try await database.station(id: try context.fieldOpsID(entity: "station"), at: at)
            return try JSONBody.response(StationResponse(station, now: at ?? database.now))
        }
        router.put("/api/fieldops/stations/{id}") { request, context in
            let id = try context.fieldOpsID(entity: "station")
            let body = try await APIRequestBody.decode(UpdateRequest.self, from: request, limit: .fieldOps)
            let input = NewStation(
                name: body.name, latitude: body.latitude, longitude: body.longitude, elevationMetres: body.elevationM,
                seasonalNotes: body.seasonalNotes ?? "", accessModes: [])
            let station = try await database.updateStation(id: id, input, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(StationResponse(station, now: database.now))
        }
        router.put("/api/fieldops/stations/{id}/access-modes/{mode}") { request, context in
            let id = try context.fieldOpsID(entity: "station")
            let mode = try FieldOpsQuery.parse(try context.parameters.require("mode"), as: AccessModeKind.self, field: "mode")
            let body = try await APIRequestBody.decode(AccessModeUpdate.self, from: request, limit: .fieldOps)
            let station = try await database.updateAccessMode(
                stationId: id, mode: mode, available: body.available,
                leadSeconds: try body.leadHours.map { try UnitConversion.seconds(fromHours: $0, field: "lead_hours") },
                note: body.note, expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(StationResponse(station, now: database.now))
        }
        router.post("/api/fieldops/stations/{id}/generators") { request, context in
            let id = try context.fieldOpsID(entity: "station")
            let body = try await APIRequestBody.decode(GeneratorsController.CreateRequest.self, from: request, limit: .fieldOps)
            let generator = try await database.addGenerator(stationId: id, try body.input(), by: try request.fieldOpsRecorder())
            return try JSONBody.response(GeneratorsController.GeneratorResponse(generator, now: database.now), status: .created)
        }
        router.get("/api/fieldops/alerts") { request, _ in
            let at = try FieldOpsQuery(request: request).date("at")
            let stations = try await database.alerts(at: at)
            let now = at ?? database.now
            return try JSONBody.response(ListResponse(items: stations.map { AlertResponse($0, now: now) }))
        }
    }

    struct CreateRequest: Decodable {
        var name: String
        var latitude: Double
        var longitude: Double
        var elevationM: Int
        var seasonalNotes: String?
        var accessModes: [AccessMode]

        struct AccessMode: Decodable {
            var mode: String
            var leadHours: Double
            var available: Bool?
            var note: String?
        }

        func input() throws -> NewStation {
            let modes = try accessModes.enumerated().map { index, access in
                NewAccessMode(
                    mode: try FieldOpsQuery.parse(access.mode, as: AccessModeKind.self, field: "access_modes[\(index)].mode"),
                    leadSeconds: try UnitConversion.seconds(fromHours: access.leadHours, field: "access_modes[\(index)].lead_hours"),
                    available: access.available ?? true, note: access.note ?? "")
            }
            return NewStation(
                name: name, latitude: latitude, longitude: longitude, elevationMetres: elevationM,
                seasonalNotes: seasonalNotes ?? "", accessModes: modes)
        }
    }

    /// Name, place and notes; access modes change one at a time.
    struct UpdateRequest: Decodable {
        var name: String
        var latitude: Double
        var longitude: Double
        var elevationM: Int
        var seasonalNotes: String?
        var version: Int
    }

    struct AccessModeUpdate: Decodable {
        var available: Bool
        var leadHours: Double?
        var note: String?
        var version: Int
    }

    struct StationResponse: Encodable {
        var id: Int64?
        var name: String
        var latitude: Double
        var longitude: Double
        var elevationM: Int
        var seasonalNotes: String
        var version: Int
        var band: String
        var orderBy: Date?
        var accessModes: [AccessMode]
        var generators: [GeneratorsController.GeneratorResponse]

        struct AccessMode: Encodable {
            var mode: String
            var leadHours: Double
            var available: Bool
            var note: String
        }

        init(_ detail: StationDetail, now: Date) {
            id = detail.station.id
            name = detail.station.name
            latitude = detail.station.latitude
            longitude = detail.station.longitude
            elevationM = detail.station.elevationMetres
            seasonalNotes = detail.station.seasonalNotes
            version = detail.station.version
            band = detail.band.rawValue
            orderBy = detail.earliestOrderBy.map(Date.init(unixSeconds:))
            accessModes = detail.accessModes.map {
                AccessMode(mode: $0.mode.rawValue, leadHours: UnitConversion.hours(fromSeconds: $0.leadSeconds), available: $0.available, note: $0.note)
            }
            generators = detail.generators.map { GeneratorsController.GeneratorResponse($0, now: now) }
        }
    }

    /// One line of the alerts list: the station, its most urgent band and earliest order-by,
    /// and just the forecast figures of its generators (the full records are one GET away).
    struct AlertResponse: Encodable {
        var id: Int64?
        var name: String
        var band: String
        var orderBy: Date?
        var generators: [GeneratorAlert]

        struct GeneratorAlert: Encodable {
            var id: Int64?
            var name: String
            var band: String
            var orderBy: Date?
            var accessMode: String?
            var timeToEmptyHours: GeneratorsController.Range?
            var remainingHours: GeneratorsController.Range?
            var latestReadingAt: Date?
        }

        init(_ detail: StationDetail, now: Date) {
            id = detail.station.id
            name = detail.station.name
            band = detail.band.rawValue
            orderBy = detail.earliestOrderBy.map(Date.init(unixSeconds:))
            generators = detail.generators.map { status in
                let full = GeneratorsController.GeneratorResponse(status, now: now)
                return GeneratorAlert(
                    id: full.id, name: full.name, band: full.band, orderBy: full.orderBy, accessMode: full.accessMode,
                    timeToEmptyHours: full.timeToEmptyHours, remainingHours: full.remainingHours, latestReadingAt: full.latestReading?.at)
            }
        }
    }
}
