import Foundation
import Testing
import VideoRelay
@testable import relayd

/// Attacks on the audit trail through the real relayd and `relayd audit verify`: flooding it
/// with failed logins, rolling it back to a head a viewer fetched, wiping it, smuggling a second
/// key into a line, and a line torn by a crash.
@Suite(.serialized) struct AuditTrailAttackTests {
    /// The program (on the slate) is not recorded, so the log holds only the entries a test makes.
    static let openConfig = "srt:\n  listen: 127.0.0.1:{SRT_PORT}\nhttp:\n  listen: 127.0.0.1:{HTTP_PORT}\nsources:\n  - id: heli-1\n    kind: helicopter\nprogram:\n  record: false\n"

    static func data(_ relayd: RelaydProcess) -> URL { relayd.directory.appendingPathComponent("data") }
    static func keyPath(_ relayd: RelaydProcess) -> String { relayd.directory.appendingPathComponent("keys/audit-signing.key").path }
    static func logPath(_ relayd: RelaydProcess) -> String { data(relayd).appendingPathComponent("audit.jsonl").path }
    static func headPath(_ relayd: RelaydProcess) -> String { data(relayd).appendingPathComponent("audit.head").path }

    static func verify(_ relayd: RelaydProcess) async throws -> (status: Int32, output: String) {
        try await RelaydProcess.run(["audit", "verify", "--data-dir", data(relayd).path, "--audit-key", keyPath(relayd)])
    }

    static func lines(_ relayd: RelaydProcess) throws -> [String] { try AuditTrail.readLines(logPath(relayd)) }

    static func write(_ lines: [String], to relayd: RelaydProcess) throws {
        try (lines.map { $0 + "\n" }.joined()).write(toFile: logPath(relayd), atomically: false, encoding: .utf8)
    }

    /// Three operator actions (open mode: the actor is X-Actor).
    static func captions(_ relayd: RelaydProcess, _ texts: [String]) async throws {
        for text in texts {
            let body = try JSONSerialization.data(withJSONObject: ["text": text])
            let (status, _) = try await RelaydHTTP.request(port: relayd.httpPort, method: "PUT", path: "/api/program/caption", body: body, headers: ["X-Actor": "sato"])
            #expect(status == 200)
        }
    }

    static func json(_ relayd: RelaydProcess, _ path: String) async throws -> [String: Any] {
        try await json(port: relayd.httpPort, path)
    }

    /// relayd started again on a stopped one's config, data dir and key (same ports).
    struct Restarted {
        let child: ChildProcess
        let logFile: URL
        let httpPort: UInt16

        init(_ stopped: RelaydProcess) throws {
            logFile = stopped.directory.appendingPathComponent("relayd-restarted.log")
            httpPort = stopped.httpPort
            child = try ChildProcess(
                [RelaydProcess.binary.path, "serve", "--config", stopped.directory.appendingPathComponent("relayd.yaml").path,
                 "--data-dir", AuditTrailAttackTests.data(stopped).path, "--audit-key", AuditTrailAttackTests.keyPath(stopped)],
                standardOutput: "/dev/null", standardError: logFile.path)
        }

        var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

