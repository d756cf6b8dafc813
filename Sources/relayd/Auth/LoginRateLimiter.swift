import Crypto
import Foundation

/// Counts failed logins per key (a remote address, an account name) in a sliding window and
/// says when to refuse further attempts, so a password cannot be guessed at network speed.
/// Pure state: the caller passes the time, so tests move a clock instead of sleeping.
struct LoginRateLimiter: Sendable {
    /// Failures allowed within `window` before attempts are refused.
    var maximumFailures = 5
    var window: TimeInterval = 60
    private var failures: [String: [Date]] = [:]

    init(maximumFailures: Int = 5, window: TimeInterval = 60) {
        self.maximumFailures = maximumFailures
        self.window = window
    }

    /// Seconds until an attempt under any of `keys` is allowed again; nil when allowed now.
    mutating func retryAfter(_ keys: [String], now: Date) -> Int? {
        forgetOld(now: now)
        let waits = keys.compactMap { key -> TimeInterval? in
            guard let recent = failures[key], recent.count >= maximumFailures else { return nil }
            // The attempt is allowed once enough failures have left the window.
            return recent[recent.count - maximumFailures].addingTimeInterval(window).timeIntervalSince(now)
        }
        return waits.max().map { max(1, Int($0.rounded(.up))) }
    }

    mutating func recordFailure(_ keys: [String], now: Date) {
        for key in keys { failures[key, default: []].append(now) }
    }

    /// A correct password clears the account's count (not the address's: one right password
    /// must not buy an address more guesses at other accounts).
    mutating func reset(_ key: String) {
        failures[key] = nil
    }

    /// Drops failures older than the window, so memory stays bounded by recent attempts.
    private mutating func forgetOld(now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        failures = failures.compactMapValues { dates in
            let recent = dates.filter { $0 > cutoff }
            return recent.isEmpty ? nil : recent
        }
    }

    static func addressKey(_ address: String) -> String { "address:\(address)" }
    static func accountKey(_ name: String) -> String { "account:\(name)" }
}

/// Logged-in browser sessions, keyed by the random id in the `relayd_session` cookie. Pure
/// state like the rate limiter: the caller passes the time.
struct SessionStore: Sendable {
    struct Session: Sendable, Equatable, Codable {
        var account: String
        /// Sent back in `X-CSRF-Token` with every state-changing request; a cross-site page
        /// cannot read it, so it cannot forge one.
        var csrfToken: String
        var lastUsed: Date
    }

    /// A session unused this long is gone: a control-room shift is at most 12 hours.
    var idleTimeout: TimeInterval = 12 * 3600
    /// Keyed by the SHA-256 of the session id, so the store (and its file) never holds an id a
    /// reader could replay as a cookie.
    private(set) var sessions: [String: Session] = [:]

    init(idleTimeout: TimeInterval = 12 * 3600, sessions: [String: Session] = [:]) {
        self.idleTimeout = idleTimeout
        self.sessions = sessions
    }

    static func key(_ id: String) -> String {
        SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Starts a session; returns its id and CSRF token.
    mutating func open(account: String, now: Date) -> (id: String, session: Session) {
        forgetIdle(now: now)
        let id = Self.randomToken()
        let session = Session(account: account, csrfToken: Self.randomToken(), lastUsed: now)
        sessions[Self.key(id)] = session
        return (id, session)
    }

    /// The live session with this id, marked as used now.
    mutating func use(_ id: String, now: Date) -> Session? {
        let key = Self.key(id)
        guard var session = sessions[key] else { return nil }
        guard now.timeIntervalSince(session.lastUsed) < idleTimeout else {
            sessions[key] = nil
            return nil
        }
        session.lastUsed = now
        sessions[key] = session
        return session
    }

    mutating func close(_ id: String) -> Session? {
        sessions.removeValue(forKey: Self.key(id))
    }

    private mutating func forgetIdle(now: Date) {
        sessions = sessions.filter { now.timeIntervalSince($0.value.lastUsed) < idleTimeout }
    }

    /// 256 random bits, base64url without padding (cookie- and header-safe).
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
