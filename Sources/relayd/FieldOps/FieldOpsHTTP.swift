import Foundation
import Hummingbird
import Logging

/// Everything FieldOps adds to relayd's HTTP server: the JSON API under /api/fieldops and the
/// coordinators' pages. Opens (and migrates) the FieldOps database in the data directory.
struct FieldOpsHTTP: Sendable {
    init(dataDirectory: URL, logger: Logger) throws {}

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {}
}
