import FieldOps
import Foundation
import Testing
@testable import relayd

/// `fieldops.database` and its password sources: PostgreSQL only when named, never a password
/// in the configuration.
@Suite struct FieldOpsDatabaseConfigTests {
    @Test func withoutADatabaseFieldOpsStaysInTheDataDirectory() throws {
        #expect(try RelaydConfiguration.parse(yaml: "fieldops: {}\n").fieldOps.postgres == nil)
    }

    @Test func aPostgresURLWithAPasswordFileSelectsPostgres() throws {
        let yaml = """
            fieldops:
              database: postgres://fieldops@db.example:6543/ops
              password_file: /etc/relayd/fieldops-password
            """
        let settings = try #require(try RelaydConfiguration.parse(yaml: yaml).fieldOps.postgres)
        #expect(settings.location == (try PostgresLocation(url: "postgres://fieldops@db.example:6543/ops")))
        #expect(settings.location.port == 6543)
        #expect(settings.password == .file("/etc/relayd/fieldops-password"))
    }

    @Test(arguments: [
        ("postgres://fieldops:secret@db.example/ops", "fieldops.database: must not contain a password"),
        ("mysql://fieldops@db.example/ops", "fieldops.database: must start with postgres://"),
        ("postgres://db.example/ops", "fieldops.database: names no user"),
        ("postgres://fieldops@db.example/", "fieldops.database: names no database"),
        ("postgres://fieldops@db.example/ops?sslmode=disable", "fieldops.database: must not carry options"),
    ])
    func badURLsAreRefusedWithoutEchoingThem(url: String, expected: String) throws {
        let error = try #require(throws: InvalidConfiguration.self) {
            try RelaydConfiguration.parse(yaml: "fieldops:\n  database: \(url)\n")
        }
        let text = error.errors.map(\.description)
        #expect(text.contains { $0.hasPrefix(expected) }, "\(text)")
        #expect(!text.joined().contains("secret"))
    }

    @Test func aPasswordNeedsOneSourceAndADatabase() throws {
        let both = try #require(throws: InvalidConfiguration.self) {
            try RelaydConfiguration.parse(yaml: "fieldops:\n  database: postgres://a@b/c\n  password_file: /p\n  password_env: P\n")
        }
        #expect(both.errors.map(\.description).contains { $0.contains("either password_file or password_env") })
        let orphan = try #require(throws: InvalidConfiguration.self) {
            try RelaydConfiguration.parse(yaml: "fieldops:\n  password_env: P\n")
        }
        #expect(orphan.errors.map(\.description).contains { $0.contains("need fieldops.database") })
    }

    @Test func thePasswordIsReadFromItsSourceAtStart() throws {
        let location = try PostgresLocation(url: "postgres://fieldops@db.example/ops")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-password-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        try "s3cret\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try FieldOpsPostgresSettings(location: location, password: .file(file.path)).resolved().password == "s3cret")
        let fromEnvironment = FieldOpsPostgresSettings(location: location, password: .environment("FIELDOPS_PW"))
        #expect(try fromEnvironment.resolved(environment: ["FIELDOPS_PW": "pw"]).password == "pw")
        #expect(throws: FieldOpsPasswordError.self) { try fromEnvironment.resolved(environment: [:]) }
        #expect(throws: FieldOpsPasswordError.self) { try FieldOpsPostgresSettings(location: location, password: .file("/nonexistent/pw")).resolved() }
    }
}
