import Foundation
import Testing
import VideoRelay
@testable import relayd

/// The real relayd with one account per role: every class of endpoint refuses a request
/// without credentials (401) and with too small a role (403) and serves the right role; browser
/// sessions carry HttpOnly SameSite cookies, refuse cross-site writes and rate-limit logins;
/// logins and operator actions land in the audit trail under the account's name.
@Suite(.serialized) struct AuthAPITests {
    /// Password and bearer token of each account (the config holds only their hashes).
    static let accounts: [(name: String, role: Role)] = [
        ("view-abe", .viewer), ("op-sato", .operator), ("coord-mori", .coordinator), ("admin-ito", .admin),
    ]
    static func password(_ name: String) -> String { "pw of \(name)" }
    static func token(_ name: String) -> String { "token-\(name)-0123456789abcdef" }

    static var config: String {
        // Few iterations: the test logs in often, and the hash format is what is under test here.
        let accounts = Self.accounts.map { account in
            """
              - name: \(account.name)
                role: \(account.role.rawValue)
                password_hash: \(PasswordHash(password: password(account.name), iterations: 1000))
                token_hash: \(TokenHash(token: token(account.name)))
            """
        }.joined(separator: "\n")
        return """
            srt:
              listen: 127.0.0.1:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            sources:
              - id: heli-1
                kind: helicopter
              - id: drone-1
                kind: drone
            users:
              - name: hq
                request: [program]
            sinks:
              - id: hq
                name: 警察本部
                user: hq
            accounts:
            \(accounts)
            """
    }

    private func bearer(_ name: String) -> [String: String] { ["Authorization": "Bearer \(Self.token(name))"] }

    /// One request of each class, the least role that may make it, and a body that succeeds.
    struct Endpoint {
        var method: String
        var path: String
        var body: String?
        var least: Role
    }

