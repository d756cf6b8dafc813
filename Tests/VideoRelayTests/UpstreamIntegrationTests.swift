import Foundation
import Testing
@testable import VideoRelay

/// A relay feeding a source by calling another relay, with ffmpeg publishing at the upstream
/// and readers at the downstream: encrypted links, refusals retried with backoff, holds.
@Suite(.serialized) struct UpstreamIntegrationTests {
    private static let fanout = FanoutLimits(reconnectInitialMilliseconds: 200, reconnectMaximumMilliseconds: 1000)

    private func downstream(pulling address: HostPort, passphrase: String?) throws -> RelayHarness {
        try RelayHarness(RelayConfiguration(
            sources: [
                SourceConfiguration(
                    id: "pref", kind: .relay, label: "静岡県警察本部",
                    upstream: UpstreamConfiguration(address: address, streamID: "#!::r=heli-1,m=request,u=npa", passphrase: passphrase)),
            ],
            fanout: Self.fanout))
    }

    @Test func anEncryptedLinkCarriesTheSourceAndAHoldClosesIt() async throws {
        let upstream = try RelayHarness(.sampleSources(users: [UserConfiguration(name: "npa", passphrase: "npa-link-secret", request: ["heli-1"])]))
        let publisher = try upstream.publish("heli-1")
        try await upstream.waitLive("heli-1")
        let harness = try downstream(pulling: upstream.address, passphrase: "npa-link-secret")
        try await harness.waitLive("pref")
        let link = try #require(harness.relay.snapshot.source("pref")?.upstream)
        #expect(link.state == .connected && link.connections == 1 && link.failedAttempts == 0)
        let path = try await harness.recordWithFFmpeg("pref", seconds: 2, name: "pref.ts")
        #expect(try await RecordedStream.sourceShown(path) == "heli-1", "the downstream source shows the upstream's feed")
        #expect(upstream.relay.snapshot.readers.contains { $0.resource == "heli-1" && $0.user == "npa" })

        // Held off: the link is closed and not made again until released.
        #expect(await harness.relay.setSource("pref", enabled: false))
        try await eventually("the upstream's reader gone") { !upstream.relay.snapshot.readers.contains { $0.resource == "heli-1" } }
        // The downstream's snapshot follows at its next refresh.
        try await eventually("the held source offline") { harness.relay.snapshot.source("pref")?.state == .offline }
        #expect(await harness.relay.setSource("pref", enabled: true))
        try await harness.waitLive("pref")
        #expect(harness.relay.snapshot.source("pref")?.upstream?.connections == 2)

        publisher.terminate()
        await harness.stop()
        await upstream.stop()
    }

    @Test func aRefusedLinkIsRetriedWithBackoffAndSaysWhy() async throws {
        let upstream = try RelayHarness(.sampleSources(users: [UserConfiguration(name: "npa", passphrase: "npa-link-secret", request: ["heli-1"])]))
        let harness = try downstream(pulling: upstream.address, passphrase: "not-the-right-secret")
        try await eventually("two refused attempts") { (harness.relay.snapshot.source("pref")?.upstream?.failedAttempts ?? 0) >= 2 }
        let link = try #require(harness.relay.snapshot.source("pref")?.upstream)
        #expect(link.connections == 0)
        #expect(link.lastError?.contains("refused or timed out") == true)
        #expect(harness.relay.snapshot.source("pref")?.state == .offline)
        // Nobody else can publish the source meanwhile.
        #expect(await harness.refusal("#!::r=pref,m=publish") == RejectCode.badMode.rawValue)
        await harness.stop()
        await upstream.stop()
    }
}
