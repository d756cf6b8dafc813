import Foundation
import Testing
import VideoRelay

/// The brochure's path with three relayd processes on loopback: the prefecture (field units),
/// the NPA pulling the prefecture's program, the PM's Office pulling the NPA's. Checked by what
/// the pictures show and what each site reads from the delay stamps in its sources.
@Suite(.serialized) struct ChainThreeSiteTests {
    static let npaLatency = 120
    static let kanteiLatency = 200
    /// How far below its link's latency a hop's share may read (see the hop checks).
    static let readingJitter = 10

    static func prefectureYAML() -> String {
        """
        site: {id: shizuoka-pref, name: 静岡県警察本部}
        srt: {listen: "127.0.0.1:{SRT_PORT}"}
        http: {listen: "127.0.0.1:{HTTP_PORT}"}
        sources:
          - {id: heli-1, kind: helicopter, label: ヘリ1}
          - {id: drone-1, kind: drone, label: ドローン1}
        """
    }

    static func npaYAML(upstreamPort: UInt16) -> String {
        """
        site: {id: npa, name: 警察庁}
        srt: {listen: "127.0.0.1:{SRT_PORT}"}
        http: {listen: "127.0.0.1:{HTTP_PORT}"}
        sources:
          - id: shizuoka
            kind: relay
            label: 静岡県警察本部
            backup: mobile-1
            failover_ms: 1000
            pull: {address: "127.0.0.1:\(upstreamPort)", streamid: "#!::r=program,m=request", latency_ms: \(npaLatency)}
          - {id: mobile-1, kind: mobile}
        fanout: {reconnect_initial_ms: 200, reconnect_max_ms: 1000}
        """
    }

    static func kanteiYAML(upstreamPort: UInt16) -> String {
        """
        site: {id: kantei, name: 首相官邸}
        srt: {listen: "127.0.0.1:{SRT_PORT}"}
        http: {listen: "127.0.0.1:{HTTP_PORT}"}
        sources:
          - id: npa
            kind: relay
            label: 警察庁
            pull: {address: "127.0.0.1:\(upstreamPort)", streamid: "#!::r=program,m=request", latency_ms: \(kanteiLatency)}
        """
    }

