import Foundation

/// Where a shared FieldOps PostgreSQL is: parsed from `postgres://user@host:port/database`.
///
/// The password never comes from the URL (a URL ends up in configs, process lists and logs);
/// it is handed over separately, read from a file or an environment variable.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Role to log in as.
    public var user: String
    /// Database name.
    public var database: String
    /// The role's password, when the server asks for one.
    public var password: String?

    /// Parses `postgres://user@host[:port]/database` (or `postgresql://`). Refuses a password,
    /// query options and anything else it would have to ignore, with a sentence saying why.
    public init(url text: String, password: String? = nil) throws(PostgresLocationError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw PostgresLocationError("is not a URL; expected postgres://user@host:5432/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw PostgresLocationError("must start with postgres://, not \(scheme)://")
        }
        guard components.password == nil else {
            throw PostgresLocationError("must not contain a password; keep it in a file or an environment variable (fieldops.password_file or password_env; --password-file or $RELAYD_FIELDOPS_PASSWORD for the command line)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresLocationError("names no user; expected postgres://user@host:5432/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresLocationError("names no host; expected postgres://user@host:5432/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresLocationError("names no database; expected postgres://user@host:5432/database")
        }
        guard components.query == nil, components.fragment == nil else {
            throw PostgresLocationError("must not carry options (?...); only postgres://user@host:port/database is understood")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw PostgresLocationError("has port \(port), outside 1-65535") }
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.password = password
    }

    /// The URL without a password, safe for logs.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// Whether `text` names a PostgreSQL server (rather than a SQLite file).
    public static func isPostgresURL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }
}

/// Why a PostgreSQL URL was refused.
public struct PostgresLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with it.
    public var message: String

    init(_ message: String) { self.message = message }

    /// The reason, as a sentence fragment after "the database URL".
    public var description: String { message }
}
