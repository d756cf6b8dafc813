import ArgumentParser
import FieldOps
import Foundation
import Logging

/// Options every `relayd fieldops` subcommand shares: where the data is and who is writing.
struct FieldOpsOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding fieldops.sqlite (same as `relayd serve`).")
    var dataDirectory = "relayd-data"

    @Option(help: "Who is writing, for the audit trail (default: $USER).")
    var actor: String?

    /// The actor: --actor, else $USER, else "cli".
    var resolvedActor: String {
        actor ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli"
    }

    /// Opens the database the server uses; WAL lets both write to it at once.
    func openDatabase() throws -> FieldOpsDatabase {
        var logger = Logger(label: "relayd.fieldops")
        logger.logLevel = .warning  // the CLI prints its own result; keep stderr quiet
        return try FieldOpsDatabase.open(
            at: FieldOpsHTTP.databaseURL(dataDirectory: URL(fileURLWithPath: dataDirectory, isDirectory: true)), logger: logger)
    }
}

/// Runs a CLI write and turns a refusal into one readable line and exit code 1, so scripts can
/// tell a refused edit from a crash.
func runFieldOpsCLI(_ body: () async throws -> String) async throws {
    do {
        print(try await body())
    } catch let error as FieldOpsError {
        FileHandle.standardError.write(Data("refused: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// The version an edit is based on: the one the user passed with --version, else the record's
/// current version (the CLI user is looking at the record as they type).
func expectedVersion(_ given: Int?, current: () async throws -> Int) async throws -> Int {
    if let given { return given }
    return try await current()
}