        func waitReady() async throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while true {
                if let status = child.exitStatus { throw RelaydTestFailure("relayd exited (\(status)):\n\(log)") }
                if let (status, _) = try? await RelaydHTTP.get(port: httpPort, path: "/healthz"), status == 200 { return }
                if ContinuousClock.now > deadline { throw RelaydTestFailure("relayd not ready:\n\(log)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }

        func stop() async throws -> Int32 {
            child.signal(SIGTERM)
            return try await child.waitForExit(timeout: .seconds(10))
        }
    }

    static func json(port: UInt16, _ path: String) async throws -> [String: Any] {
        let (_, body) = try await RelaydHTTP.get(port: port, path: path)
        return (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
    }

    @Test func aFloodOfFailedLoginsWithLongNamesAddsOneShortEntryPerAddressAndMinute() async throws {
        let relayd = try RelaydProcess(configYAML: LoginAttackTests.config)
        try await relayd.waitReady()
        // 300 attempts with 15 KB names (all but the first five refused by the limit).
        let statuses = try await LoginAttackTests.attempts(
            port: relayd.httpPort, from: "127.0.0.1", name: "mallory-", password: "guess", count: 300, nameLength: 15_000)
        #expect(statuses.count == 300)
        #expect(try await relayd.stop() == 0, "the pending minute is written at shutdown")
        let size = try FileManager.default.attributesOfItem(atPath: Self.logPath(relayd))[.size] as? Int ?? 0
        #expect(size < 8_000, "audit.jsonl is \(size) bytes")
        let entries = try AuditTrail.readLines(Self.logPath(relayd)).map { try AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data($0.utf8)) }
        let failures = entries.filter { $0.action == "auth.login_failed" }
        #expect((1...2).contains(failures.count), "one per minute: \(failures.count)")
        #expect(failures.compactMap { $0.details["failures"].flatMap(Int.init) }.reduce(0, +) == 300)
        #expect(failures.allSatisfy { $0.details["address"] == "127.0.0.1" && $0.actor == "anonymous" })
        let names = try failures.flatMap { try JSONDecoder().decode([String].self, from: Data(($0.details["names"] ?? "[]").utf8)) }
        #expect(!names.isEmpty && names.allSatisfy { $0.unicodeScalars.count <= FailedLoginRecorder.nameLength + 1 && $0.hasPrefix("mallory-") })
        // The attempts may straddle a minute: the refusals by the limit are in one of its entries.
        #expect(failures.contains { $0.details["reasons"]?.contains("rate limited: ") == true })
        #expect(try await Self.verify(relayd).status == 0)
    }

    @Test func pagesComeFromTheIndexOldestOrNewestFirst() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        try await Self.captions(relayd, ["一", "二", "三"])
        let newest = try await Self.json(relayd, "/api/audit?limit=1&order=newest")
        #expect(newest["total"] as? Int == 4)
        #expect(((newest["entries"] as? [[String: Any]])?.first?["details"] as? [String: String])?["text"] == "三")
        let middle = try await Self.json(relayd, "/api/audit?limit=2&offset=1")
        #expect((middle["entries"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } == [2, 3])
        let middleNewest = try await Self.json(relayd, "/api/audit?limit=2&offset=1&order=newest")
        #expect((middleNewest["entries"] as? [[String: Any]])?.compactMap { $0["seq"] as? Int } == [3, 2])
        let past = try await Self.json(relayd, "/api/audit?limit=5&offset=10")
        #expect((past["entries"] as? [[String: Any]])?.isEmpty == true)
        #expect(try await relayd.stop() == 0)
    }

    @Test func aLogRolledBackToAHeadAViewerFetchedIsCaughtAndRelaydRefusesToExtendIt() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        try await Self.captions(relayd, ["first"])
        // What any viewer may fetch: the signed head after entry 2.
        let (_, fetchedHead) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit/head")
        #expect((try JSONSerialization.jsonObject(with: fetchedHead) as? [String: Any])?["seq"] as? Int == 2)
        try await Self.captions(relayd, ["second: the one to hide", "third"])
        #expect(try await relayd.stop() == 0)
        // The log cut back to entry 2 and the fetched head put back: both genuinely signed.
        try Self.write(Array(try Self.lines(relayd).prefix(2)), to: relayd)
        try fetchedHead.write(to: URL(fileURLWithPath: Self.headPath(relayd)))
        let verified = try await Self.verify(relayd)
        #expect(verified.status == 1)
        #expect(verified.output.contains("entries 3 to 5 were removed from the end: the witness"), "\(verified.output)")
        #expect(verified.output.contains("(rolled back to an older signed head)"))
        // relayd will not append to it (that would move the witness and hide the rollback).
        let restarted = try Restarted(relayd)
        #expect(try await restarted.child.waitForExit(timeout: .seconds(20)) != 0)
        #expect(restarted.log.contains("holds 2 entries but its witness"), "\(restarted.log)")
    }

