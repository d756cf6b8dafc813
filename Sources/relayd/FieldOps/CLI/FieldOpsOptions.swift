import ArgumentParser
import FieldOps
import Foundation
import Logging

/// Options every `relayd fieldops` subcommand shares: where the data is and who is writing.
struct FieldOpsOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding fieldops.sqlite (same as `relayd serve`).")
    var dataDirectory = "relayd-data"

    @Option(help: "A shared PostgreSQL (postgres://user@host:5432/db) instead of the data directory's SQLite file.")
    var database: String?

    @Option(name: .customLong("password-file"), help: "File holding the PostgreSQL password (else $RELAYD_FIELDOPS_PASSWORD, if set).")
    var passwordFile: String?

    @Option(help: "Who is writing, for the audit trail (default: $USER).")
    var actor: String?

    /// The actor: --actor, else $USER, else "cli".
    var resolvedActor: String {
        actor ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli"
    }

    /// Opens the database the server uses: the PostgreSQL named by --database, else the data
    /// directory's SQLite file (WAL lets the CLI and the server write to it at once).
    func openDatabase() async throws -> FieldOpsDatabase {
        var logger = Logger(label: "relayd.fieldops")
        logger.logLevel = .warning  // the CLI prints its own result; keep stderr quiet
        if let database {
            let store = try await PostgresFieldOpsStore.open(try Self.postgres(database, passwordFile: passwordFile).resolved(), connections: 2, logger: logger)
            return FieldOpsDatabase(store: store, logger: logger)
        }
        return try FieldOpsDatabase.open(
            at: FieldOpsHTTP.databaseURL(dataDirectory: URL(fileURLWithPath: dataDirectory, isDirectory: true)), logger: logger)
    }

    /// A `postgres://` URL and its password source, or a usage error naming what is wrong.
    static func postgres(_ url: String, passwordFile: String?) throws -> FieldOpsPostgresSettings {
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: url)
        } catch {
            throw ValidationError("--database \(error.message)")
        }
        if let passwordFile { return FieldOpsPostgresSettings(location: location, password: .file(passwordFile)) }
        let fromEnvironment = ProcessInfo.processInfo.environment[Self.passwordVariable].map { !$0.isEmpty } ?? false
        return FieldOpsPostgresSettings(location: location, password: fromEnvironment ? .environment(Self.passwordVariable) : .none)
    }

    /// The environment variable the CLI reads a PostgreSQL password from.
    static let passwordVariable = "RELAYD_FIELDOPS_PASSWORD"
}

/// Runs a CLI write and turns a refusal into one readable line and exit code 1, so scripts can
/// tell a refused edit from a crash.
func runFieldOpsCLI(_ body: () async throws -> String) async throws {
    do {
        print(try await body())
    } catch let error as FieldOpsError {
        FileHandle.standardError.write(Data("refused: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as FieldOpsUnavailable {
        FileHandle.standardError.write(Data("failed: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

/// The version an edit is based on: the one the user passed with --version, else the record's
/// current version (the CLI user is looking at the record as they type).
func expectedVersion(_ given: Int?, current: () async throws -> Int) async throws -> Int {
    if let given { return given }
    return try await current()
}
