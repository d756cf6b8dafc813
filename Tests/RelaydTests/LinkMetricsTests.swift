import Foundation
import Testing
@testable import VideoRelay
@testable import relayd

/// Each link's health in /metrics and in the API's JSON, as the control room reads it.
@Suite struct LinkMetricsTests {
    private static func snapshot() -> RelaySnapshot {
        var srt = SRTStatistics()
        srt.rttMilliseconds = 48
        srt.packetsReceivedUnique = 900
        srt.receiveLossPackets = 100
        srt.receiveDropPackets = 100
        srt.retransmittedPacketsReceived = 80
        srt.fecRecoveredPackets = 7
        srt.receiveLatencyMilliseconds = 120
        var snapshot = RelaySnapshot()
        snapshot.sources = [SourceStatus(
            id: "heli-1", kind: "helicopter", label: "ヘリ1", enabled: true, state: .live, bitrateBitsPerSecond: 1_000_000,
            bytesReceived: 0, payloadsReceived: 0, payloadFormat: .mpegts, invalidPayloads: 0, invalidPayloadDisconnects: 0,
            publishCount: 1, readers: 0, gopCacheBytes: 0, srt: srt,
            link: LinkStatistics(srt, direction: .receiving, packetFilter: "fec,cols:10,rows:5,layout:staircase,arq:onreq"))]
        return snapshot
    }

    @Test func linkHealthAndTheRecommendedLatencyAreExposed() {
        let text = PrometheusText.render(Self.snapshot())
        #expect(text.contains("relay_source_link_latency_milliseconds{source=\"heli-1\"} 120\n"))
        #expect(text.contains("relay_source_link_loss_percent{source=\"heli-1\"} 10\n"))
        #expect(text.contains("# TYPE relay_source_link_too_late_drops_total counter\nrelay_source_link_too_late_drops_total{source=\"heli-1\"} 100\n"))
        #expect(text.contains("relay_source_link_fec_recovered_packets_total{source=\"heli-1\"} 7\n"))
        // 10 % loss: 10 x 48 ms = 480, rounded up to 500.
        #expect(text.contains("relay_source_link_recommended_latency_milliseconds{source=\"heli-1\"} 500\n"))
    }

    @Test func theAPISaysSoInTheKeysThePageReads() throws {
        let data = try JSONBody.encoder.encode(Self.snapshot().sources)
        let source = try #require((try JSONSerialization.jsonObject(with: data) as? [[String: Any]])?.first)
        let link = try #require(source["link"] as? [String: Any])
        #expect(link["too_late_drops"] as? Int == 100 && link["retransmitted_packets"] as? Int == 80)
        #expect(link["packet_filter"] as? String == "fec,cols:10,rows:5,layout:staircase,arq:onreq")
        let advice = try #require(link["advice"] as? [String: Any])
        #expect(advice["recommended_milliseconds"] as? Int == 500 && advice["current_milliseconds"] as? Int == 120)
        #expect(advice["rtt_multiplier"] as? Int == 10 && advice["beyond_rule"] as? Bool == false)
    }
}
