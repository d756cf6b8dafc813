import Crypto
import Foundation

/// Decides which login attempts get a password check, so a password cannot be guessed at
/// network speed and an account's owner cannot be locked out by someone who only knows its name.
/// Pure state: the caller passes the time, so tests move a clock instead of sleeping.
///
/// The rule:
/// - Per client address (IPv6 by /64, which one host usually holds whole): `maximumFailures`
///   within `window`, then refused with a lockout that doubles with each lockout in a row
///   (1, 2, 4 ... minutes, at most `maximumLockout`).
/// - Per account: once it has had `maximumFailures` failures within `window` from anywhere, it
///   is guarded: an address that itself failed within the window is refused, and an address
///   without failures is let through one attempt at a time, `guardedSpacing` apart (the attempt
///   waits for its turn; beyond `maximumWait`, refused). Another client's failures therefore
///   slow the owner down but never shut out a correct password from a clean address, while a
///   distributed guesser gets one guess per address and window and one per `guardedSpacing`.
/// - An attempt is reserved (counted as a failure) before its password is checked, in the same
///   step as the decision, so parallel attempts cannot all pass the check before any is counted;
///   a correct password takes its reservation back and clears the account.
/// - At most `capacity` addresses and `capacity` accounts are remembered; past that, those not
///   seen for longest are forgotten first.
struct LoginRateLimiter: Sendable {
    var maximumFailures = 5
    var window: TimeInterval = 60
    var maximumLockout: TimeInterval = 15 * 60
    var guardedSpacing: TimeInterval = 1
    var maximumWait: TimeInterval = 5
    var capacity = 10_000

    /// What is remembered of one address or account.
    struct Record: Sendable, Equatable {
        /// Failures and reservations within the window, oldest first (at most `maximumFailures`).
        var failures: [Date] = []
        var lockedUntil: Date?
        /// Lockouts in a row; each doubles the next.
        var lockouts = 0
        var lastSeen: Date
        /// A guarded account's next free turn.
        var nextTurn: Date?
    }

    private(set) var addresses: [String: Record] = [:]
    private(set) var accounts: [String: Record] = [:]

    init(maximumFailures: Int = 5, window: TimeInterval = 60, capacity: Int = 10_000) {
        self.maximumFailures = maximumFailures
        self.window = window
        self.capacity = capacity
    }

    enum Decision: Equatable {
        /// Check the password, after waiting `delay` seconds (a guarded account's turn).
        case proceed(delay: TimeInterval)
        /// Refuse without checking; the client may retry after this many seconds.
        case refuse(retryAfter: Int)
    }

    /// Decides on an attempt and, when it may proceed, reserves it as a failure.
    mutating func reserve(address: String, account name: String, now: Date) -> Decision {
        let addressKey = Self.addressKey(address)
        var client = fresh(addresses[addressKey], now: now)
        client.lastSeen = now
        defer { store(client, at: addressKey, in: \.addresses, now: now) }
        if let until = client.lockedUntil, until > now { return .refuse(retryAfter: Self.seconds(until.timeIntervalSince(now))) }
        if client.failures.count >= maximumFailures {
            client.lockouts += 1
            let lockout = min(window * pow(2, Double(client.lockouts - 1)), maximumLockout)
            let until = client.failures[client.failures.count - maximumFailures].addingTimeInterval(lockout)
            client.lockedUntil = until
            return .refuse(retryAfter: Self.seconds(until.timeIntervalSince(now)))
        }
        let accountKey = Self.accountKey(name)
        var target = fresh(accounts[accountKey], now: now)
        target.lastSeen = now
        var delay: TimeInterval = 0
        if target.failures.count >= maximumFailures {
            if let last = client.failures.last {
                store(target, at: accountKey, in: \.accounts, now: now)
                return .refuse(retryAfter: Self.seconds(last.addingTimeInterval(window).timeIntervalSince(now)))
            }
            let turn = max(now, target.nextTurn ?? now)
            delay = turn.timeIntervalSince(now)
            if delay > maximumWait {
                store(target, at: accountKey, in: \.accounts, now: now)
                return .refuse(retryAfter: Self.seconds(delay))
            }
            target.nextTurn = turn.addingTimeInterval(guardedSpacing)
        }
        client.failures = Array((client.failures + [now]).suffix(maximumFailures))
        target.failures = Array((target.failures + [now]).suffix(maximumFailures))
        store(target, at: accountKey, in: \.accounts, now: now)
        return .proceed(delay: delay)
    }

    /// A correct password: the attempt reserved at `reservedAt` was not a failure, and the
    /// account's count is cleared (the address keeps its other failures: one right password must
    /// not buy an address more guesses at other accounts).
    mutating func succeeded(address: String, account name: String, reservedAt: Date) {
        let addressKey = Self.addressKey(address)
        if var client = addresses[addressKey], let reservation = client.failures.lastIndex(of: reservedAt) {
            client.failures.remove(at: reservation)
            addresses[addressKey] = client
        }
        accounts[Self.accountKey(name)] = nil
    }

    /// The record without failures that have left the window, and without lockouts forgiven by
    /// a quiet spell as long as the longest lockout.
    private func fresh(_ record: Record?, now: Date) -> Record {
        guard var record else { return Record(lastSeen: now) }
        let cutoff = now.addingTimeInterval(-window)
        record.failures.removeAll { $0 <= cutoff }
        if let until = record.lockedUntil, until <= now { record.lockedUntil = nil }
        if now.timeIntervalSince(record.lastSeen) > maximumLockout { record.lockouts = 0 }
        return record
    }

    /// Stores a record; past `capacity`, forgets records with nothing left to remember, then the
    /// least recently seen (a tenth at a time, so eviction costs little per attempt).
    private mutating func store(_ record: Record, at key: String, in table: WritableKeyPath<Self, [String: Record]>, now: Date) {
        self[keyPath: table][key] = record
        guard self[keyPath: table].count > capacity else { return }
        let idle = now.addingTimeInterval(-max(window, maximumLockout))
        self[keyPath: table] = self[keyPath: table].filter { $0.key == key || $0.value.lastSeen > idle }
        let excess = self[keyPath: table].count - capacity
        guard excess > 0 else { return }
        let oldest = self[keyPath: table].filter { $0.key != key }.sorted { $0.value.lastSeen < $1.value.lastSeen }
            .prefix(max(excess, capacity / 10)).map(\.key)
        for evicted in oldest { self[keyPath: table][evicted] = nil }
    }

    private static func seconds(_ interval: TimeInterval) -> Int { max(1, Int(interval.rounded(.up))) }

    /// The address as the limit counts it: IPv4 as is (also when mapped into IPv6), IPv6 by its
    /// /64 prefix.
    static func addressKey(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 8, by: 2).map { String(format: "%x", Int(bytes[$0]) << 8 | Int(bytes[$0 + 1])) }
        return groups.joined(separator: ":") + "::/64"
    }

    static func accountKey(_ name: String) -> String { name }
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
