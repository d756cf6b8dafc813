import ArgumentParser
import FieldOps
import Foundation
import Logging

/// `relayd fieldops migrate`: bring a shared PostgreSQL's schema up to date.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the FieldOps schema migrations a PostgreSQL has not run yet (relayd serve also does at start).")

    @Option(help: "The PostgreSQL: postgres://user@host:5432/db.")
    var database: String

    @Option(name: .customLong("password-file"), help: "File holding the password (else $RELAYD_FIELDOPS_PASSWORD, if set).")
    var passwordFile: String?

    func run() async throws {
        try await runFieldOpsCLI {
            let location = try FieldOpsOptions.postgres(database, passwordFile: passwordFile).resolved()
            let store = try await PostgresFieldOpsStore.open(location, connections: 1, migrating: false, logger: quietLogger())
            let applied = try await store.migrate()
            await store.shutdown()
            return applied.isEmpty ? "\(location): up to date" : "\(location): applied \(applied.joined(separator: ", "))"
        }
    }
}

/// `relayd fieldops copy`: move a relayd's SQLite store into an empty shared PostgreSQL.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy", abstract: "Copy a FieldOps SQLite file into an empty PostgreSQL, checked by row counts and the audit trail.")

    @Option(help: "The SQLite file (a data directory's fieldops.sqlite; stop that relayd first).")
    var from: String

    @Option(help: "The PostgreSQL: postgres://user@host:5432/db.")
    var to: String

    @Option(name: .customLong("password-file"), help: "File holding the password (else $RELAYD_FIELDOPS_PASSWORD, if set).")
    var passwordFile: String?

    func run() async throws {
        try await runFieldOpsCLI {
            guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("--from \(from): no such file") }
            let logger = quietLogger()
            let source = try FieldOpsDatabase.open(at: URL(fileURLWithPath: from), logger: logger)
            let store = try await PostgresFieldOpsStore.open(try FieldOpsOptions.postgres(to, passwordFile: passwordFile).resolved(), connections: 2, logger: logger)
            let target = FieldOpsDatabase(store: store, logger: logger)
            do {
                let report = try await FieldOpsCopy.copy(from: source, to: target)
                await store.shutdown()
                let counts = report.rows.map { "\($0.table) \($0.count)" }.joined(separator: ", ")
                return "copied \(from) to \(store.location): \(counts); audit trail identical (\(report.auditEntries) entries, revision \(report.revision))"
            } catch let failure as FieldOpsCopy.Failure {
                await store.shutdown()
                FileHandle.standardError.write(Data("refused: \(failure.description)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

/// The CLI prints its own result; keep stderr for warnings.
private func quietLogger() -> Logger {
    var logger = Logger(label: "relayd.fieldops")
    logger.logLevel = .warning
    return logger
}
