import Hummingbird

/// A request context that knows who is asking, for controllers that record or check it.
protocol AuthenticatedContext: RequestContext {
    /// The account the request authenticated as; `Account.local` when relayd runs open; nil
    /// on an open route when nobody is logged in.
    var account: Account? { get }
}

/// relayd's request context: the authenticated account and the peer address (for the login
/// rate limit and the audit trail).
struct RelaydRequestContext: AuthenticatedContext {
    var coreContext: CoreRequestContextStorage
    var account: Account?
    /// The CSRF token of the session cookie the request came with (nil for bearer tokens).
    var csrfToken: String?
    /// The peer's IP address ("unknown" for a non-IP socket).
    let remoteAddress: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension AuthenticatedContext {
    /// Who made the request, as the audit trail records it: the account; when relayd runs open,
    /// the name the client gave in `X-Actor`, else "local".
    func actorName(for request: Request) -> String {
        guard let account, account != .local else {
            return request.headers[AuthMiddleware.actorHeader] ?? Account.local.name
        }
        return account.name
    }
}
