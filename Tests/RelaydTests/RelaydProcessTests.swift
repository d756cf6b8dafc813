import Foundation
import Testing
import VideoRelay
@testable import relayd

/// The real relayd binary: its HTTP API, its refusal to start on a bad config, its shutdown.
@Suite(.serialized) struct RelaydProcessTests {
    static let config = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
            label: ヘリ1
          - id: drone-1
            kind: drone
        users:
          - name: hq
            request: [program]
        sinks:
          - id: hq
            name: 警察本部
            user: hq
        """

    @Test func apiShowsALiveSourceAndSinksAndShutsDownCleanlyOnSIGTERM() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }

        var live: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(15)
        // Live, and with its first SRT statistics (read once a second).
        while live["state"] as? String != "live" || live["srt"] == nil {
            guard ContinuousClock.now < deadline else { throw RelaydTestFailure("heli-1 never live:\n\(relayd.log)") }
            try await Task.sleep(for: .milliseconds(100))
            let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/sources/heli-1")
            live = (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
        #expect(live["kind"] as? String == "helicopter")
        #expect(live["label"] as? String == "ヘリ1")
        #expect(live["payload_format"] as? String == "mpegts")
        #expect((live["srt"] as? [String: Any])?["rtt_milliseconds"] != nil)

        let (listStatus, listBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/sources")
        #expect(listStatus == 200)
        let list = try #require(try JSONSerialization.jsonObject(with: listBody) as? [[String: Any]])
        #expect(list.map { $0["id"] as? String } == ["heli-1", "drone-1"])
        #expect(list.last?["state"] as? String == "offline")

        let (missingStatus, missingBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/sources/nope")
        #expect(missingStatus == 404)
        let missing = try #require(try JSONSerialization.jsonObject(with: missingBody) as? [String: Any])
        #expect(missing["error"] as? String == "unknown source")
        #expect(missing["detail"] as? String == "nope")

        let (sinksStatus, sinksBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/sinks")
        #expect(sinksStatus == 200)
        let sinks = try #require(try JSONSerialization.jsonObject(with: sinksBody) as? [[String: Any]])
        #expect(sinks.first?["name"] as? String == "警察本部")
        #expect(sinks.first?["mode"] as? String == "pull")
        #expect(sinks.first?["connected"] as? Bool == false)

        let (metricsStatus, metricsBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics")
        #expect(metricsStatus == 200)
        let metrics = String(decoding: metricsBody, as: UTF8.self)
        #expect(metrics.contains("relay_source_up{source=\"heli-1\",state=\"live\"} 1"))
        #expect(metrics.contains("# TYPE relay_source_bytes_total counter"))
        #expect(metrics.contains("relay_sink_reconnects_total{sink=\"hq\"} 0"))
        #expect(metrics.contains("relay_source_rtt_milliseconds{source=\"heli-1\"}"))

        let (unknownStatus, unknownBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/nothing-here")
        #expect(unknownStatus == 404)
        #expect((try JSONSerialization.jsonObject(with: unknownBody) as? [String: Any])?["error"] as? String == "not found")

        let (headStatus, headBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit/head")
        #expect(headStatus == 200)
        let head = try #require(try JSONSerialization.jsonObject(with: headBody) as? [String: Any])
        // relayd.started is the first entry; the live source's recording.started may follow.
        #expect((1...3).contains(head["seq"] as? Int ?? 0))
        #expect((head["hash"] as? String)?.count == 64)
        #expect((head["public_key"] as? String)?.count == 64)
        let (auditStatus, auditBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?action=relayd")
        #expect(auditStatus == 200)
        let audit = try #require(try JSONSerialization.jsonObject(with: auditBody) as? [String: Any])
        #expect(audit["total"] as? Int == 1)
        #expect(((audit["entries"] as? [[String: Any]])?.first)?["action"] as? String == "relayd.started")
        let (csvStatus, csvBody) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?format=csv")
        #expect(csvStatus == 200)
        #expect(String(decoding: csvBody, as: UTF8.self).hasPrefix("seq,time,actor,action,program_time,details,prev,hash,signature\r\n1,"))
        let (badStatus, _) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?limit=0")
        #expect(badStatus == 400)

        let status = try await relayd.stop(signal: SIGTERM)
        #expect(status == 0, "\(relayd.log)")
        #expect(relayd.log.contains("relayd stopped"))
    }

    @Test func operatorActionsAndAutomaticMovesLandInTheAuditTrail() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        func json(_ path: String) async throws -> [String: Any] {
            let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: path)
            return (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await json("/api/program")["on_air"] as? String != "heli-1" {
            guard ContinuousClock.now < deadline else { throw RelaydTestFailure("heli-1 never on air:\n\(relayd.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
        let actor = ["X-Actor": "sato"]
        let (cutStatus, _) = try await RelaydHTTP.request(
            port: relayd.httpPort, method: "POST", path: "/api/program/cut", body: Data(#"{"source": "drone-1"}"#.utf8), headers: actor)
        #expect(cutStatus == 409, "drone-1 is offline")
        let (onStatus, _) = try await RelaydHTTP.request(
            port: relayd.httpPort, method: "PUT", path: "/api/program/caption", body: Data(#"{"text": "速報 現場上空から中継"}"#.utf8), headers: actor)
        #expect(onStatus == 200)
        let (offStatus, _) = try await RelaydHTTP.request(port: relayd.httpPort, method: "DELETE", path: "/api/program/caption", body: nil, headers: actor)
        #expect(offStatus == 200)

        var actions: [String] = []
        let recorded = ContinuousClock.now + .seconds(10)
        while !actions.contains("program.first_live") {
            guard ContinuousClock.now < recorded else { break }
            let page = try await json("/api/audit?action=program")
            actions = ((page["entries"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(actions.contains("program.first_live"), "automatic move recorded: \(actions)")
        let page = try await json("/api/audit?actor=sato")
        let entries = (page["entries"] as? [[String: Any]]) ?? []
        #expect(entries.compactMap { $0["action"] as? String } == ["program.cut", "program.caption.on", "program.caption.off"])
        #expect((entries.first?["details"] as? [String: String])?["result"] == "refused: source offline")
        #expect((entries.dropFirst().first?["details"] as? [String: String])?["text"] == "速報 現場上空から中継")
        #expect(try await relayd.stop() == 0)
    }

    @Test func demoBringsUpThreeSimulatedFieldUnitsAndStopsThemOnSIGINT() async throws {
        let media = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Media").path
        let relayd = try RelaydProcess(configYAML: """
            srt:
              listen: 127.0.0.1:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            sources:
              - id: heli-1
                kind: helicopter
              - id: drone-1
                kind: drone
              - id: mobile-1
                kind: mobile
            """, arguments: ["demo", "--media", media])
        try await relayd.waitReady()
        let deadline = ContinuousClock.now + .seconds(20)
        var health: [String: Any] = [:]
        while health["sources_live"] as? Int != 3 {
            guard ContinuousClock.now < deadline else { throw RelaydTestFailure("demo sources not live: \(health)\n\(relayd.log)") }
            try await Task.sleep(for: .milliseconds(100))
            let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/healthz")
            health = (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
        #expect(try await relayd.stop(signal: SIGINT) == 0)
        #expect(relayd.log.contains("field unit publishing"))

        // The run left a verifiable audit trail: started, then stopped.
        let verify = try await RelaydProcess.run([
            "audit", "verify", "--data-dir", relayd.directory.appendingPathComponent("data").path,
            "--audit-key", relayd.directory.appendingPathComponent("keys/audit-signing.key").path,
        ])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("audit log intact: "))
        // Between them, among others, the recordings of the live sources and the program start and stop.
        let actions = try String(contentsOf: relayd.directory.appendingPathComponent("data/audit.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try? AuditTrailEntry.decoder.decode(AuditTrailEntry.self, from: Data($0.utf8)).action }
        #expect(actions.first == "relayd.started" && actions.last == "relayd.stopped")
        #expect(actions.filter { $0 == "recording.started" }.count == actions.filter { $0 == "recording.stopped" }.count)
    }

    @Test func refusesToStartBeyondLoopbackWithoutCredentials() async throws {
        let relayd = try RelaydProcess(configYAML: """
            srt:
              listen: 0.0.0.0:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            sources:
              - id: heli-1
                kind: helicopter
            """)
        let status = try await relayd.waitForExit()
        #expect(status == 2)
        #expect(relayd.log.contains("(heli-1) has no passphrase or users"))
    }

    @Test func checkConfigPrintsEveryErrorWithItsPath() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.yaml")
        try "srt:\n  listen: 127.0.0.1:9000\n  latencyy: 10\nsources:\n  - id: heli 1\n    kind: helicopter\n"
            .write(to: bad, atomically: true, encoding: .utf8)
        let failed = try await RelaydProcess.run(["check-config", bad.path])
        #expect(failed.status == 2)
        #expect(failed.output.contains("srt.latencyy: unknown key"))
        #expect(failed.output.contains("sources[0].id: may hold only letters, digits, - and _"))

        let good = directory.appendingPathComponent("good.yaml")
        try "sources:\n  - id: heli-1\n    kind: helicopter\n".write(to: good, atomically: true, encoding: .utf8)
        let passed = try await RelaydProcess.run(["check-config", good.path])
        #expect(passed.status == 0)
        #expect(passed.output.contains("OK (1 sources"))
    }
}
