import Foundation
import Testing
import VideoRelay

/// The control room's server side, through the real relayd: the page and its assets, the shared
/// preview, the event stream, kicks, the captions history and the delivery "receiving" signal.
@Suite(.serialized) struct ControlRoomTests {
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
        program:
          presets:
            - name: 速報
              text: 速報
              style: banner
        users:
          - name: hq
            request: [program]
        sinks:
          - id: hq
            name: 警察本部
            user: hq
        """

    private func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func send(_ relayd: RelaydProcess, _ method: String, _ path: String, _ body: String? = nil, actor: String = "tanaka") async throws -> (Int, Data) {
        try await RelaydHTTP.request(
            port: relayd.httpPort, method: method, path: path, body: body.map { Data($0.utf8) },
            headers: ["Content-Type": "application/json", "X-Actor": actor])
    }

    private func auditActions(_ relayd: RelaydProcess) async throws -> [[String: Any]] {
        let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?limit=1000")
        return try json(body)["entries"] as? [[String: Any]] ?? []
    }

    /// Polls the API until `condition` holds for the body of `path` (the state it reads is
    /// refreshed by the relay a few times a second).
    @Test func thePageAndItsAssetsAreServedFromTheBinary() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        defer { relayd.child.signal(SIGKILL) }
        let page = try await RelaydHTTP.request(port: relayd.httpPort, method: "GET", path: "/", body: nil)
        #expect(page.0 == 200)
        let html = String(decoding: page.1, as: UTF8.self)
        #expect(html.contains("/static/control-room.js"))
        #expect(html.contains("マルチビュー"))
        let script = try await RelaydHTTP.get(port: relayd.httpPort, path: "/static/control-room.js")
        #expect(script.0 == 200)
        #expect(String(decoding: script.1, as: UTF8.self).contains("new EventSource(\"/api/events\")"))
        let style = try await RelaydHTTP.get(port: relayd.httpPort, path: "/static/control-room.css")
        #expect(style.0 == 200)
        #expect(String(decoding: style.1, as: UTF8.self).contains(".tile.on-air"))
    }

    @Test func thePreviewIsSharedValidatedAndAudited() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        defer { relayd.child.signal(SIGKILL) }

        let (status, body) = try await send(relayd, "POST", "/api/control-room/preview", #"{"source": "drone-1"}"#)
        #expect(status == 200)
        #expect(try json(body)["preview"] as? String == "drone-1")
        let (_, view) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/control-room")
        #expect(try json(view)["preview"] as? String == "drone-1")

        let (unknown, unknownBody) = try await send(relayd, "POST", "/api/control-room/preview", #"{"source": "nope"}"#)
        #expect(unknown == 404)
        #expect(try json(unknownBody)["error"] as? String == "unknown source")
        let (bad, badBody) = try await send(relayd, "POST", "/api/control-room/preview", #"{"source": 7}"#)
        #expect(bad == 422)
        #expect((try json(badBody)["detail"] as? [String: Any])?["field"] as? String == "source")
        let (_, unchanged) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/control-room")
        #expect(try json(unchanged)["preview"] as? String == "drone-1")

        let previews = try await auditActions(relayd).filter { $0["action"] as? String == "control_room.preview" }
        #expect(previews.count == 1)
        #expect(previews.first?["actor"] as? String == "tanaka")
        #expect((previews.first?["details"] as? [String: String])?["to"] == "drone-1")
    }

    @Test func theEventStreamPushesTheViewAndEndsWhenRelaydStops() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        // curl keeps the stream open like a browser's EventSource and writes what arrives.
        let received = relayd.directory.appendingPathComponent("events.txt")
        let curl = try ChildProcess(
            ["curl", "-sN", "-D", relayd.directory.appendingPathComponent("events.headers").path,
             "http://127.0.0.1:\(relayd.httpPort)/api/events"],
            standardOutput: received.path)
        defer { curl.signal(SIGKILL) }

        // Given an open stream, when heli-1 goes live, then an event says so (without asking).
        func liveEventArrived() throws -> Bool {
            let text = (try? String(contentsOf: received, encoding: .utf8)) ?? ""
            let views = text.components(separatedBy: "\n\n").compactMap { block -> [String: Any]? in
                guard block.hasPrefix("event: state\ndata: ") else { return nil }
                return try? JSONSerialization.jsonObject(with: Data(block.dropFirst(19).utf8)) as? [String: Any]
            }
            return views.contains { view in
                let sources = view["sources"] as? [[String: Any]] ?? []
                return view["program"] is [String: Any] && sources.map { $0["id"] as? String } == ["heli-1", "drone-1"]
                    && sources.first?["state"] as? String == "live"
            }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        var sawLive = false
        while !sawLive, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            sawLive = try liveEventArrived()
        }
        let headers = (try? String(contentsOf: relayd.directory.appendingPathComponent("events.headers"), encoding: .utf8)) ?? ""
        #expect(headers.lowercased().contains("content-type: text/event-stream"))
        #expect(sawLive)
        // A page left open must not hold relayd up when it is told to stop.
        #expect(try await relayd.stop() == 0)
        #expect(try await curl.waitForExit(timeout: .seconds(10)) == 0)
    }

    @Test func anAdminKicksAReaderAndAPublisherAndBothAreAudited() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        let reader = try relayd.pullProgram(as: "hq")
        defer { reader.signal(SIGKILL) }
        // The kicks must land while the program runs: its clock is published with its status.
        try await relayd.waitFor("/api/program", "the program clock running") { ($0 as? [String: Any])?["program_time_seconds"] is Double }
        var readerID = 0
        try await relayd.waitFor("/api/readers", "the HQ reader") { value in
            guard let first = (value as? [[String: Any]])?.first, let id = first["id"] as? Int else { return false }
            readerID = id
            return true
        }
        let (kicked, _) = try await send(relayd, "DELETE", "/api/readers/\(readerID)", actor: "admin-ito")
        #expect(kicked == 204)
        try await relayd.waitFor("/api/readers", "the reader gone") { value in
            !((value as? [[String: Any]]) ?? []).contains { $0["id"] as? Int == readerID }
        }
        let (again, againBody) = try await send(relayd, "DELETE", "/api/readers/\(readerID)")
        #expect(again == 404)
        #expect(try json(againBody)["error"] as? String == "no such reader")

        try await relayd.waitFor("/api/sources/heli-1", "heli-1 live") { ($0 as? [String: Any])?["state"] as? String == "live" }
        let (dropped, _) = try await send(relayd, "DELETE", "/api/sources/heli-1/publisher", actor: "admin-ito")
        #expect(dropped == 204)
        let (idle, idleBody) = try await send(relayd, "DELETE", "/api/sources/drone-1/publisher")
        #expect(idle == 409)
        #expect(try json(idleBody)["error"] as? String == "source has no publisher")
        let (unknown, _) = try await send(relayd, "DELETE", "/api/sources/nope/publisher")
        #expect(unknown == 404)

        let kicks = try await auditActions(relayd).filter { ($0["action"] as? String ?? "").hasPrefix("relay.kick") }
        #expect(kicks.map { $0["action"] as? String } == ["relay.kick_reader", "relay.kick_publisher"])
        #expect(kicks.allSatisfy { $0["actor"] as? String == "admin-ito" })
        // The program was running, so each entry says where in the program it happened.
        #expect(kicks.allSatisfy { ($0["program_time"] ?? $0["programTime"]) is Double })
        #expect((kicks.first?["details"] as? [String: String])?["sink"] == "hq")
        #expect((kicks.last?["details"] as? [String: String])?["source"] == "heli-1")
    }

    @Test func theCaptionHistoryKeepsRecentCaptionsNewestFirst() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        defer { relayd.child.signal(SIGKILL) }
        _ = try await send(relayd, "PUT", "/api/program/caption", #"{"text": "現場上空から中継"}"#, actor: "sato")
        _ = try await send(relayd, "PUT", "/api/program/presets/速報/on-air", actor: "kato")
        _ = try await send(relayd, "PUT", "/api/program/caption", #"{"text": "現場上空から中継"}"#, actor: "sato")
        let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/control-room")
        let history = try json(body)["caption_history"] as? [[String: Any]] ?? []
        #expect(history.map { $0["text"] as? String } == ["現場上空から中継", "速報"])
        #expect(history.map { $0["by"] as? String } == ["sato", "kato"])
        #expect(history.last?["preset"] as? String == "速報")
    }

    @Test func aSinkWhoseReceiverFreezesStopsReceivingWhileStillConnected() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        let reader = try relayd.pullProgram(as: "hq")
        defer { reader.signal(SIGKILL) }
        func hq(_ value: Any) -> [String: Any]? { (value as? [[String: Any]])?.first { $0["id"] as? String == "hq" } }
        try await relayd.waitFor("/api/sinks", "hq receiving") { hq($0)?["receiving"] as? Bool == true }
        // Frozen, the receiver's socket stays open but it acknowledges nothing.
        reader.signal(SIGSTOP)
        try await relayd.waitFor("/api/sinks", "hq no longer receiving") { value in
            hq(value)?["receiving"] as? Bool == false && hq(value)?["connected"] as? Bool == true
        }
        reader.signal(SIGCONT)
    }

    @Test func anAdminHoldsDeliveryToASinkAndReleasesIt() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        func hq(_ value: Any) -> [String: Any]? { (value as? [[String: Any]])?.first { $0["id"] as? String == "hq" } }
        let first = try relayd.pullProgram(as: "hq")
        defer { first.signal(SIGKILL) }
        try await relayd.waitFor("/api/sinks", "hq connected") { hq($0)?["connected"] as? Bool == true }

        let (held, heldBody) = try await send(relayd, "PUT", "/api/sinks/hq/enabled", #"{"enabled": false}"#, actor: "admin-ito")
        #expect(held == 200)
        #expect(try json(heldBody)["enabled"] as? Bool == false)
        try await relayd.waitFor("/api/sinks", "hq held and disconnected") {
            hq($0)?["enabled"] as? Bool == false && hq($0)?["connected"] as? Bool == false
        }
        // While held, the HQ calling in again is refused with 1403 (forbidden).
        let refused = try relayd.pullProgram(as: "hq")
        defer { refused.signal(SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(20)
        var metrics = ""
        while !metrics.contains("relay_srt_refusals_total{code=\"1403\"}"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            metrics = String(decoding: try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics").1, as: UTF8.self)
        }
        #expect(metrics.contains("relay_srt_refusals_total{code=\"1403\"}"))
        let (_, sinks) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/sinks")
        #expect(hq(try JSONSerialization.jsonObject(with: sinks))?["connected"] as? Bool == false)
        refused.signal(SIGKILL)

        let (released, _) = try await send(relayd, "PUT", "/api/sinks/hq/enabled", #"{"enabled": true}"#, actor: "admin-ito")
        #expect(released == 200)
        let again = try relayd.pullProgram(as: "hq")
        defer { again.signal(SIGKILL) }
        try await relayd.waitFor("/api/sinks", "hq receiving again") { hq($0)?["receiving"] as? Bool == true }

        let (unknown, _) = try await send(relayd, "PUT", "/api/sinks/nope/enabled", #"{"enabled": false}"#)
        #expect(unknown == 404)
        let (bad, badBody) = try await send(relayd, "PUT", "/api/sinks/hq/enabled", #"{"enabled": "no"}"#)
        #expect(bad == 422)
        #expect(try json(badBody)["error"] as? String == "enabled: has the wrong type (expected boolean)")
        let actions = try await auditActions(relayd).compactMap { $0["action"] as? String }.filter { $0.hasPrefix("relay.sink") }
        #expect(actions == ["relay.sink_held", "relay.sink_enabled"])
    }

    @Test func anAdminHoldsASourceOffAndItsPublisherIsRefusedUntilReleased() async throws {
        let relayd = try RelaydProcess(configYAML: Self.config)
        try await relayd.waitReady()
        let publisher = try relayd.publishSampleClip("heli-1")
        defer { publisher.signal(SIGKILL) }
        try await relayd.waitFor("/api/sources/heli-1", "heli-1 live") { ($0 as? [String: Any])?["state"] as? String == "live" }
        let (held, _) = try await send(relayd, "PUT", "/api/sources/heli-1/enabled", #"{"enabled": false}"#, actor: "admin-ito")
        #expect(held == 200)
        try await relayd.waitFor("/api/sources/heli-1", "heli-1 held and offline") {
            ($0 as? [String: Any])?["enabled"] as? Bool == false && ($0 as? [String: Any])?["state"] as? String == "offline"
        }
        // The field encoder trying again is refused while the source is held.
        let retry = try relayd.publishSampleClip("heli-1")
        defer { retry.signal(SIGKILL) }
        #expect(try await retry.waitForExit(timeout: .seconds(20)) != 0)
        let (released, _) = try await send(relayd, "PUT", "/api/sources/heli-1/enabled", #"{"enabled": true}"#, actor: "admin-ito")
        #expect(released == 200)
        let back = try relayd.publishSampleClip("heli-1")
        defer { back.signal(SIGKILL) }
        try await relayd.waitFor("/api/sources/heli-1", "heli-1 live again") { ($0 as? [String: Any])?["state"] as? String == "live" }
        let actions = try await auditActions(relayd).compactMap { $0["action"] as? String }.filter { $0.hasPrefix("relay.source") }
        #expect(actions == ["relay.source_held", "relay.source_enabled"])
    }
}
