import ArgumentParser
import FieldOps
import Foundation

/// `relayd fieldops reading`: log a tank reading and print the generator's forecast.
struct LogReadingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reading", abstract: "Log a generator tank reading.")

    @OptionGroup var options: FieldOpsOptions

    @Option(help: "Generator id.")
    var generator: Int64

    @Option(help: "Fuel in the tank, litres.")
    var litres: Double

    @Option(help: "Generator load, percent of rated power.")
    var load: Double

    @Option(help: "sensor, dip, refuel or estimate.")
    var source = "dip"

    @Option(help: "When it was read (ISO 8601, default now).")
    var at: String?

    func run() async throws {
        try await runFieldOpsCLI {
            let database = try await options.openDatabase()
            var readAt: Date?
            if let at {
                guard let date = ISO8601DateFormatter().date(from: at) else { throw FieldOpsError.invalid(field: "at", message: "must be ISO 8601") }
                readAt = date
            }
            guard let readingSource = ReadingSource(rawValue: source) else {
                throw FieldOpsError.invalid(field: "source", message: "must be one of sensor, dip, refuel, estimate")
            }
            let input = NewReading(
                levelMillilitres: try UnitConversion.millilitres(fromLitres: litres, field: "litres"),
                loadPermille: try UnitConversion.permille(fromPercent: load, field: "load"),
                source: readingSource, at: readAt)
            let reading = try await database.logReading(generatorId: generator, input, by: options.resolvedActor)
            let status = try await database.generator(id: generator)
            return "reading \(reading.id ?? 0) logged for generator \(generator)\n" + GeneratorSummary(status: status, now: database.now).text
        }
    }
}

/// The forecast lines the CLI prints, with the same figures and rounding as the API.
struct GeneratorSummary {
    let status: GeneratorStatus
    let now: Date

    var text: String {
        guard let forecast = status.forecast else { return "band: \(status.band.rawValue) (no reading yet)" }
        let hours = { (seconds: Int64?) in seconds.map { "\(UnitConversion.hours(fromSeconds: $0)) h" } ?? "never" }
        let orderBy = forecast.orderBy.map { ISO8601DateFormatter().string(from: Date(unixSeconds: $0)) } ?? "no access mode available"
        return """
            band: \(status.band.rawValue)
            time to empty: \(hours(forecast.secondsToEmptyAtLoad)) at load, \(hours(forecast.secondsToEmptyAtFullLoad)) at full load
            order by: \(orderBy)\(forecast.access.map { " (\($0.mode))" } ?? "")
            """
    }
}
