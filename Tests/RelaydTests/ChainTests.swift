import Foundation
import Testing
import VideoRelay

/// Sites chained over SRT: a relayd whose source is fed by calling another relayd, with real
/// processes on loopback, checked by what the pictures show and what the streams say.
@Suite(.serialized) struct ChainTests {
    static func prefectureYAML() -> String {
        """
        site:
          id: shizuoka-pref
          name: 静岡県警察本部
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
            label: ヘリ1
        """
    }

    static func npaYAML(upstreamPort: UInt16) -> String {
        """
        site:
          id: npa
          name: 警察庁
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: shizuoka
            kind: relay
            label: 静岡県警察本部
            backup: mobile-1
            failover_ms: 1000
            pull:
              address: 127.0.0.1:\(upstreamPort)
              streamid: "#!::r=program,m=request"
              latency_ms: 200
          - id: mobile-1
            kind: mobile
        fanout:
          reconnect_initial_ms: 200
          reconnect_max_ms: 1000
        """
    }

    @Test func aSiteFollowsItsUpstreamAndRecoversWhenItRestarts() async throws {
        var prefecture = try RelaydProcess(configYAML: Self.prefectureYAML())
        try await prefecture.waitReady()
        var heli = try prefecture.publishSampleClip("heli-1")
        let npa = try RelaydProcess(configYAML: Self.npaYAML(upstreamPort: prefecture.srtPort))
        try await npa.waitReady()
        defer { heli.signal(SIGKILL) }

        // The NPA's source is the prefecture's program: heli-1 once it is on air there.
        try await prefecture.waitFor("/api/program", "heli-1 on air at the prefecture") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        try await npa.waitFor("/api/sources/shizuoka", "shizuoka live and connected at the NPA") { value in
            let source = value as? [String: Any]
            return source?["state"] as? String == "live" && (source?["upstream"] as? [String: Any])?["state"] as? String == "connected"
        }
        try await npa.waitFor("/api/program", "shizuoka on air at the NPA") { ($0 as? [String: Any])?["on_air"] as? String == "shizuoka" }
        // The backup publishes once shizuoka is on air: the first source live goes on air, and
        // the test needs the upstream site there.
        let mobile = try npa.publishSampleClip("mobile-1")
        defer { mobile.signal(SIGKILL) }
        try await npa.waitShowing("heli-1", resource: "program")
        // The prefecture's program names its site and its on-air source, and that crosses the hop.
        let tags = try await npa.serviceTags(of: "shizuoka")
        #expect(tags["service_provider"] == "静岡県警察本部")
        #expect(tags["service_name"] == "heli-1")
        // The NPA reads the same names from the stream: no side channel.
        try await npa.waitFor("/api/sources/shizuoka", "the NPA naming shizuoka's site and on-air source") { value in
            let service = (value as? [String: Any])?["service"] as? [String: Any]
            return service?["provider"] as? String == "静岡県警察本部" && service?["name"] as? String == "heli-1"
        }
        // A source fed from upstream takes no publishers.
        do {
            _ = try await SRTCaller.connect(to: HostPort(host: "127.0.0.1", port: npa.srtPort), streamID: "#!::r=shizuoka,m=publish")
            Issue.record("a publisher of a source fed from upstream was accepted")
        } catch let error as SRTError {
            #expect(error.rejectReason == RejectCode.badMode.rawValue)
        }

        // The prefecture goes down: the NPA fails over to its backup, the link retries.
        let ports = (srt: prefecture.srtPort, http: prefecture.httpPort)
        prefecture.child.signal(SIGKILL)
        _ = try await prefecture.child.waitForExit(timeout: .seconds(10))
        heli.signal(SIGKILL)
        try await npa.waitFor("/api/program", "the NPA on its backup") { ($0 as? [String: Any])?["on_air"] as? String == "mobile-1" }
        try await npa.waitShowing("mobile-1", resource: "program")
        // libsrt gives the connection up after its peer idle timeout (5 s); each attempt then
        // waits for its connect timeout before the link waits its backoff.
        try await npa.waitFor("/api/sources/shizuoka", "shizuoka offline, its link retrying", timeout: .seconds(30)) { value in
            let source = value as? [String: Any]
            let upstream = source?["upstream"] as? [String: Any]
            return source?["state"] as? String == "offline" && upstream?["state"] as? String == "retrying"
                && upstream?["next_attempt_at"] != nil && (upstream?["failed_attempts"] as? Int ?? 0) >= 1
        }

        // The prefecture returns on the same ports: the NPA calls it again and goes back to it.
        prefecture = try RelaydProcess(configYAML: Self.prefectureYAML(), ports: ports)
        try await prefecture.waitReady()
        heli = try prefecture.publishSampleClip("heli-1")
        try await prefecture.waitFor("/api/program", "heli-1 on air again at the prefecture") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        try await npa.waitFor("/api/sources/shizuoka", "shizuoka connected again", timeout: .seconds(30)) { value in
            let upstream = (value as? [String: Any])?["upstream"] as? [String: Any]
            return upstream?["state"] as? String == "connected" && upstream?["connections"] as? Int == 2
        }
        try await npa.waitFor("/api/program", "the NPA back on shizuoka") { ($0 as? [String: Any])?["on_air"] as? String == "shizuoka" }
        try await npa.waitShowing("heli-1", resource: "program")
    }
}