    static let endpoints: [Endpoint] = [
        Endpoint(method: "GET", path: "/api/sources", least: .viewer),
        Endpoint(method: "GET", path: "/api/program", least: .viewer),
        Endpoint(method: "GET", path: "/api/control-room", least: .viewer),
        Endpoint(method: "GET", path: "/api/audit", least: .viewer),
        Endpoint(method: "GET", path: "/metrics", least: .viewer),
        Endpoint(method: "GET", path: "/fieldops", least: .viewer),
        Endpoint(method: "GET", path: "/api/fieldops/units", least: .viewer),
        Endpoint(method: "PUT", path: "/api/program/caption", body: #"{"text": "現場上空から中継"}"#, least: .operator),
        Endpoint(method: "POST", path: "/api/control-room/preview", body: #"{"source": "drone-1"}"#, least: .operator),
        Endpoint(method: "POST", path: "/api/fieldops/units", body: #"{"callsign":"U-{N}","home_base":"Sendai"}"#, least: .coordinator),
        Endpoint(method: "PUT", path: "/api/sinks/hq/enabled", body: #"{"enabled": true}"#, least: .admin),
        Endpoint(method: "PUT", path: "/api/sources/heli-1/enabled", body: #"{"enabled": true}"#, least: .admin),
    ]

    @Test func everyEndpointClassAnswers401WithoutCredentials403WithTheWrongRoleAnd2xxWithTheRightOne() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let port = relayd.httpPort
        for open in ["/", "/healthz", "/static/control-room.js"] {
            #expect(try await RelaydAuthHTTP.request(port: port, "GET", open).status == 200, "\(open) is open")
        }
        var counter = 0
        for endpoint in Self.endpoints {
            counter += 1
            let body = endpoint.body?.replacingOccurrences(of: "{N}", with: "\(counter)")
            let anonymous = try await RelaydAuthHTTP.request(port: port, endpoint.method, endpoint.path, body: body)
            #expect(anonymous.status == 401, "\(endpoint.method) \(endpoint.path) without credentials")
            #expect(anonymous.json["error"] as? String == "login required")
            #expect(try await RelaydAuthHTTP.request(port: port, endpoint.method, endpoint.path, body: body, headers: ["Authorization": "Bearer wrong"]).status == 401)
            for (name, role) in Self.accounts {
                counter += 1
                let body = endpoint.body?.replacingOccurrences(of: "{N}", with: "\(counter)")
                let answer = try await RelaydAuthHTTP.request(port: port, endpoint.method, endpoint.path, body: body, headers: bearer(name))
                if role.grants(endpoint.least) {
                    #expect((200..<300).contains(answer.status), "\(name) \(endpoint.method) \(endpoint.path): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
                } else {
                    #expect(answer.status == 403, "\(name) \(endpoint.method) \(endpoint.path)")
                    #expect(answer.json["error"] as? String == "forbidden")
                    #expect(answer.json["detail"] as? String == "\(endpoint.least.rawValue) role required")
                }
            }
        }
        // Kicks and unknown writes need an admin; the admin passes the check and meets the route.
        #expect(try await RelaydAuthHTTP.request(port: port, "DELETE", "/api/readers/99", headers: bearer("op-sato")).status == 403)
        #expect(try await RelaydAuthHTTP.request(port: port, "DELETE", "/api/readers/99", headers: bearer("admin-ito")).status == 404)
        #expect(try await RelaydAuthHTTP.request(port: port, "POST", "/api/anything-new", body: "{}", headers: bearer("coord-mori")).status == 403)

        // FieldOps records its writer as the account, whatever X-Actor claims.
        var fieldOpsHeaders = bearer("coord-mori")
        fieldOpsHeaders["X-Actor"] = "someone-else"
        let created = try await RelaydAuthHTTP.request(
            port: port, "POST", "/api/fieldops/kits", body: #"{"name":"SAT-01","kind":"satellite_terminal","components":[{"serial":"TERM-100"}]}"#,
            headers: fieldOpsHeaders)
        #expect(created.status == 201)
        let kitID = try #require((created.json["kit"] as? [String: Any])?["id"] as? Int)
        let fieldOpsAudit = try await RelaydAuthHTTP.request(port: port, "GET", "/api/fieldops/audit?entity=kit&id=\(kitID)", headers: bearer("view-abe"))
        let text = String(decoding: fieldOpsAudit.body, as: UTF8.self)
        #expect(text.contains("coord-mori") && !text.contains("someone-else"), "\(text)")
        #expect(try await relayd.stop() == 0)
    }

    @Test func aBrowserSessionHasAStrictHttpOnlyCookieAndMustProveItIsNotCrossSite() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let port = relayd.httpPort
        let (login, cookie) = try await RelaydAuthHTTP.logIn(port: port, name: "op-sato", password: Self.password("op-sato"))
        #expect(login.status == 200)
        #expect(login.json["name"] as? String == "op-sato")
        #expect(login.json["role"] as? String == "operator")
        let csrf = try #require(login.json["csrf_token"] as? String)
        let setCookie = try #require(login.header("Set-Cookie"))
        #expect(setCookie.hasPrefix("relayd_session="))
        #expect(setCookie.contains("HttpOnly"))
        #expect(setCookie.contains("SameSite=Strict"))
        #expect(setCookie.contains("Path=/"))
        let session = try #require(cookie)

        let current = try await RelaydAuthHTTP.request(port: port, "GET", "/api/session", headers: ["Cookie": session])
        #expect(current.status == 200)
        #expect(current.json["csrf_token"] as? String == csrf, "a reloaded page gets its token back")
        #expect(try await RelaydAuthHTTP.request(port: port, "GET", "/api/sources", headers: ["Cookie": session]).status == 200)

        let preview = #"{"source": "heli-1"}"#
        let forged = try await RelaydAuthHTTP.request(port: port, "POST", "/api/control-room/preview", body: preview, headers: ["Cookie": session])
        #expect(forged.status == 403)
        #expect(forged.json["error"] as? String == "cross-site request refused")
        let crossOrigin = try await RelaydAuthHTTP.request(
            port: port, "POST", "/api/control-room/preview", body: preview,
            headers: ["Cookie": session, "X-CSRF-Token": csrf, "Origin": "http://evil.example"])
        #expect(crossOrigin.status == 403)
        #expect(crossOrigin.json["error"] as? String == "cross-site request refused")
        let sameOrigin = try await RelaydAuthHTTP.request(
            port: port, "POST", "/api/control-room/preview", body: preview,
            headers: ["Cookie": session, "X-CSRF-Token": csrf, "Origin": "http://127.0.0.1:\(port)"])
        #expect(sameOrigin.status == 200)
        let byBearer = try await RelaydAuthHTTP.request(port: port, "POST", "/api/control-room/preview", body: preview, headers: bearer("op-sato"))
        #expect(byBearer.status == 200, "a bearer token needs no CSRF token")

        // The operator's cut is recorded under the account, not a client-chosen name.
        let cut = try await RelaydAuthHTTP.request(
            port: port, "POST", "/api/program/cut", body: #"{"source": "drone-1", "by": "mallory"}"#,
            headers: ["Cookie": session, "X-CSRF-Token": csrf, "X-Actor": "mallory"])
        #expect(cut.status == 409, "drone-1 is offline")

        let logout = try await RelaydAuthHTTP.request(port: port, "DELETE", "/api/session", headers: ["Cookie": session, "X-CSRF-Token": csrf])
        #expect(logout.status == 204)
        #expect(try await RelaydAuthHTTP.request(port: port, "GET", "/api/session", headers: ["Cookie": session]).status == 401)
        #expect(try await RelaydAuthHTTP.request(port: port, "GET", "/api/sources", headers: ["Cookie": session]).status == 401)

        let audit = try await RelaydAuthHTTP.request(port: port, "GET", "/api/audit?limit=1000", headers: bearer("view-abe"))
        let entries = (audit.json["entries"] as? [[String: Any]]) ?? []
        let cuts = entries.filter { $0["action"] as? String == "program.cut" }
        #expect(cuts.count == 1)
        #expect(cuts.first?["actor"] as? String == "op-sato")
        let previews = entries.filter { $0["action"] as? String == "control_room.preview" }
        #expect(previews.count == 2 && previews.allSatisfy { $0["actor"] as? String == "op-sato" })
        let login2 = entries.first { $0["action"] as? String == "auth.login" }
        #expect(login2?["actor"] as? String == "op-sato")
        #expect((login2?["details"] as? [String: String])?["address"] == "127.0.0.1")
        #expect(entries.contains { $0["action"] as? String == "auth.logout" && $0["actor"] as? String == "op-sato" })
        #expect(try await relayd.stop() == 0)
    }

    @Test func theSixthFailedLoginIsRefusedWith429AndEveryAttemptIsCountedInTheAuditTrail() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let port = relayd.httpPort
        for attempt in 1...5 {
            let (answer, cookie) = try await RelaydAuthHTTP.logIn(port: port, name: "admin-ito", password: "guess \(attempt)")
            #expect(answer.status == 401, "attempt \(attempt)")
            #expect(cookie == nil)
        }
        let (limited, _) = try await RelaydAuthHTTP.logIn(port: port, name: "admin-ito", password: Self.password("admin-ito"))
        #expect(limited.status == 429, "even the right password waits, from the address that failed")
        let retryAfter = try #require(limited.header("Retry-After").flatMap { Int($0) })
        #expect((1...60).contains(retryAfter))
        // Failed logins are written per address and minute, at the latest when relayd stops.
        #expect(try await relayd.stop() == 0)
        let log = try String(contentsOf: relayd.directory.appendingPathComponent("data/audit.jsonl"), encoding: .utf8)
        let failures = try log.split(separator: "\n").map { try AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data($0.utf8)) }
            .filter { $0.action == "auth.login_failed" }
        #expect((1...2).contains(failures.count))
        #expect(failures.allSatisfy { $0.actor == "anonymous" && $0.details["address"] == "127.0.0.1" && $0.details["names"] == #"["admin-ito"]"# })
        #expect(failures.compactMap { $0.details["failures"].flatMap(Int.init) }.reduce(0, +) == 6)
        if failures.count == 1 { #expect(failures.first?.details["reasons"] == "rate limited: 1, wrong password: 5") }
        #expect(!log.contains("guess"), "passwords never reach the trail")
    }

    @Test func withoutAccountsRelaydRunsOpenOnLoopbackAndSaysSo() async throws {
        let relayd = try RelaydProcess(configYAML: "srt:\n  listen: 127.0.0.1:{SRT_PORT}\nhttp:\n  listen: 127.0.0.1:{HTTP_PORT}\nsources:\n  - id: heli-1\n    kind: helicopter\n")
        try await relayd.waitReady()
        let session = try await RelaydAuthHTTP.request(port: relayd.httpPort, "GET", "/api/session")
        #expect(session.status == 200)
        #expect(session.json["name"] as? String == "local")
        #expect(session.json["role"] as? String == "admin")
        #expect(session.json["open"] as? Bool == true)
        let caption = try await RelaydAuthHTTP.request(port: relayd.httpPort, "PUT", "/api/program/caption", body: #"{"text": "速報"}"#)
        #expect(caption.status == 200)
        // Open is not open to other web sites the operator's browser has loaded.
        let crossSite = try await RelaydAuthHTTP.request(
            port: relayd.httpPort, "POST", "/api/program/cut", body: #"{"source": "heli-1"}"#, headers: ["Origin": "http://evil.example"])
        #expect(crossSite.status == 403)
        #expect(crossSite.json["error"] as? String == "cross-site request refused")
        let audit = try await RelaydAuthHTTP.request(port: relayd.httpPort, "GET", "/api/audit?action=program.caption")
        #expect(((audit.json["entries"] as? [[String: Any]]) ?? []).first?["actor"] as? String == "local")
        #expect(relayd.log.contains("no accounts configured: the control room and API are open to anyone on this machine"))
        #expect(try await relayd.stop() == 0)
    }

    @Test func withoutAccountsRelaydRefusesToServeHTTPBeyondLoopback() async throws {
        let relayd = try RelaydProcess(configYAML: "srt:\n  listen: 127.0.0.1:{SRT_PORT}\nhttp:\n  listen: 0.0.0.0:{HTTP_PORT}\n")
        #expect(try await relayd.waitForExit() == 2)
        #expect(relayd.log.contains("http.listen: 0.0.0.0:\(relayd.httpPort) is beyond loopback, but no accounts are configured"))
    }

    @Test func theProgramCLIAuthenticatesWithRELAYD_TOKEN() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        defer { relayd.child.signal(SIGKILL) }
        func status(token: String?) async throws -> Int32 {
            let output = relayd.directory.appendingPathComponent("cli-\(UUID().uuidString)")
            let environment = token.map { ["RELAYD_TOKEN=\($0)"] } ?? []
            let child = try ChildProcess(
                ["/usr/bin/env", "-u", "RELAYD_TOKEN"] + environment
                    + [RelaydProcess.binary.path, "program", "status", "--api", "127.0.0.1:\(relayd.httpPort)"],
                standardOutput: output.path, standardError: output.path + ".err")
            return try await child.waitForExit(timeout: .seconds(30))
        }
        #expect(try await status(token: nil) == 1, "401 without a token")
        #expect(try await status(token: Self.token("op-sato")) == 0)
    }

    @Test func hashPasswordPrintsLinesTheConfigAccepts() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("hash.sh")
        try """
            printf 'correct horse\\n' | '\(RelaydProcess.binary.path)' hash-password --iterations 2000
            printf 'tok\\n' | '\(RelaydProcess.binary.path)' hash-password --token
            """.write(to: script, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out")
        let child = try ChildProcess(["/bin/sh", script.path], standardOutput: output.path, standardError: output.path + ".err")
        #expect(try await child.waitForExit(timeout: .seconds(30)) == 0)
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.last == "token_hash: sha256$1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62")
        let configuration = try RelaydConfiguration.parse(yaml: "accounts:\n  - name: sato\n    role: operator\n    \(lines[0])\n    \(lines[1])\n")
        #expect(configuration.accounts.first?.passwordHash?.iterations == 2000)
        #expect(configuration.accounts.first?.passwordHash?.verify("correct horse") == true)
        #expect(configuration.accounts.first?.tokenHash?.verify("tok") == true)
    }
}
