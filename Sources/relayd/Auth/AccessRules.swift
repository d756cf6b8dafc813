import Hummingbird

/// The whole HTTP access policy in one table: which role each method and path needs. The
/// first matching rule wins; whatever matches none is a write that needs an admin (deny by
/// default). Paths are listed even where another part of relayd serves them, so a new route
/// is covered the moment it exists.
enum AccessRules {
    /// What a request needs.
    enum Requirement: Equatable, Sendable {
        /// Anyone, logged in or not.
        case open
        /// An account holding this role.
        case role(Role)
    }

    struct Rule: Sendable {
        /// nil: every method.
        var methods: Set<HTTPRequest.Method>?
        var path: PathPattern
        var requirement: Requirement
    }

    enum PathPattern: Sendable {
        case exactly(String)
        /// The path itself or anything below it (`/api/program` and `/api/program/cut`).
        case under(String)
        case any

        func matches(_ path: String) -> Bool {
            switch self {
            case .exactly(let expected): path == expected
            case .under(let prefix): path == prefix || path.hasPrefix(prefix + "/")
            case .any: true
            }
        }
    }

    static let reads: Set<HTTPRequest.Method> = [.get, .head]
    static let writes: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]

    static let table: [Rule] = [
        // The page, its login and assets, and health checks: nothing to protect, and the page
        // must load to show its login form.
        Rule(methods: reads, path: .exactly("/"), requirement: .open),
        Rule(methods: reads, path: .exactly("/login"), requirement: .open),
        Rule(methods: reads, path: .under("/static"), requirement: .open),
        Rule(methods: reads, path: .exactly("/healthz"), requirement: .open),
        // Logging in and out; GET answers 401 itself when nobody is logged in.
        Rule(methods: [.get, .post, .delete], path: .exactly("/api/session"), requirement: .open),
        // Watching: every other read (API, event stream, thumbnails, metrics, FieldOps pages).
        Rule(methods: reads, path: .any, requirement: .role(.viewer)),
        // Operating the program: cut, captions, presets, preview.
        Rule(methods: writes, path: .under("/api/program"), requirement: .role(.operator)),
        Rule(methods: writes, path: .under("/api/control-room"), requirement: .role(.operator)),
        // Exporting clips of the recordings (watching and downloading them are reads).
        Rule(methods: [.post], path: .under("/api/recordings"), requirement: .role(.operator)),
        // Field-unit logistics.
        Rule(methods: writes, path: .under("/api/fieldops"), requirement: .role(.coordinator)),
        // Everything else that changes state: sinks, sources, readers (kicks, holds), config.
        Rule(methods: nil, path: .any, requirement: .role(.admin)),
    ]

    /// What `method` on `path` needs.
    static func requirement(_ method: HTTPRequest.Method, _ path: String) -> Requirement {
        table.first { ($0.methods?.contains(method) ?? true) && $0.path.matches(path) }?.requirement ?? .role(.admin)
    }
}
