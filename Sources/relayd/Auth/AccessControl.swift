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
    /// Where sessions are kept across restarts (nil: memory only), so an open control-room page
    /// carries on by itself when relayd restarts.
    private let sessionsFile: URL?

    init(accounts: [Account], auditTrail: AuditTrail? = nil, limiter: LoginRateLimiter = LoginRateLimiter(),
         sessions: SessionStore = SessionStore(), sessionsFile: URL? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.accounts = accounts
        self.auditTrail = auditTrail
        self.now = now
        self.sessionsFile = sessionsFile
        var sessions = sessions
        if let sessionsFile, let data = try? Data(contentsOf: sessionsFile),
           let saved = try? JSONDecoder().decode([String: SessionStore.Session].self, from: data) {
            sessions = SessionStore(idleTimeout: sessions.idleTimeout, sessions: saved)
        }
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
        let time = now()
        let (session, previousUse) = state.withLock { state in
            let previous = state.sessions.sessions[SessionStore.key(id)]?.lastUsed
            return (state.sessions.use(id, now: time), previous)
        }
        guard let session, let account = account(named: session.account) else { return nil }
        // Saving on every request would cost a write per request; once a minute keeps the idle
        // timeout right to within that.
        if let previousUse, time.timeIntervalSince(previousUse) > 60 { saveSessions() }
        return (account, session.csrfToken)
    }

    /// Writes the sessions (hashed ids, accounts, CSRF tokens) to `sessionsFile`, owner-only.
    private func saveSessions() {
        guard let sessionsFile else { return }
        let sessions = state.withLock { $0.sessions.sessions }
        guard let data = try? JSONEncoder().encode(sessions) else { return }
        let temporary = sessionsFile.appendingPathExtension("tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        // rename(2) replaces the old file in one step: a crash never leaves half a file.
        _ = rename(temporary.path, sessionsFile.path)
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
        saveSessions()
        try auditTrail?.append(actor: name, action: "auth.login", details: ["name": name, "role": account.role.rawValue, "address": address])
        return .loggedIn(account: account, sessionID: id, csrfToken: session.csrfToken)
    }

    func logOut(_ id: String, from address: String) throws {
        guard let session = state.withLock({ $0.sessions.close(id) }) else { return }
        saveSessions()
        try auditTrail?.append(actor: session.account, action: "auth.logout", details: ["name": session.account, "address": address])
    }
}
