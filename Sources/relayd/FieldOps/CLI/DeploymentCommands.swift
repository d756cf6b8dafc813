import ArgumentParser
import FieldOps
import Foundation

/// `relayd fieldops move`: move a deployment to its next state.
struct MoveDeploymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "move", abstract: "Move a deployment on (e.g. --to active).")

    @OptionGroup var options: FieldOpsOptions

    @Option(help: "Deployment id.")
    var deployment: Int64

    @Option(help: "Target state: mobilizing, active, demobilizing, closed, cancelled.")
    var to: String

    @Option(help: "Why (required to reopen or cancel).")
    var reason: String?

    @Option(help: "The deployment version you saw; refused if it changed since (default: current).")
    var version: Int?

    func run() async throws {
        try await runFieldOpsCLI {
            let database = try await options.openDatabase()
            let target = try DeploymentState.parse(to, field: "to")
            let expected = try await expectedVersion(version) { try await database.deployment(id: deployment).deployment.version }
            let moved = try await database.transitionDeployment(id: deployment, to: target, reason: reason, expectedVersion: expected, by: options.resolvedActor)
            return "deployment \(deployment) \(moved.incidentName): \(moved.state.rawValue) (version \(moved.version))"
        }
    }
}

/// `relayd fieldops alerts`: stations by fuel urgency, most urgent first.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "List relay stations by fuel urgency.")

    @OptionGroup var options: FieldOpsOptions

    func run() async throws {
        try await runFieldOpsCLI {
            let database = try await options.openDatabase()
            let stations = try await database.alerts()
            guard !stations.isEmpty else { return "no stations registered" }
            let formatter = ISO8601DateFormatter()
            return stations.map { station in
                let orderBy = station.earliestOrderBy.map { formatter.string(from: Date(unixSeconds: $0)) } ?? "-"
                return "\(station.band.rawValue.uppercased().padding(toLength: 9, withPad: " ", startingAt: 0)) \(station.station.name)  order by \(orderBy)"
            }.joined(separator: "\n")
        }
    }
}
