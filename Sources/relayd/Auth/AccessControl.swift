import Foundation
import Synchronization

/// Who may use relayd's HTTP side: the configured accounts, their browser sessions and the
/// login rate limit. With no accounts relayd runs open (loopback only; the configuration
/// refuses anything else) and every request acts as `Account.local`.
final class AccessControl: Sendable {
    let accounts: [Account]
    /// Where logins and logouts are recorded (nil only in tests that do not need it).
    let auditTrail: AuditTrail?
    /// Where failed logins are counted, to be recorded per address and minute (nil with no
    /// audit trail). relayd runs it as a service.
    let failedLogins: FailedLoginRecorder?
    private let now: @Sendable () -> Date
    private let state: Mutex<(sessions: SessionStore, limiter: LoginRateLimiter)>
    /// Checked when the name is unknown, so a wrong name costs as long as a wrong password and
    /// timing does not reveal which names exist.
    private let decoy: PasswordHash
    /// Where sessions are kept across restarts (nil: memory only).
    private let sessionsFile: SessionsFile?
    /// Password checks, one at a time on a low-priority thread: however many logins arrive,
    /// PBKDF2 takes at most one core, and yields to the relay and the control room.
    private let passwordChecks = BackgroundThread(name: "relayd.auth.password-checks")

    init(accounts: [Account], auditTrail: AuditTrail? = nil, limiter: LoginRateLimiter = LoginRateLimiter(),
         sessions: SessionStore = SessionStore(), sessionsFile: URL? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.accounts = accounts
        self.auditTrail = auditTrail
        self.failedLogins = auditTrail.map { FailedLoginRecorder(auditTrail: $0, now: now) }
        self.now = now
        self.sessionsFile = sessionsFile.map { SessionsFile(path: $0.path) }
        var sessions = sessions
        if let saved = self.sessionsFile?.load(), !saved.isEmpty {
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
        // timeout right to within that. Nobody waits for it: it is written on the sessions writer.
        if let previousUse, time.timeIntervalSince(previousUse) > 60 { sessionsFile?.saveLater(currentSessions) }
        return (account, session.csrfToken)
    }

    private var currentSessions: @Sendable () -> [String: SessionStore.Session] {
        { [self] in state.withLock { $0.sessions.sessions } }
    }

    /// The outcome of `POST /api/session`.
    enum LoginOutcome: Equatable {
        case loggedIn(account: Account, sessionID: String, csrfToken: String)
        case refused
        case rateLimited(retryAfter: Int)
    }

    /// Checks a name and password under the login limit (see `LoginRateLimiter`). A login is
    /// audited at once; failures are counted and audited per address and minute (never the
    /// password).
    func logIn(name: String, password: String, from address: String) async throws -> LoginOutcome {
        let time = now()
        switch state.withLock({ $0.limiter.reserve(address: address, account: name, now: time) }) {
        case .refuse(let wait):
            failedLogins?.record(name: name, address: address, reason: "rate limited", at: time)
            return .rateLimited(retryAfter: wait)
        case .proceed(let delay):
            if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
        }
        let account = account(named: name)
        // PBKDF2 takes a good part of a second by design: off the Swift concurrency pool, so a
        // burst of logins cannot stall every other request.
        let hash = account?.passwordHash ?? decoy
        let matches = try await passwordChecks.perform { hash.verify(password) }
        guard matches, account?.passwordHash != nil, let account else {
            let reason = account == nil ? "unknown account" : account?.passwordHash == nil ? "account has no password" : "wrong password"
            failedLogins?.record(name: name, address: address, reason: reason, at: time)
            return .refused
        }
        let (id, session) = state.withLock { state in
            state.limiter.succeeded(address: address, account: name, reservedAt: time)
            return state.sessions.open(account: name, now: now())
        }
        try await sessionsFile?.save(currentSessions)
        try await auditTrail?.append(actor: name, action: "auth.login", details: ["name": name, "role": account.role.rawValue, "address": address])
        return .loggedIn(account: account, sessionID: id, csrfToken: session.csrfToken)
    }

    func logOut(_ id: String, from address: String) async throws {
        guard let session = state.withLock({ $0.sessions.close(id) }) else { return }
        try await sessionsFile?.save(currentSessions)
        try await auditTrail?.append(actor: session.account, action: "auth.logout", details: ["name": session.account, "address": address])
    }
}