extension ChainTests {
    /// The other direction: the prefecture pushes its program into a source of the NPA's.
    @Test func aSitePushesItsProgramIntoAnotherSitesSource() async throws {
        let npa = try RelaydProcess(configYAML: """
            site: {id: npa, name: 警察庁}
            srt: {listen: "127.0.0.1:{SRT_PORT}"}
            http: {listen: "127.0.0.1:{HTTP_PORT}"}
            sources:
              - {id: shizuoka, kind: relay, label: 静岡県警察本部, passphrase: shizuoka-push-secret}
            """)
        try await npa.waitReady()
        let prefecture = try RelaydProcess(configYAML: Self.prefectureYAML() + """

            sinks:
              - id: npa
                name: 警察庁
                feed: program
                mode: push
                address: 127.0.0.1:\(npa.srtPort)
                streamid: "#!::r=shizuoka,m=publish"
                passphrase: shizuoka-push-secret
            """)
        try await prefecture.waitReady()
        let heli = try prefecture.publishSampleClip("heli-1")
        defer { heli.signal(SIGKILL) }
        try await prefecture.waitFor("/api/program", "heli-1 on air at the prefecture") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        try await npa.waitFor("/api/sources/shizuoka", "the prefecture's program at the NPA, named by its SDT") { value in
            let source = value as? [String: Any]
            let service = source?["service"] as? [String: Any]
            return source?["state"] as? String == "live" && service?["provider"] as? String == "静岡県警察本部"
                && service?["name"] as? String == "heli-1"
        }
        try await npa.waitShowing("heli-1", resource: "program")
    }
}

extension RelaydProcess {
    /// Waits until a recording of `resource` shows `source`'s picture: what was on air a moment
    /// ago may still be in the first GOP a new reader gets.
    func waitShowing(_ source: String, resource: String, timeout: Duration = .seconds(30)) async throws {
        var shown: String?
        try await eventually("\(resource) showing \(source) (last seen: \(shown ?? "nothing"))", timeout: timeout) {
            let path = directory.appendingPathComponent("\(resource)-\(UUID().uuidString).ts").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let result = try await ExternalProcess.output([
                "ffmpeg", "-hide_banner", "-v", "error", "-y", "-i", "srt://127.0.0.1:\(srtPort)?streamid=#!::r=\(resource),m=request",
                "-t", "2", "-c", "copy", "-f", "mpegts", path,
            ])
            guard result.status == 0 else { return false }
            shown = try await RecordedStream.cornerColour(path).flatMap(MediaFiles.identify)
            return shown == source
        }
    }

    /// The service provider and name in `resource`'s SDT, as ffprobe reads them from its bytes
    /// exactly as relayd sends them (srt-live-transmit writes them unchanged).
    func serviceTags(of resource: String) async throws -> [String: String] {
        let path = directory.appendingPathComponent("\(resource)-raw.ts")
        let reader = try ExternalProcess(
            ["srt-live-transmit", "-q", "srt://127.0.0.1:\(srtPort)?streamid=#!::r=\(resource),m=request", "file://con"], stdout: path)
        // The SDT is repeated every 500 ms; a few hundred kilobytes hold several.
        try await eventually("\(resource) recorded") {
            (((try? FileManager.default.attributesOfItem(atPath: path.path))?[.size] as? Int) ?? 0) > 400_000
        }
        reader.terminate()
        _ = try await reader.waitForExit()
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-show_entries", "program_tags=service_name,service_provider", "-of", "json", path.path,
        ])
        let json = try JSONSerialization.jsonObject(with: probe.stdout) as? [String: Any]
        let programs = json?["programs"] as? [[String: Any]] ?? []
        return programs.first?["tags"] as? [String: String] ?? [:]
    }
}
