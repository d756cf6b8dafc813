import Foundation
import Testing
import VideoRelay
@testable import relayd

/// Attacks on relayd's HTTP transport, made through the real relayd with real clients (curl,
/// raw sockets from scripts/attack-slowloris): DNS rebinding, slowloris, huge bodies, a shared
/// bearer token, files others can read, and a side door that skipped authentication.
@Suite(.serialized) struct HTTPHardeningTests {
    static let openConfig = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
        """

    static let password = "correct horse battery staple"
    static let token = "token-of-sato-0123456789abcdef"

    /// One operator with a password and a token, and one extra allowed host name.
    static var accountsConfig: String {
        """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
          allowed_hosts: [relay.example.org]
        program:
          pipeline: false
        accounts:
          - name: sato
            role: operator
            password_hash: \(PasswordHash(password: password, iterations: 1000))
            token_hash: \(TokenHash(token: token))
        """
    }

    // MARK: - DNS rebinding

    @Test func aPageOnAnotherHostNameGets421InOpenMode() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        let port = relayd.httpPort

        // Given a page on evil.example whose name now resolves to 127.0.0.1: the browser sends
        // Host and a matching Origin, which passed the Origin check alone.
        let evil = "evil.example:\(port)"
        let read = try await Curl.run(["-H", "Host: \(evil)", "http://127.0.0.1:\(port)/api/sources"])
        #expect(read.status == 421)
        #expect(read.json["error"] as? String == "misdirected request")
        #expect((read.json["detail"] as? String)?.contains("evil.example") == true)
        let write = try await Curl.run([
            "-X", "POST", "-H", "Host: \(evil)", "-H", "Origin: http://\(evil)", "-H", "Content-Type: application/json",
            "--data", #"{"source":"heli-1"}"#, "http://127.0.0.1:\(port)/api/program/cut",
        ])
        #expect(write.status == 421)
        let health = try await Curl.run(["-H", "Host: \(evil)", "http://127.0.0.1:\(port)/healthz"])
        #expect(health.status == 421)
        #expect(try await Curl.run(["-H", "Host: 127.0.0.1.evil.example", "http://127.0.0.1:\(port)/healthz"]).status == 421)
        #expect(try await Curl.run(["-H", "Host: localhost:\(port + 1)", "http://127.0.0.1:\(port)/healthz"]).status == 421)

        // No Host at all, in HTTP/1.1 and HTTP/1.0 (curl drops the header given empty).
        #expect(try await Curl.run(["-H", "Host:", "http://127.0.0.1:\(port)/healthz"]).status == 421)
        #expect(try await Curl.run(["--http1.0", "-H", "Host:", "http://127.0.0.1:\(port)/healthz"]).status == 421)

        // The loopback names, with or without the port, are served.
        for host in ["127.0.0.1:\(port)", "127.0.0.1", "localhost:\(port)", "LOCALHOST", "[::1]:\(port)", "localhost."] {
            #expect(try await Curl.run(["-H", "Host: \(host)", "http://127.0.0.1:\(port)/healthz"]).status == 200, "Host: \(host)")
        }
    }

    @Test func aForeignHostIsRefusedBeforeAuthenticationAndConfiguredNamesAreServed() async throws {
        let relayd = try RelaydProcess(configYAML: Self.accountsConfig)
        try await relayd.waitReady()
        let port = relayd.httpPort
        let url = "http://127.0.0.1:\(port)/api/sources"
        let bearer = "Authorization: Bearer \(Self.token)"

        // A foreign name is 421 whether or not the request carries valid credentials.
        #expect(try await Curl.run(["-H", "Host: evil.example", url]).status == 421)
        #expect(try await Curl.run(["-H", "Host: evil.example", "-H", bearer, url]).status == 421)
        // The configured name reaches authentication, with any port given as the listen port.
        #expect(try await Curl.run(["-H", "Host: relay.example.org", url]).status == 401)
        #expect(try await Curl.run(["-H", "Host: relay.example.org:\(port)", "-H", bearer, url]).status == 200)
        #expect(try await Curl.run(["-H", "Host: Relay.Example.Org", "-H", bearer, url]).status == 200)
    }

    @Test func checkConfigRejectsMalformedAllowedHosts() throws {
        let yaml = """
            http:
              listen: 127.0.0.1:8080
              allowed_hosts: ["relay.example.org", "*.example.org", "http://relay.example.org", "relay.example.org:99999", "[::1", ""]
              idle_timeout_ms: 10
              max_connections: 1
            """
        #expect {
            try RelaydConfiguration.parse(yaml: yaml)
        } throws: { error in
            let text = "\(error)"
            return text.contains("http.allowed_hosts: [1] must be a host name") && text.contains("\"*.example.org\"")
                && text.contains("[2] must be") && text.contains("[3] must be") && text.contains("[4] must be") && text.contains("[5] must be")
                && !text.contains("[0] must be")
                && text.contains("http.idle_timeout_ms: must be between 1000 and 600000") && text.contains("http.max_connections: must be between 16")
        }
        let good = try RelaydConfiguration.parse(yaml: """
            http:
              listen: 0.0.0.0:8080
              allowed_hosts: [relay.example.org, "192.0.2.10:8443", "[2001:db8::1]"]
              idle_timeout_ms: 5000
              max_connections: 300
            accounts:
              - name: sato
                role: operator
                token_hash: \(TokenHash(token: Self.token))
            """)
        #expect(good.httpServer.allowedHosts.map(\.description) == ["relay.example.org", "192.0.2.10:8443", "[2001:db8::1]"])
        #expect(good.httpServer.idleTimeout == .seconds(5))
        #expect(good.httpServer.maximumConnections == 300)
        let hosts = AllowedHosts(listen: good.httpListen, configured: good.httpServer.allowedHosts)
        #expect(hosts.allows(authority: "192.0.2.10:8443"))
        #expect(!hosts.allows(authority: "192.0.2.10"), "an entry with a port matches that port only")
        #expect(hosts.allows(authority: "[2001:db8::1]:8080"))
        #expect(!hosts.allows(authority: "0.0.0.0.evil.example:8080"))
    }

    // MARK: - Slowloris

    /// 700 connections that never finish their request head, against relayd limited to 512
    /// open files: /healthz keeps answering, and relayd closes every one of them in the end.
    @Test(.timeLimit(.minutes(3))) func slowlorisClientsNeitherExhaustFilesNorStopHealthz() async throws {
        let relayd = try RelaydProcess(
            configYAML: """
                srt:
                  listen: 127.0.0.1:{SRT_PORT}
                http:
                  listen: 127.0.0.1:{HTTP_PORT}
                program:
                  pipeline: false
                """, launcher: ["prlimit", "--nofile=512"])
        try await relayd.waitReady()
        #expect(relayd.log.contains("process.open_file_limit=512"), "\(relayd.log)")

        let result = try await Self.attackSlowloris(port: relayd.httpPort, clients: 700, seconds: 5, awaitEOF: 60)
        let opened = try #require(result["connections_opened"] as? Int)
        #expect(opened > 512, "the attack held more connections than relayd may open files: \(result)")
        let probes = try #require(result["probes"] as? Int)
        #expect(probes > 0)
        #expect(result["probes_answered_200"] as? Int == probes, "every /healthz probe answered during the attack: \(result)")
        #expect(result["connections_closed_by_server"] as? Int == opened, "relayd closed every header-less connection: \(result)")

        #expect(try await Curl.run(["http://127.0.0.1:\(relayd.httpPort)/healthz"]).status == 200)
        #expect(relayd.child.isRunning)
    }

    /// Runs scripts/attack-slowloris against 127.0.0.1:port and returns its JSON report.
    static func attackSlowloris(port: UInt16, clients: Int, seconds: Int, awaitEOF: Int) async throws -> [String: Any] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/attack-slowloris").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("slowloris-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: output) }
        let attack = try ChildProcess(
            [script, "--port", "\(port)", "--clients", "\(clients)", "--seconds", "\(seconds)", "--await-eof", "\(awaitEOF)"],
            standardOutput: output.path, standardError: output.path + ".err")
        let status = try await attack.waitForExit(timeout: .seconds(Double(seconds + awaitEOF + 60)))
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: output.path + ".err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output.path + ".err")
        guard status == 0, let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw RelaydTestFailure("attack-slowloris failed (\(status)): \(text) \(errors)")
        }
        return json
    }

    // MARK: - Bodies

    /// 100 MB to a FieldOps route and to a program route, streamed (chunked) and announced
    /// (Content-Length): every one is a JSON 413, and relayd's memory does not grow with it.
    @Test(.timeLimit(.minutes(3))) func hundredMegabyteBodiesAre413WithFlatMemory() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        let port = relayd.httpPort
        let big = relayd.directory.appendingPathComponent("100MB.json")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 100 << 20)  // sparse: 100 MB of zero bytes without writing them
        try handle.close()

        // Warm each route once with a small body, so the baseline includes what they allocate.
        #expect(try await Curl.run(["-X", "POST", "-H", "Content-Type: application/json", "--data", "{}", "http://127.0.0.1:\(port)/api/fieldops/units"]).status == 422)
        #expect(try await Curl.run(["-X", "POST", "-H", "Content-Type: application/json", "--data", "{}", "http://127.0.0.1:\(port)/api/program/cut"]).status == 422)
        let before = try Self.residentKilobytes(relayd.child.pid)

        for path in ["/api/fieldops/units", "/api/program/cut"] {
            let url = "http://127.0.0.1:\(port)\(path)"
            // Streamed from a pipe: no length known in advance, so the server must stop reading at its limit.
            let streamed = try await Curl.run(
                ["-X", "POST", "-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked", "-T", "-", url], stdin: big.path)
            // Announced: refused from the Content-Length alone.
            let announced = try await Curl.run(["-X", "POST", "-H", "Content-Type: application/json", "-T", big.path, url])
            for answer in [streamed, announced] {
                #expect(answer.status == 413, "\(path): \(answer.status) \(answer.text)")
                #expect(answer.json["error"] as? String == "request body too large", "\(path): \(answer.text)")
            }
        }
        // A route that reads no body at all refuses an announced one past every route's limit.
        let health = try await Curl.run(["-X", "GET", "-T", big.path, "http://127.0.0.1:\(port)/healthz"])
        #expect(health.status == 413, "\(health.text)")
        let after = try Self.residentKilobytes(relayd.child.pid)
        // 100 MB held anywhere would show as at least 100,000 kB; allow for ordinary growth.
        #expect(after - before < 40_000, "VmRSS \(before) kB before, \(after) kB after")
        #expect(try await Curl.run(["http://127.0.0.1:\(port)/healthz"]).status == 200)
    }

    static func residentKilobytes(_ pid: pid_t) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw RelaydTestFailure("no VmRSS for \(pid)") }
        return kilobytes
    }

    // MARK: - Bearer tokens

    @Test func aBearerTokenSharedByTwoAccountsIsRefusedNamingBoth() async throws {
        let shared = TokenHash(token: Self.token).description
        // The same token written with upper-case hex digits: the text differs, the hash does not.
        let sharedUpper = "sha256$" + shared.dropFirst("sha256$".count).uppercased()
        let config = """
            srt:
              listen: 127.0.0.1:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            accounts:
              - name: abe-viewer
                role: viewer
                token_hash: \(shared)
              - name: ito-admin
                role: admin
                token_hash: \(sharedUpper)
              - name: mori
                role: coordinator
                token_hash: \(TokenHash(token: "another token entirely"))
            """
        let relayd = try RelaydProcess(configYAML: config)
        #expect(try await relayd.waitForExit() == 2)
        let message = "accounts: [1].token_hash is the same token as [0].token_hash: accounts \"abe-viewer\" and \"ito-admin\" share one bearer token"
        #expect(relayd.log.contains(message), "\(relayd.log)")
        #expect(!relayd.log.contains("mori"))

        let file = relayd.directory.appendingPathComponent("check.yaml")
        try config.replacingOccurrences(of: "{SRT_PORT}", with: "9000").replacingOccurrences(of: "{HTTP_PORT}", with: "8080")
            .write(to: file, atomically: true, encoding: .utf8)
        let check = try await RelaydProcess.run(["check-config", file.path])
        #expect(check.status == 2)
        #expect(check.output.contains(message), "\(check.output)")
    }

    // MARK: - Files

    @Test func dataFilesAreCreatedForTheOwnerOnlyAndAnOpenDataDirectoryIsTightened() async throws {
        let relayd = try RelaydProcess(configYAML: Self.accountsConfig)
        try await relayd.waitReady()
        let port = relayd.httpPort
        // A login writes the sessions file (before it answers); the database opened in WAL mode.
        let (login, cookie) = try await RelaydAuthHTTP.logIn(port: port, name: "sato", password: Self.password)
        #expect(login.status == 200)
        #expect(cookie != nil)

        let data = relayd.directory.appendingPathComponent("data")
        #expect(try Self.mode(data.path) == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: data.path)
        for name in ["fieldops.sqlite", "fieldops.sqlite-wal", "fieldops.sqlite-shm", "audit.jsonl", "sessions.json"] {
            #expect(files.contains(name), "\(name) in \(files)")
        }
        for name in files {
            #expect(try Self.mode(data.appendingPathComponent(name).path) == 0o600, "\(name)")
        }
        #expect(try await relayd.stop() == 0)

        // An existing data directory open to others is tightened at start, with a log line.
        #expect(chmod(data.path, 0o755) == 0)
        let log = relayd.directory.appendingPathComponent("restart.log")
        let restarted = try ChildProcess(
            [RelaydProcess.binary.path, "serve", "--config", relayd.directory.appendingPathComponent("relayd.yaml").path,
             "--data-dir", data.path, "--audit-key", relayd.directory.appendingPathComponent("keys/audit-signing.key").path],
            standardError: log.path)
        defer { restarted.signal(SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await Curl.run(["http://127.0.0.1:\(port)/healthz"]).status != 200 {
            guard ContinuousClock.now < deadline, restarted.isRunning else { throw RelaydTestFailure("restart failed") }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try Self.mode(data.path) == 0o700)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("data directory was open to other users; tightened to 0700"), "\(text)")
        #expect(text.contains("data.previous_mode=755"), "\(text)")
    }

    static func mode(_ path: String) throws -> mode_t {
        var status = stat()
        guard stat(path, &status) == 0 else { throw RelaydTestFailure("cannot stat \(path)") }
        return status.st_mode & 0o777
    }

    // MARK: - No side door

    @Test func theUnauthenticatedFieldOpsServerCommandIsGone() async throws {
        let run = try await RelaydProcess.run(["fieldops", "serve-http", "--port", "0", "--data-dir", FileManager.default.temporaryDirectory.path + "/no-side-door"])
        // Refused as an unknown command line; it used to start serving FieldOps to anyone.
        #expect(run.status != 0)
        #expect(run.output.contains("Usage: relayd fieldops"), "\(run.output)")
    }
}

/// curl, as an operator or an attacker would run it: status, body text and its JSON.
enum Curl {
    struct Answer {
        var status: Int
        var text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:] }
    }

    /// Runs `curl -sS -o BODY -w %{http_code} ARGS`; `stdin` is a file piped to curl's standard input.
    static func run(_ arguments: [String], stdin: String? = nil) async throws -> Answer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        defer {
            for suffix in [".body", ".status", ".err"] { try? FileManager.default.removeItem(atPath: scratch.path + suffix) }
        }
        let command = ["curl", "-sS", "--max-time", "60", "-o", scratch.path + ".body", "-w", "%{http_code}"] + arguments
        let child: ChildProcess
        if let stdin {
            // ChildProcess reads from /dev/null; a shell gives curl the file as a pipe (no length).
            let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            child = try ChildProcess(["sh", "-c", "cat '\(stdin)' | \(quoted)"], standardOutput: scratch.path + ".status", standardError: scratch.path + ".err")
        } else {
            child = try ChildProcess(command, standardOutput: scratch.path + ".status", standardError: scratch.path + ".err")
        }
        _ = try await child.waitForExit(timeout: .seconds(90))
        let status = Int((try? String(contentsOfFile: scratch.path + ".status", encoding: .utf8)) ?? "") ?? 0
        let text = (try? String(contentsOfFile: scratch.path + ".body", encoding: .utf8)) ?? ""
        return Answer(status: status, text: text)
    }
}
