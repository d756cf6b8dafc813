import Foundation
import Testing
@testable import VideoRelay

/// The on-air source's link cut at the impairment proxy: the program goes to the backup by
/// itself, comes back when the link does, the publisher's connection survives a short cut, and
/// a program reader sees one unbroken stream throughout.
@Suite(.serialized)
struct BlackoutTests {
    @Test func aShortCutOfTheOnAirLinkFailsOverToTheBackupAndReturnsWithoutAGap() async throws {
        let harness = try ProgramHarness(program: .forTests(failover: ["heli-1": FailoverRule(backup: "drone-1", thresholdMilliseconds: 500)]))
        let proxy = try await ImpairmentProxy(target: harness.port, options: ["--delay-ms", "10"])
        let heli = try ExternalProcess([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", MediaFiles.clip("heli-1"),
            "-c", "copy", "-f", "mpegts", "srt://127.0.0.1:\(proxy.port)?streamid=\(StreamID(resource: "heli-1", mode: .publish).text)",
        ])
        try await eventually("heli-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "heli-1" }
        let drone = try harness.publish("drone-1")
        try await harness.waitReady("drone-1")
        let (reader, recording) = try harness.readProgram(name: "blackout.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 200_000 }

        // The link goes dark: after failover_ms the program leaves heli-1 for the backup, from
        // the backup's cached GOP at the next frame.
        try proxy.control("cut")
        try await eventually("the failover to drone-1 during the blackout") {
            harness.pipeline.status.onAir == "drone-1"
                && harness.pipeline.status.automaticMoves.contains { $0.to == "drone-1" && $0.reason == "failover" }
        }
        // The link comes back before SRT's peer idle timeout: the same connection resumes and
        // the program returns to heli-1 by itself (no operator cut since).
        try proxy.control("restore")
        try await eventually("heli-1 restored", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "heli-1"
                && harness.pipeline.status.automaticMoves.contains { $0.to == "heli-1" && $0.reason == "restore" }
        }
        #expect(harness.relay.snapshot.source("heli-1")?.publishCount == 1, "the publisher's connection survived the cut")
        let size = RelayHarness.fileSize(recording)
        try await eventually("program still flowing") { RelayHarness.fileSize(recording) > size + 200_000 }

        reader.terminate()
        try await reader.waitForExit()
        heli.terminate()
        drone.terminate()
        let stats = try await proxy.stop()
        #expect(stats.cuts == 1 && stats.forward.blackout > 0)
        let decoded = try await RecordedStream.decode(recording)
        #expect(decoded.errors.isEmpty, "\(decoded.errors)")
        let report = try TransportStreamChecker.check(recording)
        #expect(report.isClean, "the program reader saw no gap: \(report)")
        await harness.stop()
    }

    /// A 7 s blackout outlasts libsrt's 5 s peer idle timeout: with `peer_idle_timeout_ms` on the
    /// source (and the encoder's own timeout as long) the publisher's connection survives it;
    /// without, the relay gives the connection up.
    @Test(arguments: [true, false])
    func aLongerPeerIdleTimeoutKeepsThePublisherThroughALongBlackout(configured: Bool) async throws {
        var configuration = RelayConfiguration.sampleSources()
        if configured { configuration.sources[0].link = LinkOverrides(peerIdleTimeoutMilliseconds: 20_000) }
        let harness = try RelayHarness(configuration)
        let proxy = try await ImpairmentProxy(target: harness.port)
        // The field encoder: ffmpeg's SRT output has no peer idle timeout of its own, so it sends
        // UDP to srt-live-transmit, which calls with the same 20 s.
        let udpPort = try freeUDPPort()
        let caller = try ExternalProcess([
            "srt-live-transmit", "-q", "udp://127.0.0.1:\(udpPort)",
            "srt://127.0.0.1:\(proxy.port)?peeridletimeo=20000&streamid=\(StreamID(resource: "heli-1", mode: .publish).text)",
        ])
        let heli = try ExternalProcess([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", MediaFiles.clip("heli-1"),
            "-c", "copy", "-f", "mpegts", "udp://127.0.0.1:\(udpPort)?pkt_size=1316",
        ])
        try await harness.waitLive("heli-1")
        try proxy.control("cut")
        try await eventually("heli-1 silent") { harness.relay.snapshot.source("heli-1")?.state != .live }
        // The blackout itself: how long the link stays dark is what is tested.
        try await Task.sleep(for: .seconds(7))
        try proxy.control("restore")
        if configured {
            #expect(harness.relay.snapshot.source("heli-1")?.state == .stalled, "the relay kept the connection")
            try await harness.waitLive("heli-1")
            #expect(harness.relay.snapshot.source("heli-1")?.publishCount == 1, "the same connection carried on")
        } else {
            try await eventually("the publisher given up") { harness.relay.snapshot.source("heli-1")?.state == .offline }
            #expect(harness.relay.snapshot.source("heli-1")?.lastError?.contains("connection lost") == true)
        }
        heli.terminate()
        caller.terminate()
        try await heli.waitForExit()
        try await caller.waitForExit()
        _ = try await proxy.stop()
        await harness.stop()
    }
}
