import Foundation
import Testing
import VideoRelay
@testable import relayd

/// Attacks on the login limit through the real relayd, from several loopback addresses
/// (127.0.0.x, the client socket bound to each): parallel guesses cannot slip past the limit,
/// and someone who only knows an account's name cannot lock its owner out.
@Suite(.serialized) struct LoginAttackTests {
    static let password = "the operator's passphrase"

    /// One operator whose hash takes long enough to check (50,000 PBKDF2 rounds) that parallel
    /// attempts are in flight while the first ones are checked (relayd before the fix let a
    /// sixth guess through on this 2-core machine every time).
    static var config: String {
        """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
        accounts:
          - name: sato
            role: operator
            password_hash: \(PasswordHash(password: password, iterations: 50_000))
        """
    }

    /// Runs Tests/RelaydTests/Support/login_attempts.py: `count` logins from `source`.
    static func attempts(port: UInt16, from source: String, name: String, password: String, count: Int, parallel: Bool = false, nameLength: Int = 0) async throws -> [Int] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/login_attempts.py").path
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("login-attempts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }
        var arguments = ["python3", script, String(port), source, name, password, String(count), "--name-length", String(nameLength)]
        if parallel { arguments.append("--parallel") }
        let child = try ChildProcess(arguments, standardOutput: output.path, standardError: output.path + ".err")
        defer { try? FileManager.default.removeItem(atPath: output.path + ".err") }
        let status = try await child.waitForExit(timeout: .seconds(120))
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0, let statuses = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Int] else {
            throw RelaydTestFailure("login_attempts.py exited \(status): \(text) \((try? String(contentsOfFile: output.path + ".err", encoding: .utf8)) ?? "")")
        }
        return statuses
    }

    @Test func fortyParallelWrongPasswordsGetExactlyFive401sAndTheRest429() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let statuses = try await Self.attempts(port: relayd.httpPort, from: "127.0.0.1", name: "sato", password: "guess", count: 40, parallel: true)
        #expect(statuses.filter { $0 == 401 }.count == 5, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 35, "\(statuses)")
        #expect(try await relayd.stop() == 0)
    }

    @Test func anAttackerWhoKnowsTheNameCannotLockTheOwnerOut() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let port = relayd.httpPort
        // The attacker floods wrong passwords for sato from 127.0.0.1, then from two more addresses.
        let flood = try await Self.attempts(port: port, from: "127.0.0.1", name: "sato", password: "guess", count: 20)
        #expect(flood.prefix(5).allSatisfy { $0 == 401 } && flood.dropFirst(5).allSatisfy { $0 == 429 }, "\(flood)")
        for address in ["127.0.0.3", "127.0.0.4"] {
            let more = try await Self.attempts(port: port, from: address, name: "sato", password: "guess", count: 3)
            #expect(more.first == 401, "a clean address gets one guess at a guarded account: \(more)")
            #expect(more.dropFirst().allSatisfy { $0 == 429 }, "and no second one: \(more)")
        }
        // The attacker's own address is still refused, even with the right password.
        #expect(try await Self.attempts(port: port, from: "127.0.0.1", name: "sato", password: Self.password, count: 1) == [429])
        // sato, at another address, logs in.
        #expect(try await Self.attempts(port: port, from: "127.0.0.2", name: "sato", password: Self.password, count: 1) == [200])
        #expect(try await relayd.stop() == 0)
    }
}
