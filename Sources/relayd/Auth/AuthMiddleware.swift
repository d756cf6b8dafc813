import Foundation
import Hummingbird
import HTTPTypes

/// Authenticates every request (bearer token or session cookie), applies `AccessRules`, and
/// refuses cross-site writes: a cookie-authenticated write must carry the session's CSRF token
/// and, when the browser names an Origin, come from this host.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = RelaydRequestContext
    let access: AccessControl

    static let cookieName = "relayd_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let isWrite = !AccessRules.reads.contains(request.method)
        // Checked even when relayd runs open: a web page in the operator's own browser could
        // otherwise post to the loopback API.
        if isWrite, !Self.originMatchesHost(request) {
            throw APIError(.forbidden, "cross-site request refused", detail: "Origin does not match Host")
        }
        if access.isOpen {
            context.account = .local
            // Loopback-only and without accounts, a name the client gives is as good as
            // "local" and keeps the audit trail readable when several people share the machine.
            // Pages percent-encode it: browsers refuse a header value outside Latin-1 (森).
            let actor = request.headers[Self.actorHeader].map { $0.removingPercentEncoding ?? $0 } ?? Account.local.name
            return try await next(Self.replacingActor(request, with: actor), context)
        }
        let credential = authenticate(request)
        context.account = credential?.account
        context.csrfToken = credential?.csrfToken
        // Controllers that read the actor from X-Actor (FieldOps) now see the account, never
        // a name the client chose.
        let request = Self.replacingActor(request, with: credential?.account.name)
        let path = request.uri.path
        guard case .role(let required) = AccessRules.requirement(request.method, path) else {
            return try await next(request, context)
        }
        guard let credential else { throw APIError(.unauthorized, "login required") }
        guard credential.account.role.grants(required) else {
            throw APIError(.forbidden, "forbidden", detail: "\(required.rawValue) role required")
        }
        if isWrite, let expected = credential.csrfToken {
            let given = request.headers[Self.csrfHeader] ?? ""
            guard constantTimeEqual(Array(given.utf8), Array(expected.utf8)) else {
                throw APIError(.forbidden, "cross-site request refused", detail: "X-CSRF-Token missing or wrong")
            }
        }
        return try await next(request, context)
    }

    /// Who a request authenticated as; `csrfToken` is set when it came by cookie (a browser,
    /// which a cross-site page can make send it).
    struct Credential {
        var account: Account
        var csrfToken: String?
    }

    private func authenticate(_ request: Request) -> Credential? {
        if let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") {
            let token = String(authorization.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
            return access.account(bearer: token).map { Credential(account: $0, csrfToken: nil) }
        }
        guard let id = Self.sessionCookie(request), let session = access.session(id) else { return nil }
        return Credential(account: session.account, csrfToken: session.csrfToken)
    }

    private static func replacingActor(_ request: Request, with actor: String?) -> Request {
        var head = request.head
        head.headerFields[actorHeader] = actor
        return Request(head: head, body: request.body)
    }

    static func sessionCookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// Browsers send Origin on cross-site writes; one that names another site is refused even
    /// before credentials are looked at. No Origin (curl, scripts, older browsers on
    /// same-origin requests) leaves the decision to the CSRF token.
    static func originMatchesHost(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        let authority = origin.split(separator: "://", maxSplits: 1).last.map(String.init) ?? origin
        return authority.lowercased() == host.lowercased()
    }

    static let actorHeader = HTTPField.Name("X-Actor")!
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
}
