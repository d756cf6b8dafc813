import Foundation
import Testing
import VideoRelay

/// Picture health through the real relayd: ffmpeg encoders keep their SRT links up but send a
/// black picture, a frozen one or silence for a while; the states appear in `/api/sources`,
/// `/metrics`, the control room's view and the audit trail, and clear when the picture and
/// sound come back. Thresholds are short so the tests are quick; nothing here asserts timings.
@Suite(.serialized) struct PictureHealthProcessTests {
    /// A 640x360 encoder with a moving test pattern and a tone, 25 fps, one keyframe a second.
    /// `video` and `audio` filters change it (black for a while, frozen, silent).
    static func publisher(_ relayd: RelaydProcess, _ source: String, size: String = "640x360", video: String = "null", audio: String = "anull") throws -> ChildProcess {
        try ChildProcess([
            "ffmpeg", "-v", "error", "-re",
            "-f", "lavfi", "-i", "testsrc=s=\(size):r=25",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-filter_complex", "[0:v]\(video)[v];[1:a]\(audio)[a]", "-map", "[v]", "-map", "[a]",
            "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-g", "25", "-b:v", "600k",
            "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-f", "mpegts", "srt://127.0.0.1:\(relayd.srtPort)?streamid=#!::r=\(source),m=publish",
        ], standardError: "/dev/null")
    }

    static let yaml = """
        srt:
          listen: 127.0.0.1:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        program:
          pipeline: false
        sources:
          - {id: cam-black, kind: mobile, health: {black_s: 2}}
          - {id: cam-frozen, kind: mobile, health: {frozen_s: 2}}
          - {id: cam-silent, kind: mobile, health: {silent_s: 2}}
          - {id: cam-ok, kind: mobile, health: {frozen_s: 2, black_s: 2, silent_s: 2}}
        """

    static func health(_ value: Any) -> [String: Any]? {
        (value as? [String: Any])?["health"] as? [String: Any]
    }

    @Test func blackFrozenAndSilentPicturesRaiseTheirAlarmsWhileTheLinkIsUpAndClearThem() async throws {
        let relayd = try RelaydProcess(configYAML: Self.yaml)
        try await relayd.waitReady()
        // Each condition lasts 20 s from the encoder's start, then the picture or sound returns.
        let publishers = [
            try Self.publisher(relayd, "cam-black", video: "drawbox=c=black:t=fill:enable='lt(t,20)'"),
            try Self.publisher(relayd, "cam-frozen", video: "split[x][y];[x][y]freezeframes=first=0:last=500:replace=0"),
            try Self.publisher(relayd, "cam-silent", audio: "volume=volume=0:enable='lt(t,20)'"),
            try Self.publisher(relayd, "cam-ok"),
        ]
        defer { for publisher in publishers { publisher.signal(SIGKILL) } }

        for (source, condition) in [("cam-black", "black"), ("cam-frozen", "frozen"), ("cam-silent", "silent")] {
            try await relayd.waitFor("/api/sources/\(source)", "\(source) \(condition)") { Self.health($0)?[condition] as? Bool == true }
        }
        // Only its own condition, each; the healthy encoder has none, and every link stayed up.
        let (_, body) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/sources")
        let sources = try #require(try JSONSerialization.jsonObject(with: body) as? [[String: Any]])
        for source in sources {
            let id = source["id"] as? String ?? ""
            let health = try #require(Self.health(source), "\(id) has health")
            let holding = ["frozen", "black", "silent"].filter { health[$0] as? Bool == true }
            let expected = ["cam-black": ["black"], "cam-frozen": ["frozen"], "cam-silent": ["silent"], "cam-ok": []][id] ?? []
            #expect(holding == expected, "\(id)")
            #expect(source["state"] as? String == "live")
            #expect((health["since"] != nil) == !expected.isEmpty)
            #expect((health["format"] as? [String: Any])?["width"] as? Int == 640)
        }
        // The gauges say the same.
        let (_, metrics) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics")
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains("relay_source_health{condition=\"black\",source=\"cam-black\"} 1"))
        #expect(text.contains("relay_source_health{condition=\"frozen\",source=\"cam-ok\"} 0"))

        // Then the picture and sound come back and every state clears, the links still up.
        for (source, condition) in [("cam-black", "black"), ("cam-frozen", "frozen"), ("cam-silent", "silent")] {
            try await relayd.waitFor("/api/sources/\(source)", "\(source) no longer \(condition)", timeout: .seconds(40)) {
                Self.health($0)?[condition] as? Bool == false && ($0 as? [String: Any])?["state"] as? String == "live"
            }
        }
        // Each start and end went to the control room's events and the audit trail.
        let (_, view) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/control-room")
        let events = (try JSONSerialization.jsonObject(with: view) as? [String: Any])?["health_events"] as? [[String: Any]] ?? []
        for condition in ["black", "frozen", "silent"] {
            for kind in ["started", "ended"] {
                #expect(events.contains { $0["condition"] as? String == condition && $0["kind"] as? String == kind && $0["source"] as? String == "cam-\(condition)" })
                try await eventually("audit entry health.\(condition).\(kind)") {
                    let (status, audit) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?action=health.\(condition).\(kind)")
                    let entries = (try JSONSerialization.jsonObject(with: audit) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
                    return status == 200 && entries.contains { ($0["details"] as? [String: Any])?["source"] as? String == "cam-\(condition)" }
                }
            }
        }
        _ = try await relayd.stop()
    }

