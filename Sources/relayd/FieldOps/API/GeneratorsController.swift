import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/generators`: a generator's forecast, its tank readings, runs and outages.
struct GeneratorsController: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/fieldops/generators/{id}") { request, context in
            let at = try FieldOpsQuery(request: request).date("at")
            let generator = try await database.generator(id: try context.fieldOpsID(entity: "generator"), at: at)
            return try JSONBody.response(GeneratorResponse(generator, now: at ?? database.now))
        }
        router.put("/api/fieldops/generators/{id}") { request, context in
            let id = try context.fieldOpsID(entity: "generator")
            let body = try await APIRequestBody.decode(VersionedEdit<CreateRequest>.self, from: request, limit: .fieldOps)
            let generator = try await database.updateGenerator(id: id, try body.record.input(), expectedVersion: body.version, by: try request.fieldOpsRecorder())
            return try JSONBody.response(GeneratorResponse(generator, now: database.now))
        }
        router.post("/api/fieldops/generators/{id}/readings") { request, context in
            let id = try context.fieldOpsID(entity: "generator")
            let body = try await APIRequestBody.decode(ReadingRequest.self, from: request, limit: .fieldOps)
            let reading = try await database.logReading(generatorId: id, try body.input(), by: try request.fieldOpsRecorder())
            return try JSONBody.response(ReadingResponse(reading), status: .created)
        }
        router.get("/api/fieldops/generators/{id}/readings") { request, context in
            let id = try context.fieldOpsID(entity: "generator")
            let readings = try await database.readings(generatorId: id, page: try FieldOpsQuery(request: request).page())
            return try JSONBody.response(ListResponse(items: readings.map(ReadingResponse.init)))
        }
        router.post("/api/fieldops/generators/{id}/periods") { request, context in
            let id = try context.fieldOpsID(entity: "generator")
            let body = try await APIRequestBody.decode(PeriodRequest.self, from: request, limit: .fieldOps)
            let period = try await database.recordPeriod(
                generatorId: id, kind: try FieldOpsQuery.parse(body.kind, as: GeneratorPeriodKind.self, field: "kind"),
                startedAt: body.startedAt, endedAt: body.endedAt, note: body.note ?? "", by: try request.fieldOpsRecorder())
            return try JSONBody.response(PeriodResponse(period), status: .created)
        }
        router.get("/api/fieldops/generators/{id}/periods") { request, context in
            let id = try context.fieldOpsID(entity: "generator")
            let periods = try await database.periods(generatorId: id, page: try FieldOpsQuery(request: request).page())
            return try JSONBody.response(ListResponse(items: periods.map(PeriodResponse.init)))
        }
    }

    struct CreateRequest: Decodable {
        var name: String?
        var ratedKw: Double
        var fuelType: String?
        var tankLitres: Double
        var usableFraction: Double
        var reserveLitres: Double
        /// [[load_percent, litres_per_hour], ...]
        var curve: [[Double]]
        var readingIntervalHours: Double?

        func input() throws -> NewGenerator {
            let points = try curve.enumerated().map { index, pair in
                guard pair.count == 2 else {
                    throw FieldOpsError.invalid(field: "curve[\(index)]", message: "must be [load_percent, litres_per_hour]")
                }
                return BurnCurve.Point(
                    loadPermille: try UnitConversion.permille(fromPercent: pair[0], field: "curve[\(index)][0]"),
                    millilitresPerHour: try UnitConversion.millilitres(fromLitres: pair[1], field: "curve[\(index)][1]"))
            }
            return NewGenerator(
                name: name ?? "G1",
                ratedWatts: try UnitConversion.watts(fromKilowatts: ratedKw, field: "rated_kw"),
                fuelType: try FieldOpsQuery.parse(fuelType ?? "diesel", as: FuelType.self, field: "fuel_type"),
                tankCapacityMillilitres: try UnitConversion.millilitres(fromLitres: tankLitres, field: "tank_litres"),
                usableFractionPermille: try UnitConversion.permille(fromFraction: usableFraction, field: "usable_fraction"),
                reserveMillilitres: try UnitConversion.millilitres(fromLitres: reserveLitres, field: "reserve_litres"),
                curve: try BurnCurve(points: points),
                readingIntervalSeconds: try UnitConversion.seconds(fromHours: readingIntervalHours ?? 24, field: "reading_interval_hours"))
        }
    }


    struct ReadingRequest: Decodable {
        var litres: Double
        var loadPercent: Double
        var source: String
        var at: Date?

        func input() throws -> NewReading {
            NewReading(
                levelMillilitres: try UnitConversion.millilitres(fromLitres: litres, field: "litres"),
                loadPermille: try UnitConversion.permille(fromPercent: loadPercent, field: "load_percent"),
                source: try FieldOpsQuery.parse(source, as: ReadingSource.self, field: "source"), at: at)
        }
    }

    struct PeriodRequest: Decodable {
        var kind: String
        var startedAt: Date
        var endedAt: Date?
        var note: String?
    }

    struct ReadingResponse: Encodable {
        var id: Int64?
        var generatorId: Int64
        var at: Date
        var litres: Double
        var loadPercent: Double
        var source: String
        var author: String

        init(_ reading: TankReading) {
            id = reading.id
            generatorId = reading.generatorId
            at = reading.at
            litres = UnitConversion.litres(fromMillilitres: reading.levelMillilitres)
            loadPercent = UnitConversion.percent(fromPermille: reading.loadPermille)
            source = reading.source.rawValue
            author = reading.author
        }
    }

    struct PeriodResponse: Encodable {
        var id: Int64?
        var kind: String
        var startedAt: Date
        var endedAt: Date?
        var note: String

        init(_ period: GeneratorPeriod) {
            id = period.id
            kind = period.kind.rawValue
            startedAt = period.startedAt
            endedAt = period.endedAt
            note = period.note
        }
    }

    /// A pair of figures for the two ends of the forecast range.
    struct Range: Encodable {
        var atLoad: Double?
        var atFullLoad: Double?
    }

    struct BurnRates: Encodable {
        var atLoad: Double
        var atFullLoad: Double
        /// From readings and deliveries of the last 7 days; nil with fewer than two readings.
        var observed: Double?
    }

    struct GeneratorResponse: Encodable {
        var id: Int64?
        var stationId: Int64
        var name: String
        var ratedKw: Double
        var fuelType: String
        var tankLitres: Double
        var usableFraction: Double
        var reserveLitres: Double
        var curve: [[Double]]
        var readingIntervalHours: Double
        var version: Int
        var latestReading: ReadingResponse?
        var usableLitres: Double?
        var burnRateLitresPerHour: BurnRates?
        /// From the latest reading, so it matches the figure worked by hand from that reading.
        var timeToEmptyHours: Range?
        /// From `as_of` (now, or the `at` query parameter).
        var remainingHours: Range?
        var emptiesAt: Date?
        var orderBy: Date?
        var accessMode: String?
        var band: String
        var asOf: Date

        init(_ status: GeneratorStatus, now: Date) {
            let generator = status.generator
            id = generator.id
            stationId = generator.stationId
            name = generator.name
            ratedKw = UnitConversion.kilowatts(fromWatts: generator.ratedWatts)
            fuelType = generator.fuelType.rawValue
            tankLitres = UnitConversion.litres(fromMillilitres: generator.tankCapacityMillilitres)
            usableFraction = Double(generator.usableFractionPermille) / 1000
            reserveLitres = UnitConversion.litres(fromMillilitres: generator.reserveMillilitres)
            curve = generator.curve.map { [UnitConversion.percent(fromPermille: $0.loadPermille), UnitConversion.litres(fromMillilitres: $0.millilitresPerHour)] }
            readingIntervalHours = UnitConversion.hours(fromSeconds: generator.readingIntervalSeconds)
            version = generator.version
            latestReading = status.latestReading.map(ReadingResponse.init)
            band = status.band.rawValue
            asOf = now
            guard let forecast = status.forecast, let reading = status.latestReading else { return }
            let hours = { (seconds: Int64?) in seconds.map(UnitConversion.hours(fromSeconds:)) }
            usableLitres = UnitConversion.litres(fromMillilitres: forecast.usableMillilitresAtReading)
            burnRateLitresPerHour = BurnRates(
                atLoad: UnitConversion.litres(fromMillilitres: forecast.millilitresPerHourAtLoad),
                atFullLoad: UnitConversion.litres(fromMillilitres: forecast.millilitresPerHourAtFullLoad),
                observed: status.observedMillilitresPerHour.map(UnitConversion.litres(fromMillilitres:)))
            timeToEmptyHours = Range(atLoad: hours(forecast.secondsToEmptyAtLoad), atFullLoad: hours(forecast.secondsToEmptyAtFullLoad))
            let elapsed = now.unixSeconds - reading.at.unixSeconds
            remainingHours = Range(
                atLoad: hours(forecast.secondsToEmptyAtLoad.map { max(0, $0 - elapsed) }),
                atFullLoad: hours(forecast.secondsToEmptyAtFullLoad.map { max(0, $0 - elapsed) }))
            emptiesAt = forecast.emptiesAt.map(Date.init(unixSeconds:))
            orderBy = forecast.orderBy.map(Date.init(unixSeconds:))
            accessMode = forecast.access?.mode
        }
    }
}
