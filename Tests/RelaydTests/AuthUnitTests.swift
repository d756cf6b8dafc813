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
            (.get, "/api/recordings", .role(.viewer)), (.get, "/api/recordings/exports/0123456789abcdef/clip.mp4", .role(.viewer)),
            (.post, "/api/recordings/heli-1/exports", .role(.operator)), (.delete, "/api/recordings/exports/0123456789abcdef", .role(.admin)),
            (.post, "/api/fieldops/units", .role(.coordinator)), (.patch, "/api/fieldops/kits/1", .role(.coordinator)),
            (.put, "/api/sinks/hq/enabled", .role(.admin)), (.delete, "/api/readers/7", .role(.admin)),
            (.delete, "/api/sources/heli-1/publisher", .role(.admin)), (.post, "/api/config/reload", .role(.admin)),
            (.post, "/", .role(.admin)), (.post, "/static/x", .role(.admin)), (.post, "/api/programme", .role(.admin)),
        ]
        for (method, path, requirement) in expectations {
            #expect(AccessRules.requirement(method, path) == requirement, "\(method) \(path)")
        }
    }

    @Test func theSixthAttemptWithinAMinuteIsRefusedAndRepeatedLockoutsDouble() {
        var limiter = LoginRateLimiter(maximumFailures: 5, window: 60)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for second in 0..<5 {
            #expect(limiter.reserve(address: "10.0.0.9", account: "ito-\(second)", now: start.addingTimeInterval(Double(second))) == .proceed(delay: 0))
        }
        #expect(limiter.reserve(address: "10.0.0.9", account: "sato", now: start.addingTimeInterval(5)) == .refuse(retryAfter: 55))
        #expect(limiter.reserve(address: "10.0.0.9", account: "sato", now: start.addingTimeInterval(30)) == .refuse(retryAfter: 30))
        #expect(limiter.reserve(address: "10.0.0.10", account: "sato", now: start.addingTimeInterval(30)) == .proceed(delay: 0), "another address")
        // Five more failures after the lockout: the next lockout is twice as long.
        for second in 60..<65 {
            #expect(limiter.reserve(address: "10.0.0.9", account: "mori-\(second)", now: start.addingTimeInterval(Double(second))) == .proceed(delay: 0))
        }
        #expect(limiter.reserve(address: "10.0.0.9", account: "sato", now: start.addingTimeInterval(65)) == .refuse(retryAfter: 115))
    }

    @Test func parallelAttemptsAreReservedBeforeTheirPasswordIsChecked() {
        var limiter = LoginRateLimiter()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        // Forty attempts arrive before any password check has finished.
        let decisions = (0..<40).map { _ in limiter.reserve(address: "10.0.0.9", account: "sato", now: now) }
        #expect(decisions.filter { $0 == .proceed(delay: 0) }.count == 5)
    }

    @Test func aGuardedAccountLetsCleanAddressesInOneAtATimeAndRefusesAddressesThatFailed() {
        var limiter = LoginRateLimiter()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        for _ in 0..<5 { _ = limiter.reserve(address: "203.0.113.7", account: "sato", now: now) }
        // The attacker's address is locked; the account is guarded.
        if case .proceed = limiter.reserve(address: "203.0.113.7", account: "sato", now: now) { Issue.record("attacker let through") }
        #expect(limiter.reserve(address: "10.0.0.2", account: "sato", now: now) == .proceed(delay: 0))
        #expect(limiter.reserve(address: "10.0.0.3", account: "sato", now: now) == .proceed(delay: 1), "one turn per second")
        #expect(limiter.reserve(address: "10.0.0.2", account: "sato", now: now.addingTimeInterval(2)) == .refuse(retryAfter: 58), "it failed once: no second guess")
        // The owner logs in from a clean address: the account is cleared.
        #expect(limiter.reserve(address: "10.0.0.4", account: "sato", now: now.addingTimeInterval(2)) == .proceed(delay: 0))
        limiter.succeeded(address: "10.0.0.4", account: "sato", reservedAt: now.addingTimeInterval(2))
        #expect(limiter.accounts["sato"] == nil)
        #expect(limiter.addresses["10.0.0.4"]?.failures.isEmpty == true, "a correct password is not a failure")
        #expect(limiter.addresses["203.0.113.7"]?.failures.count == 5, "the attacker keeps its failures")
    }

    @Test func memoryIsBoundedByForgettingTheLeastRecentlySeen() {
        var limiter = LoginRateLimiter(maximumFailures: 5, window: 60, capacity: 100)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        for index in 0..<5_000 {
            _ = limiter.reserve(address: "10.\(index / 65536).\(index / 256 % 256).\(index % 256)", account: "name-\(index)", now: start.addingTimeInterval(Double(index) / 100))
        }
        #expect(limiter.addresses.count <= 100)
        #expect(limiter.accounts.count <= 100)
        #expect(limiter.accounts["name-4999"] != nil, "the newest are kept")
        #expect(limiter.accounts["name-0"] == nil, "the oldest are gone")
    }

    @Test func ipv6AddressesAreLimitedByTheir64BitPrefix() {
        #expect(LoginRateLimiter.addressKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(LoginRateLimiter.addressKey("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64")
        #expect(LoginRateLimiter.addressKey("::ffff:192.0.2.1") == "192.0.2.1")
        #expect(LoginRateLimiter.addressKey("192.0.2.1") == "192.0.2.1")
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

    @Test func loginsAreAuditedAndFailuresAreAggregatedPerAddressAndMinute() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("auth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let trail = try AuditTrail(dataDirectory: data, key: try AuditTrailSigningKey.loadOrCreate(path: root.appendingPathComponent("key").path))
        let clock = TestClock(Date(timeIntervalSince1970: 1_800_000_010))
        let access = AccessControl(
            accounts: [Account(name: "sato", role: .operator, passwordHash: PasswordHash(password: "right one", iterations: 1000))],
            auditTrail: trail, sessionsFile: data.appendingPathComponent("sessions.json"), now: { clock.now })
        for _ in 0..<5 { #expect(try await access.logIn(name: "sato", password: "wrong", from: "10.0.0.9") == .refused) }
        #expect(try await access.logIn(name: "sato", password: "right one", from: "10.0.0.9") == .rateLimited(retryAfter: 60))
        #expect(try await access.logIn(name: String(repeating: "長", count: 5_000), password: "x", from: "10.0.0.8") == .refused)
        clock.now = clock.now.addingTimeInterval(61)
        guard case .loggedIn(let account, let id, _) = try await access.logIn(name: "sato", password: "right one", from: "10.0.0.9") else {
            Issue.record("login refused after the lockout")
            return
        }
        #expect(account.name == "sato")
        #expect(access.session(id)?.account.role == .operator)
        let saved = try JSONDecoder().decode([String: SessionStore.Session].self, from: Data(contentsOf: data.appendingPathComponent("sessions.json")))
        #expect(saved.values.map(\.account) == ["sato"], "on disk once the login is acknowledged")
        try await access.logOut(id, from: "10.0.0.9")
        #expect(access.session(id) == nil)
        // Nothing of the failures is written until their minute has closed.
        #expect(try trail.entries().map(\.action) == ["auth.login", "auth.logout"])
        try await access.failedLogins?.flush()

        let entries = try trail.entries()
        #expect(entries.map(\.action) == ["auth.login", "auth.logout", "auth.login_failed", "auth.login_failed"])
        let failures = entries.filter { $0.action == "auth.login_failed" }
        #expect(failures.allSatisfy { $0.actor == "anonymous" && $0.details["minute"] == "2027-01-15T08:00:00Z" })
        #expect(failures[0].details == [
            "address": "10.0.0.8", "minute": "2027-01-15T08:00:00Z", "failures": "1", "reasons": "unknown account: 1",
            "names": "[\"" + String(repeating: "長", count: 64) + "…\"]",
        ])
        #expect(failures[1].details["failures"] == "6")
        #expect(failures[1].details["reasons"] == "rate limited: 1, wrong password: 5")
        #expect(failures[1].details["names"] == #"["sato"]"#)
        #expect(!entries.contains { $0.details.values.contains { $0.contains("wrong") && !$0.contains("wrong password") } || $0.details.values.contains("right one") })
    }
}

/// A clock the test sets by hand.
final class TestClock: @unchecked Sendable {
    // Written only by the test's own task between calls, never concurrently.
    var now: Date
    init(_ now: Date) { self.now = now }
}
