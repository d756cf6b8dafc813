import Foundation
import Synchronization

/// Who may use relayd's HTTP side: the configured accounts, their browser sessions and the
/// login rate limit. With no accounts relayd runs open (loopback only; the configuration
/// refuses anything else) and every request acts as `Account.local`.
final class AccessControl: Sendable {
    let accounts: [Account]
    /// Where logins, failed logins and logouts are recorded (nil only in tests that do not need it).
    let auditTrail: AuditTrail?
    private let now: @Sendable () -> Date
    private let state: Mutex<(sessions: SessionStore, limiter: LoginRateLimiter)>
    /// Checked when the name is unknown, so a wrong name costs as long as a wrong password and
    /// timing does not reveal which names exist.
    private let decoy: PasswordHash

    init(accounts: [Account], auditTrail: AuditTrail? = nil, limiter: LoginRateLimiter = LoginRateLimiter(),
         sessions: SessionStore = SessionStore(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.accounts = accounts
        self.auditTrail = auditTrail
        self.now = now
        state = Mutex((sessions, limiter))
        let iterations = accounts.compactMap(\.passwordHash?.iterations).max() ?? PasswordHash.iterationRange.lowerBound
        decoy = PasswordHash(password: SessionStore.randomToken(), iterations: iterations)
    }

    /// No accounts: nothing to log in to.
    var isOpen: Bool { accounts.isEmpty }

    func account(named name: String) -> Account? { accounts.first { $0.name == name } }

    /// The account whose token this is. Every token is compared, so the time taken does not
    /// depend on which one matched.
    func account(bearer token: String) -> Account? {
        var found: Account?
        for account in accounts where account.tokenHash?.verify(token) == true { found = account }
        return found
    }

    /// The account and CSRF token of a live session.
    func session(_ id: String) -> (account: Account, csrfToken: String)? {
        guard let session = state.withLock({ $0.sessions.use(id, now: now()) }), let account = account(named: session.account) else { return nil }
        return (account, session.csrfToken)
    }

    /// The outcome of `POST /api/session`.
    enum LoginOutcome: Equatable {
        case loggedIn(account: Account, sessionID: String, csrfToken: String)
        case refused
        case rateLimited(retryAfter: Int)
    }

    /// Checks a name and password, rate-limited per remote address and per name; every outcome
    /// is audited (never the password).
    func logIn(name: String, password: String, from address: String) throws -> LoginOutcome {
        let keys = [LoginRateLimiter.addressKey(address), LoginRateLimiter.accountKey(name)]
        if let wait = state.withLock({ $0.limiter.retryAfter(keys, now: now()) }) {
            try auditTrail?.append(actor: name, action: "auth.login_failed", details: ["name": name, "address": address, "reason": "rate limited"])
            return .rateLimited(retryAfter: wait)
        }
        let account = account(named: name)
        let verified = (account?.passwordHash ?? decoy).verify(password) && account?.passwordHash != nil
        guard verified, let account else {
            state.withLock { $0.limiter.recordFailure(keys, now: now()) }
            let reason = account == nil ? "unknown account" : account?.passwordHash == nil ? "account has no password" : "wrong password"
            try auditTrail?.append(actor: name, action: "auth.login_failed", details: ["name": name, "address": address, "reason": reason])
            return .refused
        }
        let (id, session) = state.withLock { state in
            state.limiter.reset(LoginRateLimiter.accountKey(name))
            return state.sessions.open(account: name, now: now())
        }
        try auditTrail?.append(actor: name, action: "auth.login", details: ["name": name, "role": account.role.rawValue, "address": address])
        return .loggedIn(account: account, sessionID: id, csrfToken: session.csrfToken)
    }

    func logOut(_ id: String, from address: String) throws {
        guard let session = state.withLock({ $0.sessions.close(id) }) else { return }
        try auditTrail?.append(actor: session.account, action: "auth.logout", details: ["name": session.account, "address": address])
    }
}
