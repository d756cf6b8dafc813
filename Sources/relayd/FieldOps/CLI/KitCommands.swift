import ArgumentParser
import FieldOps
import Foundation

/// `relayd fieldops kit-checkout`: sign a kit out to a deployment.
struct KitCheckoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kit-checkout", abstract: "Check a kit out to a deployment.")

    @OptionGroup var options: FieldOpsOptions

    @Option(help: "Kit id.")
    var kit: Int64

    @Option(help: "Deployment id.")
    var deployment: Int64

    @Option(help: "The kit version you saw; refused if it changed since (default: current).")
    var version: Int?

    func run() async throws {
        try await runFieldOpsCLI {
            let database = try await options.openDatabase()
            let expected = try await expectedVersion(version) { try await database.kit(id: kit).kit.version }
            let detail = try await database.checkOutKit(id: kit, deploymentId: deployment, expectedVersion: expected, by: options.resolvedActor)
            return "kit \(detail.kit.name) \(detail.kit.state.rawValue) to deployment \(deployment) (version \(detail.kit.version))"
        }
    }
}

/// `relayd fieldops kit-return`: book a kit back in, listing the serials counted.
struct KitReturnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kit-return", abstract: "Return a kit; components not listed with --present are recorded as missing.")

    @OptionGroup var options: FieldOpsOptions

    @Option(help: "Kit id.")
    var kit: Int64

    @Option(parsing: .upToNextOption, help: "Serial numbers counted back in.")
    var present: [String] = []

    @Option(help: "The kit version you saw; refused if it changed since (default: current).")
    var version: Int?

    func run() async throws {
        try await runFieldOpsCLI {
            let database = try await options.openDatabase()
            let expected = try await expectedVersion(version) { try await database.kit(id: kit).kit.version }
            let detail = try await database.returnKit(id: kit, presentSerials: present, expectedVersion: expected, by: options.resolvedActor)
            let missing = detail.kit.missingComponents
            let completeness = missing.isEmpty ? "complete" : "INCOMPLETE, missing \(missing.joined(separator: ", "))"
            return "kit \(detail.kit.name) returned \(completeness) (version \(detail.kit.version))"
        }
    }
}