    @Test
    func cutsCaptionsDelaysAndAnUpstreamFailureCrossTwoHops() async throws {
        var prefecture = try RelaydProcess(configYAML: Self.prefectureYAML())
        try await prefecture.waitReady()
        // heli-1 alone first: the first source live goes on air, and two started together race.
        var heli = try prefecture.publishSampleClip("heli-1")
        try await prefecture.waitFor("/api/program", "heli-1 on air at the prefecture") { ($0 as? [String: Any])?["on_air"] as? String == "heli-1" }
        var drone = try prefecture.publishSampleClip("drone-1")
        let npa = try RelaydProcess(configYAML: Self.npaYAML(upstreamPort: prefecture.srtPort))
        try await npa.waitReady()
        try await npa.waitFor("/api/program", "shizuoka on air at the NPA") { ($0 as? [String: Any])?["on_air"] as? String == "shizuoka" }
        let mobile = try npa.publishSampleClip("mobile-1")
        let kantei = try RelaydProcess(configYAML: Self.kanteiYAML(upstreamPort: npa.srtPort))
        try await kantei.waitReady()
        defer {
            for child in [heli, drone, mobile] { child.signal(SIGKILL) }
        }

        // Given heli-1 on air at the prefecture, the PM's Office shows it two hops away.
        try await kantei.waitShowing("heli-1", resource: "program")

        // When the prefecture cuts to drone-1, the PM's Office shows drone-1, and reads the cut
        // from the prefecture's stamps.
        try await prefecture.waitFor("/api/sources/drone-1", "drone-1 live at the prefecture") { ($0 as? [String: Any])?["state"] as? String == "live" }
        let cut = try await RelaydAuthHTTP.request(port: prefecture.httpPort, "POST", "/api/program/cut", body: #"{"source":"drone-1"}"#)
        #expect(cut.status == 200, "\(String(decoding: cut.body, as: UTF8.self))")
        try await kantei.waitShowing("drone-1", resource: "program")
        try await kantei.waitFor("/api/sources/npa", "the prefecture's cut in the PM's Office's hops") { value in
            Self.hops(value).first { $0["site_id"] as? String == "shizuoka-pref" }?["on_air"] as? String == "drone-1"
        }

        // The hops: prefecture then NPA, each hop about its link's configured latency (within
        // generous bounds: tests do not measure timings). A hop's share is the difference of two
        // sites' delays read from different pictures, so one reading carries the jitter of both
        // and of the link after it (a loaded machine once read 119.5 ms over a 120 ms link): the
        // shares must come within bounds, not every reading.
        var hops: [[String: Any]] = []
        var shares: [Double] = []
        let bounds = [Self.npaLatency, Self.kanteiLatency].map { Double($0 - Self.readingJitter)..<Double($0 + 1500) }
        do {
            try await kantei.waitFor("/api/sources/npa", "two hops, each about its link's latency, at the PM's Office") { value in
                hops = Self.hops(value)
                shares = hops.compactMap { ($0["hop_delay_milliseconds"] as? NSNumber)?.doubleValue }
                return shares.count == 2 && zip(shares, bounds).allSatisfy { $1.contains($0) }
            }
        } catch {
            Issue.record("hop shares \(shares) ms, expected within \(bounds): \(error)")
        }
        #expect(hops.map { $0["site_id"] as? String } == ["shizuoka-pref", "npa"])
        #expect(hops.map { $0["site_name"] as? String } == ["静岡県警察本部", "警察庁"])
        #expect((hops.last?["latency_milliseconds"] as? NSNumber)?.intValue == Self.kanteiLatency)
        #expect(hops.last?["rtt_milliseconds"] != nil)
        let metrics = try await RelaydHTTP.get(port: kantei.httpPort, path: "/metrics")
        #expect(String(decoding: metrics.1, as: UTF8.self).contains(#"relay_source_hop_delay_seconds{site="shizuoka-pref",source="npa"}"#)
            || String(decoding: metrics.1, as: UTF8.self).contains(#"relay_source_hop_delay_seconds{source="npa",site="shizuoka-pref"}"#))

        // When the NPA puts a caption on air, it is on the PM's Office's feed, not on the
        // prefecture's, in the pixels and in the stamps.
        let text = "国家中継 字幕確認 NATIONAL CAPTION CHECK"
        let caption = try await RelaydAuthHTTP.request(port: npa.httpPort, "PUT", "/api/program/caption", body: #"{"text":"\#(text)"}"#)
        #expect(caption.status == 200)
        try await kantei.waitFor("/api/sources/npa", "the NPA's caption in the PM's Office's hops") { value in
            let hops = Self.hops(value)
            return hops.first { $0["site_id"] as? String == "npa" }?["caption"] as? String == text
                && hops.first { $0["site_id"] as? String == "shizuoka-pref" }?["caption"] == nil
        }
        var captioned = 0
        try await eventually("a caption box on the PM's Office's program") {
            captioned = try await kantei.captionBandWidth(resource: "program", background: "drone-1")
            return captioned > 200
        }
        let plain = try await prefecture.captionBandWidth(resource: "program", background: "drone-1")
        #expect(plain < 100, "no caption box on the prefecture's program (widest dark run \(plain) of 640)")

        // When the prefecture goes down, the NPA fails over to its backup and the PM's Office
        // shows it; when it returns, the NPA goes back to it by itself.
        let ports = (srt: prefecture.srtPort, http: prefecture.httpPort)
        prefecture.child.signal(SIGKILL)
        _ = try await prefecture.child.waitForExit(timeout: .seconds(10))
        heli.signal(SIGKILL)
        drone.signal(SIGKILL)
        try await npa.waitFor("/api/program", "the NPA on its backup") { ($0 as? [String: Any])?["on_air"] as? String == "mobile-1" }
        try await kantei.waitShowing("mobile-1", resource: "program")
        try await kantei.waitFor("/api/sources/npa", "the prefecture gone from the PM's Office's hops", timeout: .seconds(30)) { value in
            Self.hops(value).map { $0["site_id"] as? String } == ["npa"]
        }
        prefecture = try RelaydProcess(configYAML: Self.prefectureYAML(), ports: ports)
        try await prefecture.waitReady()
        heli = try prefecture.publishSampleClip("heli-1")
        drone = try prefecture.publishSampleClip("drone-1")
        try await npa.waitFor("/api/program", "the NPA back on shizuoka", timeout: .seconds(40)) { ($0 as? [String: Any])?["on_air"] as? String == "shizuoka" }
        try await kantei.waitFor("/api/sources/npa", "the prefecture back in the PM's Office's hops", timeout: .seconds(20)) { value in
            Self.hops(value).first?["site_id"] as? String == "shizuoka-pref"
        }
    }

    static func hops(_ value: Any) -> [[String: Any]] {
        (value as? [String: Any])?["hops"] as? [[String: Any]] ?? []
    }
}

extension RelaydProcess {
    /// The widest run of pixels clearly darker than `background`'s clip colour in a thin band
    /// low in a recorded picture of `resource` (scaled to 640 wide): the bottom padding of a
    /// bottom caption's box on a 1080 picture (rows 1023-1036, below the glyphs, which would
    /// break the run).
    func captionBandWidth(resource: String, background source: String) async throws -> Int {
        let path = directory.appendingPathComponent("\(resource)-caption-\(UUID().uuidString).ts").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorded = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-i", "srt://127.0.0.1:\(srtPort)?streamid=#!::r=\(resource),m=request",
            "-t", "2", "-c", "copy", "-f", "mpegts", path,
        ])
        guard recorded.status == 0 else { return 0 }
        let width = 640, height = 8
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-ss", "1", "-frames:v", "1",
            "-vf", "crop=iw:ih*0.012:0:ih*0.947,scale=\(width):\(height)", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        let bytes = [UInt8](result.stdout)
        guard bytes.count == width * height * 3, let colour = MediaFiles.backgrounds[source] else { return 0 }
        var widest = 0
        for row in 0..<height {
            var run = 0
            for x in 0..<width {
                let i = (row * width + x) * 3
                let darker = Int(bytes[i]) + Int(bytes[i + 1]) + Int(bytes[i + 2]) + 60 < colour.0 + colour.1 + colour.2
                run = darker ? run + 1 : 0
                widest = max(widest, run)
            }
        }
        return widest
    }
}