    @Test func anEncoderThatComesBackInAnotherFormatIsAFormatChange() async throws {
        let relayd = try RelaydProcess(configYAML: Self.yaml)
        try await relayd.waitReady()
        var publisher = try Self.publisher(relayd, "cam-ok")
        defer { publisher.signal(SIGKILL) }
        try await relayd.waitFor("/api/sources/cam-ok", "cam-ok measured at 640x360") {
            (Self.health($0)?["format"] as? [String: Any])?["width"] as? Int == 640
        }
        publisher.signal(SIGKILL)
        _ = try await publisher.waitForExit(timeout: .seconds(10))
        // The encoder restarts in another size once relayd has let the old link go.
        try await relayd.waitFor("/api/sources/cam-ok", "cam-ok offline", timeout: .seconds(30)) { ($0 as? [String: Any])?["state"] as? String == "offline" }
        publisher = try Self.publisher(relayd, "cam-ok", size: "320x180")
        try await relayd.waitFor("/api/sources/cam-ok", "a format change to 320x180") { value in
            let change = Self.health(value)?["last_format_change"] as? [String: Any]
            return (change?["from"] as? [String: Any])?["width"] as? Int == 640 && (change?["to"] as? [String: Any])?["width"] as? Int == 320
        }
        let (_, metrics) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/metrics")
        #expect(String(decoding: metrics, as: UTF8.self).contains("relay_source_format_changes_total{source=\"cam-ok\"} 1"))
        try await eventually("audit entry health.format_changed") {
            let (_, audit) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?action=health.format_changed")
            let entries = (try JSONSerialization.jsonObject(with: audit) as? [String: Any])?["entries"] as? [[String: Any]] ?? []
            return entries.contains { ($0["details"] as? [String: Any])?["to"] as? String == "h264 320x180 @25" }
        }
        _ = try await relayd.stop()
    }

    @Test func anOnAirSourceThatFreezesHandsTheProgramToItsBackupAndTakesItBack() async throws {
        let relayd = try RelaydProcess(configYAML: """
            srt:
              listen: 127.0.0.1:{SRT_PORT}
            http:
              listen: 127.0.0.1:{HTTP_PORT}
            sources:
              - {id: heli-1, kind: helicopter, backup: drone-1, health: {frozen_s: 2}, failover_on: [frozen]}
              - {id: drone-1, kind: drone}
            """)
        try await relayd.waitReady()
        // heli-1's look (its blue background, a moving pattern) as the program's 720p30, frozen
        // from 4 s to 18 s after the encoder starts.
        let heli = try ChildProcess([
            "ffmpeg", "-v", "error", "-re",
            "-f", "lavfi", "-i", "color=c=0x1f4ea0:s=1280x720:r=30",
            "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-filter_complex", "[0][1]overlay=x='40+mod(t*180,900)':y=460,split[x][y];[x][y]freezeframes=first=120:last=540:replace=120[v]",
            "-map", "[v]", "-map", "2:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "30", "-b:v", "1500k",
            "-c:a", "aac", "-b:a", "64k", "-ac", "2", "-f", "mpegts", "srt://127.0.0.1:\(relayd.srtPort)?streamid=#!::r=heli-1,m=publish",
        ], standardError: "/dev/null")
        defer { heli.signal(SIGKILL) }
        try await relayd.waitFor("/api/program", "heli-1 on air") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        let drone = try relayd.publishSampleClip("drone-1")
        defer { drone.signal(SIGKILL) }

        try await relayd.waitFor("/api/sources/heli-1", "heli-1 frozen", timeout: .seconds(30)) { Self.health($0)?["frozen"] as? Bool == true }
        try await relayd.waitFor("/api/program", "the program on drone-1") { ($0 as? [String: Any])?["on_air"] as? String == "drone-1" }
        try await relayd.waitShowing("drone-1", resource: "program")
        // heli-1's link never went down: it was its picture.
        try await relayd.waitFor("/api/sources/heli-1", "heli-1 live") { ($0 as? [String: Any])?["state"] as? String == "live" }

        // The picture moves again: the program returns to heli-1.
        try await relayd.waitFor("/api/sources/heli-1", "heli-1 no longer frozen", timeout: .seconds(60)) { Self.health($0)?["frozen"] as? Bool == false }
        try await relayd.waitFor("/api/program", "the program back on heli-1") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        try await relayd.waitShowing("heli-1", resource: "program")
        let (_, status) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/program")
        let moves = (try JSONSerialization.jsonObject(with: status) as? [String: Any])?["automatic_moves"] as? [[String: Any]] ?? []
        #expect(moves.contains { $0["from"] as? String == "heli-1" && $0["reason"] as? String == "failover" })
        _ = try await relayd.stop()
    }
}
