import FieldOps
import Foundation

/// Where the shared FieldOps PostgreSQL is and where its password comes from (never from the
/// configuration file itself).
struct FieldOpsPostgresSettings: Sendable, Equatable {
    /// Server, port, role and database; no password.
    var location: PostgresLocation
    /// Where the password is read from when relayd starts.
    var password: PasswordSource

    /// A password kept outside the configuration.
    enum PasswordSource: Sendable, Equatable {
        /// The server needs none (peer or trust authentication, a client certificate).
        case none
        /// A file whose first line is the password (mode 0600, owned by relayd's user).
        case file(String)
        /// An environment variable holding it.
        case environment(String)
    }

    /// The location with the password read from its source.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresLocation {
        var location = location
        switch password {
        case .none:
            break
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw FieldOpsPasswordError(message: "fieldops.password_file: cannot read \(path)")
            }
            let password = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !password.isEmpty else { throw FieldOpsPasswordError(message: "fieldops.password_file: \(path) is empty") }
            location.password = password
        case .environment(let name):
            guard let password = environment[name], !password.isEmpty else {
                throw FieldOpsPasswordError(message: "fieldops.password_env: the environment variable \(name) is not set")
            }
            location.password = password
        }
        return location
    }
}

/// The password could not be read; relayd does not start.
struct FieldOpsPasswordError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension RelaydConfiguration {
    /// `fieldops.database`, `fieldops.password_file`, `fieldops.password_env`.
    static func readFieldOpsDatabase(_ fieldOps: ConfigNode) -> FieldOpsPostgresSettings? {
        let passwordFile = fieldOps.string("password_file")
        let passwordEnvironment = fieldOps.string("password_env")
        guard let text = fieldOps.string("database"), !text.isEmpty else {
            if passwordFile != nil || passwordEnvironment != nil {
                fieldOps.error("password_file and password_env need fieldops.database (a postgres:// URL)")
            }
            return nil
        }
        let location: PostgresLocation
        do {
            location = try PostgresLocation(url: text)
        } catch {
            // Never echo the value back: it may hold the password that was refused.
            fieldOps.child("database").error("\(error.message)")
            return nil
        }
        switch (passwordFile, passwordEnvironment) {
        case (let path?, nil):
            guard path.hasPrefix("/") else {
                fieldOps.child("password_file").error("must be an absolute path, got \"\(path)\"")
                return nil
            }
            return FieldOpsPostgresSettings(location: location, password: .file(path))
        case (nil, let name?):
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                fieldOps.child("password_env").error("must be an environment variable name (letters, digits, _), got \"\(name)\"")
                return nil
            }
            return FieldOpsPostgresSettings(location: location, password: .environment(name))
        case (nil, nil):
            return FieldOpsPostgresSettings(location: location, password: .none)
        case (.some, .some):
            fieldOps.error("give either password_file or password_env, not both")
            return nil
        }
    }
}
