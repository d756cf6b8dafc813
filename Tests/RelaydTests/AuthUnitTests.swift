import Foundation
import Hummingbird
import Testing
@testable import relayd

/// The pure parts of control-room accounts: password and token hashes, the role order, the
/// access table, the login rate limit and session expiry (on a clock the test moves).
@Suite struct AuthUnitTests {
    @Test func aPasswordHashVerifiesItsPasswordOnlyAndSurvivesTheConfigForm() throws {
        let hash = PasswordHash(password: "現場 correct horse", iterations: 1000)
        #expect(hash.verify("現場 correct horse"))
        #expect(!hash.verify("現場 correct hors"))
        #expect(!hash.verify(""))
        let parsed = try PasswordHash.parse(hash.description).get()
        #expect(parsed == hash)
        #expect(parsed.verify("現場 correct horse"))
        #expect(hash.description.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(PasswordHash(password: "same", iterations: 1000) != PasswordHash(password: "same", iterations: 1000), "a fresh salt each time")
    }

    @Test func pbkdf2MatchesAnIndependentImplementation() throws {
        // Computed with Python: hashlib.pbkdf2_hmac('sha256', b'secret pass', salt, 10000).
        let stored = "pbkdf2-sha256$10000$rmLA3qt04a2bWXSn8ZZoXA==$lqSR0RH+e3oDGxHsRUi4XzeRX8Qco56GP4fujTybXlM="
        let hash = try PasswordHash.parse(stored).get()
        #expect(hash.verify("secret pass"))
        #expect(!hash.verify("secret pass "))
    }

    @Test func malformedPasswordHashesAreRefusedWithTheReason() {
        func reason(_ text: String) -> String? {
            if case .failure(let error) = PasswordHash.parse(text) { return error.message }
            return nil
        }
        #expect(reason("hunter2")?.contains("must be pbkdf2-sha256$<iterations>") == true)
        #expect(reason("bcrypt$10$abc$def")?.contains("must be pbkdf2-sha256$") == true)
        #expect(reason("pbkdf2-sha256$10$rmLA3qt04a2bWXSn8ZZoXA==$lqSR0RH+e3oDGxHsRUi4XzeRX8Qco56GP4fujTybXlM=")?.contains("iterations must be") == true)
        #expect(reason("pbkdf2-sha256$10000$!!$lqSR0RH+e3oDGxHsRUi4XzeRX8Qco56GP4fujTybXlM=")?.contains("salt") == true)
        #expect(reason("pbkdf2-sha256$10000$rmLA3qt04a2bWXSn8ZZoXA==$AAAA")?.contains("32 bytes") == true)
    }

    @Test func aTokenHashIsTheSHA256OfTheToken() throws {
        let hash = try TokenHash.parse("sha256$1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62").get()
        #expect(hash.verify("tok"))
        #expect(!hash.verify("tok2"))
        #expect(TokenHash(token: "tok") == hash)
        #expect(throws: PasswordHash.FormatError.self) { try TokenHash.parse("sha256$xyz").get() }
        #expect(throws: PasswordHash.FormatError.self) { try TokenHash.parse("1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62").get() }
    }

    @Test func adminHoldsEveryRoleAndOperatorAndCoordinatorAreSeparateBranches() {
        #expect(Role.allCases.allSatisfy { Role.admin.grants($0) })
        #expect(Role.allCases.allSatisfy { $0.grants(.viewer) })
        #expect(Role.operator.grants(.operator) && !Role.operator.grants(.coordinator) && !Role.operator.grants(.admin))
        #expect(Role.coordinator.grants(.coordinator) && !Role.coordinator.grants(.operator) && !Role.coordinator.grants(.admin))
        #expect(!Role.viewer.grants(.operator))
    }

    @Test func theAccessTableCoversEveryClassOfPathAndDeniesUnknownWritesToAllButAdmins() {
        let expectations: [(HTTPRequest.Method, String, AccessRules.Requirement)] = [
            (.get, "/", .open), (.get, "/login", .open), (.get, "/static/control-room.js", .open), (.get, "/healthz", .open),
            (.post, "/api/session", .open), (.get, "/api/session", .open),
            (.get, "/api/sources", .role(.viewer)), (.get, "/api/events", .role(.viewer)), (.get, "/metrics", .role(.viewer)),
            (.get, "/api/sources/heli-1/thumbnail.jpg", .role(.viewer)), (.get, "/api/program/thumbnail.jpg", .role(.viewer)),
            (.get, "/fieldops/kits", .role(.viewer)), (.head, "/api/audit", .role(.viewer)),
            (.post, "/api/program/cut", .role(.operator)), (.put, "/api/program/caption", .role(.operator)),
            (.delete, "/api/program/caption", .role(.operator)), (.post, "/api/control-room/preview", .role(.operator)),
            (.post, "/api/fieldops/units", .role(.coordinator)), (.patch, "/api/fieldops/kits/1", .role(.coordinator)),
            (.put, "/api/sinks/hq/enabled", .role(.admin)), (.delete, "/api/readers/7", .role(.admin)),
            (.delete, "/api/sources/heli-1/publisher", .role(.admin)), (.post, "/api/config/reload", .role(.admin)),
            (.post, "/", .role(.admin)), (.post, "/static/x", .role(.admin)), (.post, "/api/programme", .role(.admin)),
        ]
        for (method, path, requirement) in expectations {
            #expect(AccessRules.requirement(method, path) == requirement, "\(method) \(path)")
        }
    }

