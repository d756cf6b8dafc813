import ArgumentParser
import Foundation
import VideoRelay

/// `relayd serve`: run the relay with its HTTP API.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the relay (SRT ingest and fan-out) and its HTTP API.",
        discussion: "With no --config, runs the embedded default: SRT on 127.0.0.1:9000, HTTP on 127.0.0.1:8080, sources heli-1, drone-1, mobile-1, sinks hq, npa, kantei.")

    @Option(name: .long, help: "YAML configuration file (default: the embedded default).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Directory for relayd's data (FieldOps database, audit trail).")
    var dataDir: String = "relayd-data"

    @Option(name: .customLong("audit-key"), help: "Ed25519 key signing the audit trail; keep it outside the data directory (created if missing).")
    var auditKey: String = AuditTrailSigningKey.defaultPath

    func run() async throws {
        let configuration = try RelaydConfiguration.loadOrDefault(path: config)
        try await RelaydServices(configuration: configuration, dataDirectory: dataDir, auditKeyPath: auditKey, fieldUnits: nil).run()
    }
}

/// `relayd demo`: serve plus simulated field units pushing the sample clips over SRT.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the relay with simulated field units pushing the Media clips over real SRT.")

    @Option(name: .long, help: "YAML configuration file (default: the embedded default).")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Directory for relayd's data.")
    var dataDir: String = "relayd-data"

    @Option(name: .long, help: "Folder with <source-id>.ts clips.")
    var media: String = "Media"

    @Option(name: .customLong("audit-key"), help: "Ed25519 key signing the audit trail (created if missing).")
    var auditKey: String = AuditTrailSigningKey.defaultPath

    func run() async throws {
        let configuration = try RelaydConfiguration.loadOrDefault(path: config)
        let units = SimulatedFieldUnits(
            mediaDirectory: media, srtAddress: configuration.relay.srtListen,
            sources: configuration.relay.sources.filter { $0.upstream == nil })
        try await RelaydServices(configuration: configuration, dataDirectory: dataDir, auditKeyPath: auditKey, fieldUnits: units).run()
    }
}

/// `relayd check-config FILE`: validate a configuration and print every error with its path.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; prints every error with its key path.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let configuration = try RelaydConfiguration.load(path: file)
            let relay = configuration.relay
            print("\(file): OK (\(relay.sources.count) sources, \(relay.users.count) users, \(relay.sinks.count) sinks; SRT \(relay.srtListen), HTTP \(configuration.httpListen))")
        } catch let error as InvalidConfiguration {
            FileHandle.standardError.write(Data("\(file): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

extension RelaydConfiguration {
    /// The file's configuration, or the embedded default when no file is given. Exits with the
    /// full error list when the file is invalid.
    static func loadOrDefault(path: String?) throws -> RelaydConfiguration {
        guard let path else { return .embeddedDefault }
        do {
            return try load(path: path).resolvingUpstreamSecrets()
        } catch let error as InvalidConfiguration {
            FileHandle.standardError.write(Data("relayd: \(path): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
