import Foundation
import Testing
@testable import VideoRelay

/// Field links through the impairment proxy: per-link latency and FEC reach libsrt, a lossy
/// link with enough latency is recovered without a gap, and one with too little is reported
/// with the latency to configure.
@Suite(.serialized)
struct FieldLinkTests {
    /// heli-1 with its own link settings; the other sources as usual.
    private static func configuration(heli link: LinkOverrides) -> RelayConfiguration {
        var configuration = RelayConfiguration.sampleSources()
        configuration.sources[0].link = link
        return configuration
    }

    /// An ffmpeg field encoder publishing heli-1 through the proxy.
    private static func publishThrough(_ proxy: ImpairmentProxy) throws -> ExternalProcess {
        try ExternalProcess([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", MediaFiles.clip("heli-1"),
            "-c", "copy", "-f", "mpegts", "srt://127.0.0.1:\(proxy.port)?streamid=\(StreamID(resource: "heli-1", mode: .publish, user: nil).text)",
        ])
    }

    @Test func tenPercentLossWithEnoughLatencyIsRecoveredWithoutAGap() async throws {
        let harness = try RelayHarness(Self.configuration(heli: LinkOverrides(latencyMilliseconds: 1000)))
        let proxy = try await ImpairmentProxy(target: harness.port, options: ["--loss", "10", "--delay-ms", "20", "--seed", "11"])
        let publisher = try Self.publishThrough(proxy)
        try await harness.waitLive("heli-1")
        let (reader, path) = try harness.readWithSRTLiveTransmit("heli-1", name: "recovered.ts")
        // About 4 s of the 1 Mbit/s clip.
        try await eventually("4 s recorded", timeout: .seconds(30)) { RelayHarness.fileSize(path) > 520_000 }
        reader.terminate()
        try await reader.waitForExit()
        let link = try #require(harness.relay.snapshot.source("heli-1")?.link)
        publisher.terminate()
        try await publisher.waitForExit()
        let stats = try await proxy.stop()

        #expect(stats.forward.lost > 0 && stats.back.lost > 0, "the link lost packets both ways: \(stats)")
        #expect(link.latencyMilliseconds == 1000, "the source's latency reached libsrt")
        #expect(link.retransmittedPackets > 0 && link.lossPercent > 3, "\(link)")
        #expect(link.tooLateDrops == 0 && link.advice == nil, "\(link)")
        let report = try TransportStreamChecker.check(path)
        #expect(report.continuityErrors.isEmpty, "\(report)")
        let decoded = try await RecordedStream.decode(path)
        #expect(decoded.errors.isEmpty && decoded.videoFrames > 60, "\(decoded)")
        await harness.stop()
    }

    /// Publishes heli-1 with `link` through a proxy with `impairment` until its link statistics
    /// satisfy `condition`; returns them.
    private static func heliLink(
        _ link: LinkOverrides, impairment: [String], until what: String, _ condition: @escaping (LinkStatistics) -> Bool
    ) async throws -> LinkStatistics {
        let harness = try RelayHarness(configuration(heli: link))
        let proxy = try await ImpairmentProxy(target: harness.port, options: impairment)
        let publisher = try publishThrough(proxy)
        try await harness.waitLive("heli-1")
        try await eventually(what, timeout: .seconds(30)) { harness.relay.snapshot.source("heli-1")?.link.map(condition) ?? false }
        let statistics = try #require(harness.relay.snapshot.source("heli-1")?.link)
        publisher.terminate()
        try await publisher.waitForExit()
        _ = try await proxy.stop()
        await harness.stop()
        return statistics
    }

    @Test func tooLittleLatencyForTheLinkIsReportedWithARecommendation() async throws {
        // ffmpeg asks for no latency of its own (libsrt's peer latency 0), so the source's 20 ms
        // holds: far too little for a 10 % loss at 50 ms RTT.
        let link = try await Self.heliLink(
            LinkOverrides(latencyMilliseconds: 20), impairment: ["--loss", "10", "--delay-ms", "25", "--seed", "5"],
            until: "too-late drops reported") { $0.tooLateDrops > 0 }
        #expect(link.latencyMilliseconds == 20 && link.rttMilliseconds >= 40, "\(link)")
        let advice = try #require(link.advice)
        #expect(advice.currentMilliseconds == 20)
        #expect(advice.recommendedMilliseconds >= 4 * 50 && advice.recommendedMilliseconds % 50 == 0, "\(advice)")
    }

    @Test func fecConfiguredForASourceIsNegotiatedAndRebuildsLostPackets() async throws {
        let fec = FECFilter(columns: 10, rows: 5, layout: .staircase, arq: .onreq)
        let link = try await Self.heliLink(
            LinkOverrides(latencyMilliseconds: 500, fec: .filter(fec)), impairment: ["--loss", "2", "--delay-ms", "10", "--seed", "2"],
            until: "FEC rebuilt packets") { $0.fecRecoveredPackets > 0 }
        let filter = try #require(link.packetFilter)
        #expect(filter.hasPrefix("fec,") && filter.contains("cols:10") && filter.contains("rows:5"), "\(filter)")
    }

    @Test func aPushSinkCallsWithItsOwnLatency() async throws {
        let hqPort = try freeUDPPort()
        let hq = try ExternalProcess(["srt-live-transmit", "-q", "srt://127.0.0.1:\(hqPort)?mode=listener&latency=200", "file://con"])
        var configuration = RelayConfiguration.sampleSources(sinks: [
            SinkConfiguration(
                id: "npa", name: "NPA", feed: "heli-1", delivery: .push(address: HostPort(host: "127.0.0.1", port: hqPort), passphrase: nil, streamID: nil),
                link: LinkOverrides(latencyMilliseconds: 700)),
        ])
        configuration.fanout.reconnectMaximumMilliseconds = 500
        let harness = try RelayHarness(configuration)
        let publisher = try harness.publish("heli-1")
        try await eventually("the push sink connected with its latency") {
            harness.relay.snapshot.sink("npa")?.link?.latencyMilliseconds == 700
        }
        publisher.terminate()
        hq.terminate()
        try await publisher.waitForExit()
        try await hq.waitForExit()
        await harness.stop()
    }
}