    @Test func theSixthFailureWithinAMinuteIsRefusedUntilTheFirstLeavesTheWindow() {
        var limiter = LoginRateLimiter(maximumFailures: 5, window: 60)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let keys = [LoginRateLimiter.addressKey("10.0.0.9"), LoginRateLimiter.accountKey("sato")]
        for second in 0..<5 {
            let now = start.addingTimeInterval(Double(second))
            #expect(limiter.retryAfter(keys, now: now) == nil, "attempt \(second + 1) allowed")
            limiter.recordFailure(keys, now: now)
        }
        #expect(limiter.retryAfter(keys, now: start.addingTimeInterval(5)) == 55)
        // Another address trying the same account is refused too; an unrelated one is not.
        #expect(limiter.retryAfter([LoginRateLimiter.addressKey("10.0.0.10"), LoginRateLimiter.accountKey("sato")], now: start.addingTimeInterval(5)) == 55)
        #expect(limiter.retryAfter([LoginRateLimiter.addressKey("10.0.0.10"), LoginRateLimiter.accountKey("ito")], now: start.addingTimeInterval(5)) == nil)
        #expect(limiter.retryAfter(keys, now: start.addingTimeInterval(60.5)) == nil, "the first failure has left the window")
    }

    @Test func aSuccessClearsTheAccountButNotTheAddress() {
        var limiter = LoginRateLimiter()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let address = LoginRateLimiter.addressKey("10.0.0.9")
        let account = LoginRateLimiter.accountKey("sato")
        for _ in 0..<5 { limiter.recordFailure([address, account], now: now) }
        limiter.reset(account)
        #expect(limiter.retryAfter([account], now: now) == nil)
        #expect(limiter.retryAfter([address], now: now) == 60)
    }

    @Test func aSessionLivesWhileUsedAndEndsAfterTwelveIdleHours() {
        var store = SessionStore()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (id, session) = store.open(account: "sato", now: start)
        #expect(id.count == 43, "256 bits, base64url")
        #expect(session.csrfToken != id)
        #expect(store.use(id, now: start.addingTimeInterval(11 * 3600))?.account == "sato")
        #expect(store.use(id, now: start.addingTimeInterval(22 * 3600))?.account == "sato", "use renews it")
        #expect(store.use(id, now: start.addingTimeInterval(34 * 3600 + 1)) == nil)
        #expect(store.use("not-a-session", now: start) == nil)
    }

    @Test func loginsAreAuditedWithoutThePasswordAndRateLimited() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let trail = try AuditTrail(dataDirectory: data, key: try AuditTrailSigningKey.loadOrCreate(path: root.appendingPathComponent("key").path))
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_000))
        let access = AccessControl(
            accounts: [Account(name: "sato", role: .operator, passwordHash: PasswordHash(password: "right one", iterations: 1000))],
            auditTrail: trail, now: { clock.now })
        for _ in 0..<5 { #expect(try access.logIn(name: "sato", password: "wrong", from: "10.0.0.9") == .refused) }
        #expect(try access.logIn(name: "sato", password: "right one", from: "10.0.0.9") == .rateLimited(retryAfter: 60))
        clock.now = clock.now.addingTimeInterval(61)
        guard case .loggedIn(let account, let id, _) = try access.logIn(name: "sato", password: "right one", from: "10.0.0.9") else {
            Issue.record("login refused after the window")
            return
        }
        #expect(account.name == "sato")
        #expect(access.session(id)?.account.role == .operator)
        #expect(try access.logIn(name: "nobody", password: "x", from: "10.0.0.8") == .refused)
        try access.logOut(id, from: "10.0.0.9")
        #expect(access.session(id) == nil)

        let entries = try trail.entries()
        #expect(entries.map(\.action) == Array(repeating: "auth.login_failed", count: 6) + ["auth.login", "auth.login_failed", "auth.logout"])
        #expect(entries.allSatisfy { $0.actor == $0.details["name"] })
        #expect(entries[5].details["reason"] == "rate limited")
        #expect(entries[7].details == ["name": "nobody", "address": "10.0.0.8", "reason": "unknown account"])
        #expect(!entries.contains { $0.details.values.contains("wrong") || $0.details.values.contains("right one") })
    }
}

/// A clock the test sets by hand.
final class TestClock: @unchecked Sendable {
    // Written only by the test's own task between calls, never concurrently.
    var now: Date
    init(_ now: Date) { self.now = now }
}