    @Test func aWipedLogIsTamperedAndANeverWrittenOneIsEmptyNotIntact() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        #expect(try await relayd.stop() == 0)
        try Data().write(to: URL(fileURLWithPath: Self.logPath(relayd)))
        try FileManager.default.removeItem(atPath: Self.headPath(relayd))
        let wiped = try await Self.verify(relayd)
        #expect(wiped.status == 1)
        #expect(wiped.output.contains("the log and its signed head are gone, but the witness"), "\(wiped.output)")

        let fresh = relayd.directory.appendingPathComponent("fresh-data")
        try FileManager.default.createDirectory(at: fresh, withIntermediateDirectories: true)
        try Data().write(to: fresh.appendingPathComponent("audit.jsonl"))
        let empty = try await RelaydProcess.run(["audit", "verify", "--data-dir", fresh.path, "--audit-key", Self.keyPath(relayd)])
        #expect(empty.status == 0)
        #expect(empty.output.contains("audit log empty: nothing to verify"), "\(empty.output)")
        #expect(!empty.output.contains("intact"))
    }

    @Test func aSecondActorKeyOrAnUnknownKeyInALineIsCaught() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        try await Self.captions(relayd, ["速報"])
        #expect(try await relayd.stop() == 0)
        let original = try Self.lines(relayd)
        let captionLine = try #require(original.firstIndex { $0.contains("program.caption.on") })
        for smuggled in [#","actor":"mallory"}"#, #","note":"approved by the chief"}"#] {
            var lines = original
            lines[captionLine] = String(lines[captionLine].dropLast()) + smuggled
            try Self.write(lines, to: relayd)
            let verified = try await Self.verify(relayd)
            #expect(verified.status == 1, "\(smuggled)")
            #expect(verified.output.contains("line \(captionLine + 1) is not in canonical form"), "\(verified.output)")
        }
        try Self.write(original, to: relayd)
        #expect(try await Self.verify(relayd).status == 0)
    }

    @Test func aTornLastLineIsSetAsideAndTheChainContinues() async throws {
        let relayd = try RelaydProcess(configYAML: Self.openConfig)
        try await relayd.waitReady()
        try await Self.captions(relayd, ["before the crash"])
        #expect(try await relayd.stop(signal: SIGKILL) != 0)
        let lines = try Self.lines(relayd)
        let torn = String(lines[lines.count - 1].prefix(40))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: Self.logPath(relayd)))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(torn.utf8))
        try handle.close()

        let restarted = try Restarted(relayd)
        try await restarted.waitReady()
        let setAside = try FileManager.default.contentsOfDirectory(atPath: Self.data(relayd).path).filter { $0.hasPrefix("audit.jsonl.torn-") }
        #expect(setAside.count == 1)
        let kept = try String(contentsOfFile: Self.data(relayd).appendingPathComponent(setAside.first ?? "").path, encoding: .utf8)
        #expect(kept == torn)
        #expect(restarted.log.contains("audit log ended in a torn line"))
        let page = try await Self.json(port: restarted.httpPort, "/api/audit?order=newest&limit=3")
        let entries = (page["entries"] as? [[String: Any]]) ?? []
        // The caption on air before the crash is put back (program.resume) after the start.
        #expect(entries.compactMap { $0["action"] as? String } == ["program.resume", "relayd.started", "audit.torn_tail_set_aside"])
        #expect(entries.last?["seq"] as? Int == lines.count + 1, "the chain continues, it does not restart at 1")
        #expect(try await restarted.stop() == 0)
        let verified = try await Self.verify(relayd)
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("audit log intact"))
    }
}
