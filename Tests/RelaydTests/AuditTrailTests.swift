import Crypto
import Foundation
import Testing
@testable import relayd

/// The signed, hash-chained audit trail: a run of actions verifies, and every kind of tampering
/// with the file is caught and named.
@Suite struct AuditTrailTests {
    struct Fixture {
        let dataDirectory: URL
        let keyPath: String
        let trail: AuditTrail

        init() async throws {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
            dataDirectory = root.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
            keyPath = root.appendingPathComponent("keys/audit-signing.key").path
            trail = try AuditTrail(dataDirectory: dataDirectory, key: try AuditTrailSigningKey.loadOrCreate(path: keyPath))
            try await trail.append(actor: "relayd", action: "relayd.started")
            try await trail.append(actor: "sato", action: "program.cut", programTime: 12.5, details: ["from": "heli-1", "to": "drone-1"])
            try await trail.append(actor: "sato", action: "program.caption.on", programTime: 20, details: ["text": "速報: 現場上空から中継"])
            try await trail.append(actor: "relayd", action: "program.failover", programTime: 31.2, details: ["from": "drone-1", "to": "slate", "reason": "silent 1 s"])
            try await trail.append(actor: "suzuki", action: "login.failed", details: ["address": "127.0.0.1"])
        }

        var logPath: String { dataDirectory.appendingPathComponent("audit.jsonl").path }
        var headPath: String { dataDirectory.appendingPathComponent("audit.head").path }

        func verify() throws -> AuditTrailVerifier.Outcome {
            AuditTrailVerifier.verify(
                logPath: logPath, headPath: headPath, witnessPath: trail.witnessPath, publicKey: try AuditTrailSigningKey.load(path: keyPath).publicKey)
        }

        func lines() throws -> [String] { try AuditTrail.readLines(logPath) }

        func write(_ lines: [String]) throws {
            try (lines.joined(separator: "\n") + "\n").write(toFile: logPath, atomically: true, encoding: .utf8)
        }

        func problem() throws -> String {
            guard case .tampered(_, let problem) = try verify() else { return "" }
            return problem
        }
    }

    @Test func anUntouchedTrailVerifiesAndContinuesAcrossRestarts() async throws {
        let fixture = try await Fixture()
        #expect(try fixture.verify() == .intact(entries: 5, head: try fixture.trail.head.hash))
        let reopened = try AuditTrail(dataDirectory: fixture.dataDirectory, key: try AuditTrailSigningKey.load(path: fixture.keyPath))
        let sixth = try await reopened.append(actor: "sato", action: "program.caption.off")
        #expect(sixth.seq == 6)
        #expect(sixth.prev == (try fixture.lines()[4]).split(separator: "\"hash\":\"").last.map { String($0.prefix(64)) })
        guard case .intact(let entries, _) = try fixture.verify() else {
            Issue.record("reopened trail does not verify: \(try fixture.verify())")
            return
        }
        #expect(entries == 6)
        let entry = try #require(try reopened.entries().dropFirst(2).first)
        #expect(entry.details["text"] == "速報: 現場上空から中継")
        #expect(entry.programTime == 20)
    }

    @Test func anAlteredEntryIsNamed() async throws {
        let fixture = try await Fixture()
        var lines = try fixture.lines()
        lines[1] = lines[1].replacingOccurrences(of: "\"to\":\"drone-1\"", with: "\"to\":\"mobile-1\"")
        try fixture.write(lines)
        #expect(try fixture.problem() == "entry 2 (line 2) was altered: its content does not match its hash")
    }

    @Test func aRemovedEntryIsNamed() async throws {
        let fixture = try await Fixture()
        var lines = try fixture.lines()
        lines.remove(at: 2)
        try fixture.write(lines)
        #expect(try fixture.problem() == "entry 3 is missing before line 3 (removed)")
    }

    @Test func reorderedEntriesAreCaught() async throws {
        let fixture = try await Fixture()
        var lines = try fixture.lines()
        lines.swapAt(1, 2)
        try fixture.write(lines)
        #expect(try fixture.problem() == "entry 3 (line 2) is out of order: entry 2 comes after it (reordered)")
    }

    @Test func entriesCutOffTheEndAreCaughtByTheSignedHead() async throws {
        let fixture = try await Fixture()
        try fixture.write(Array(try fixture.lines().dropLast(2)))
        #expect(try fixture.problem() == "entries 4 to 5 were removed from the end (the signed head names entry 5)")
    }

    @Test func aChainRewrittenFromTheStartWithAnotherKeyIsCaught() async throws {
        let fixture = try await Fixture()
        // The attacker recomputes every hash and signature with a key of their own, and the head.
        let forger = AuditTrailSigningKey(privateKey: Curve25519.Signing.PrivateKey())
        var previous = ""
        var forged: [String] = []
        for line in try fixture.lines() {
            var entry = try AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data(line.utf8))
            if entry.action == "program.failover" { entry.details["reason"] = "operator cut" }
            entry.prev = previous
            entry.hash = try AuditTrail.hash(entry.content)
            entry.signature = try forger.privateKey.signature(for: Data(entry.hash.utf8)).base64EncodedString()
            previous = entry.hash
            forged.append(String(decoding: try AuditTrailEntry.encoder.encode(entry), as: UTF8.self))
        }
        try fixture.write(forged)
        let head = AuditTrail.Head(seq: 5, hash: previous, signature: try AuditTrail.signHead(seq: 5, hash: previous, key: forger), publicKey: forger.publicKeyHex)
        try AuditTrailEntry.encoder.encode(head).write(to: URL(fileURLWithPath: fixture.headPath))
        #expect(try fixture.problem() == "entry 1 (line 1) is not signed by the audit key (log rewritten)")
    }

    @Test func anAlteredHeadIsCaught() async throws {
        let fixture = try await Fixture()
        var head = try AuditTrailEntry.decoder.decode(AuditTrail.Head.self, from: Data(contentsOf: URL(fileURLWithPath: fixture.headPath)))
        head.seq = 4
        try AuditTrailEntry.encoder.encode(head).write(to: URL(fileURLWithPath: fixture.headPath))
        #expect(try fixture.problem() == "the signed head was altered")
    }

    @Test func theVerifyCommandExitsNonZeroAndNamesTheEntry() async throws {
        let fixture = try await Fixture()
        let intact = try await RelaydProcess.run(["audit", "verify", "--data-dir", fixture.dataDirectory.path, "--audit-key", fixture.keyPath])
        #expect(intact.status == 0)
        #expect(intact.output.contains("audit log intact: 5 entries"))
        var lines = try fixture.lines()
        lines[3] = lines[3].replacingOccurrences(of: "silent 1 s", with: "silent 9 s")
        try fixture.write(lines)
        let tampered = try await RelaydProcess.run(["audit", "verify", "--data-dir", fixture.dataDirectory.path, "--audit-key", fixture.keyPath])
        #expect(tampered.status == 1)
        #expect(tampered.output.contains("entry 4 (line 4) was altered"))
    }

    @Test func csvExportQuotesFieldsAndListsEveryEntry() async throws {
        let fixture = try await Fixture()
        let csv = AuditTrailEntry.csv(try fixture.trail.entries())
        let rows = csv.components(separatedBy: "\r\n").dropLast()
        #expect(rows.count == 6)
        #expect(rows.first == "seq,time,actor,action,program_time,details,prev,hash,signature")
        #expect(rows.dropFirst(2).first?.contains(",sato,program.cut,12.5,from=heli-1; to=drone-1,") == true)
    }

    @Test func aLogRolledBackToAnOlderSignedHeadIsCaughtByTheWitnessOnly() async throws {
        let fixture = try await Fixture()
        let lines = try fixture.lines()
        let headAfterThree = try AuditTrail.signedHead(
            seq: 3, hash: try AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data(lines[2].utf8)).hash,
            key: try AuditTrailSigningKey.load(path: fixture.keyPath))
        try fixture.write(Array(lines.prefix(3)))
        try AuditTrailEntry.encoder.encode(headAfterThree).write(to: URL(fileURLWithPath: fixture.headPath))
        let withoutWitness = AuditTrailVerifier.verify(
            logPath: fixture.logPath, headPath: fixture.headPath, witnessPath: nil, publicKey: try AuditTrailSigningKey.load(path: fixture.keyPath).publicKey)
        #expect(withoutWitness == .unwitnessed(entries: 3, head: headAfterThree.hash), "the data directory alone cannot tell")
        #expect(try fixture.problem().hasPrefix("entries 4 to 5 were removed from the end: the witness "))
        // relayd will not append to it: that would move the witness and hide the rollback.
        #expect(throws: AuditTrailError.self) { try AuditTrail(dataDirectory: fixture.dataDirectory, key: try AuditTrailSigningKey.load(path: fixture.keyPath)) }
    }

    @Test func aNeverWrittenLogIsEmptyAndAWipedOneIsTampered() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let key = try AuditTrailSigningKey.loadOrCreate(path: root.appendingPathComponent("key").path)
        let log = data.appendingPathComponent("audit.jsonl").path
        let head = data.appendingPathComponent("audit.head").path
        let witness = AuditTrailWitness.path(keyPath: root.appendingPathComponent("key").path, dataDirectory: data)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        #expect(AuditTrailVerifier.verify(logPath: log, headPath: head, witnessPath: witness, publicKey: key.publicKey) == .empty)
        let trail = try AuditTrail(dataDirectory: data, key: key)
        try await trail.append(actor: "relayd", action: "relayd.started")
        try Data().write(to: URL(fileURLWithPath: log))
        try FileManager.default.removeItem(atPath: head)
        guard case .tampered(_, let problem) = AuditTrailVerifier.verify(logPath: log, headPath: head, witnessPath: witness, publicKey: key.publicKey) else {
            Issue.record("a wiped log verified")
            return
        }
        #expect(problem.contains("(wiped)"))
    }

    @Test func aLineWithAnExtraOrRepeatedKeyIsNotCanonical() async throws {
        let fixture = try await Fixture()
        let original = try fixture.lines()
        for smuggled in [#","actor":"mallory"}"#, #","approved":"yes"}"#, "} "] {
            var lines = original
            lines[1] = String(lines[1].dropLast()) + smuggled
            try fixture.write(lines)
            #expect(try fixture.problem() == "line 2 is not in canonical form: extra, repeated or reordered keys (altered)", "\(smuggled)")
        }
    }

    @Test func aTornTailIsSetAsideAtOpenAndTheChainContinues() async throws {
        let fixture = try await Fixture()
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: fixture.logPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"action":"program.cut","actor":"sa"#.utf8))
        try handle.close()
        let reopened = try AuditTrail(dataDirectory: fixture.dataDirectory, key: try AuditTrailSigningKey.load(path: fixture.keyPath))
        let entries = try reopened.entries()
        #expect(entries.map(\.seq) == [1, 2, 3, 4, 5, 6])
        #expect(entries.last?.action == "audit.torn_tail_set_aside")
        #expect(entries.last?.details["bytes"] == "35")
        let setAside = try FileManager.default.contentsOfDirectory(atPath: fixture.dataDirectory.path).filter { $0.hasPrefix("audit.jsonl.torn-") }
        #expect(setAside == [entries.last?.details["file"] ?? ""])
        #expect(try fixture.verify() == .intact(entries: 6, head: try reopened.head.hash))
    }

    @Test func csvCellsCannotRunAsFormulasOrBreakRows() async throws {
        let fixture = try await Fixture()
        let entry = try await fixture.trail.append(actor: "=cmd|' /C calc'!A0", action: "program.caption.on", details: ["text": "line one\r\nline two"])
        let row = entry.csvRow
        #expect(row.hasPrefix("6,\(entry.time),'=cmd|' /C calc'!A0,program.caption.on,,\"text=line one\r\nline two\","))
        #expect(row.hasSuffix("\r\n"))
    }
}
