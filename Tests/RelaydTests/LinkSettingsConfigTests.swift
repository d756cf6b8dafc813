import Testing
import VideoRelay
@testable import relayd

/// Per-link SRT settings in the configuration: `srt.*` for every link, overridden per source,
/// user and push sink; every mistake reported with its path.
@Suite struct LinkSettingsConfigTests {
    private static let yaml = """
        srt:
          latency_ms: 200
          overhead_percent: 30
          fec: {cols: 10, rows: 5}
        sources:
          - id: heli-1
            kind: helicopter
            latency_ms: 800
            peer_idle_timeout_ms: 15000
            fec: {cols: 8, rows: -4, layout: even, arq: never}
          - id: drone-1
            kind: drone
            fec: off
        users:
          - name: sat-team
            publish: [heli-1]
            latency_ms: 1500
          - name: hq
            request: [program]
            overhead_percent: 50
        sinks:
          - id: npa
            feed: program
            mode: push
            address: 127.0.0.1:7000
            latency_ms: 400
            fec: {cols: 4}
        """

    @Test func sourcesUsersAndPushSinksOverrideTheRelayWideSettings() throws {
        let relay = try RelaydConfiguration.parse(yaml: Self.yaml).relay
        #expect(relay.link == LinkSettings(latencyMilliseconds: 200, overheadPercent: 30, fec: FECFilter(columns: 10, rows: 5)))

        let heli = relay.linkSettings(for: StreamID(resource: "heli-1", mode: .publish, user: nil))
        #expect(heli.latencyMilliseconds == 800 && heli.peerIdleTimeoutMilliseconds == 15000)
        #expect(heli.fec?.packetFilter == "fec,cols:8,rows:-4,layout:even,arq:never")
        #expect(relay.linkSettings(for: StreamID(resource: "drone-1", mode: .publish, user: nil)).fec == nil)
        // The user names the connection, so its settings win over the source's.
        #expect(relay.linkSettings(for: StreamID(resource: "heli-1", mode: .publish, user: "sat-team")).latencyMilliseconds == 1500)
        // A reader of a source does not take the source's (uplink) settings.
        let hq = relay.linkSettings(for: StreamID(resource: "heli-1", mode: .request, user: "hq"))
        #expect(hq.latencyMilliseconds == 200 && hq.overheadPercent == 50)

        let npa = try #require(relay.sinks.first)
        let push = relay.linkSettings(for: npa)
        #expect(push.latencyMilliseconds == 400 && push.overheadPercent == 30)
        #expect(push.fec?.packetFilter == "fec,cols:4,rows:1,layout:staircase,arq:onreq")
    }

    @Test func withoutLinkKeysEveryLinkHasLibsrtsDefaultsAndTheRelayLatency() throws {
        let relay = try RelaydConfiguration.parse(yaml: RelaydConfiguration.embeddedDefaultYAML).relay
        #expect(relay.link == LinkSettings(latencyMilliseconds: 120))
        #expect(relay.sources.allSatisfy { $0.link.isEmpty } && relay.users.allSatisfy { $0.link.isEmpty })
    }

    @Test func mistakesAreReportedWithTheirPath() {
        let errors = RelaydConfiguration.errors(in: """
            srt:
              overhead_percent: 200
              fec: off
            sources:
              - id: heli-1
                kind: helicopter
                overhead_percent: 20
                fec: {rows: 5}
              - id: drone-1
                kind: drone
                latency_ms: 9000
                peer_idle_timeout_ms: 500
                fec: {cols: 10, rows: -1, layout: diagonal, arq: sometimes, depth: 3}
            users:
              - name: hq
                request: [program]
            sinks:
              - id: hq
                feed: program
                mode: pull
                user: hq
                latency_ms: 500
            """)
        let expected = [
            "srt.overhead_percent: must be between 5 and 100, got 200",
            "srt.fec: must be a mapping {cols, rows, layout, arq}, got \"off\"",
            "sources[0].overhead_percent: only the sender's overhead counts",
            "sources[0].fec.cols: is required",
            "sources[1].latency_ms: must be between 20 and 8000, got 9000",
            "sources[1].peer_idle_timeout_ms: must be between 1000 and 300000, got 500",
            "sources[1].fec.layout: must be one of even, staircase, got \"diagonal\"",
            "sources[1].fec.arq: must be one of always, onreq, never, got \"sometimes\"",
            "sources[1].fec.depth: unknown key",
            "sources[1].fec: rows must be 1 (rows only)",
            "sinks[0]: link settings (latency_ms, overhead_percent, fec, peer_idle_timeout_ms) of a pull sink belong to its user \"hq\"",
        ]
        for line in expected {
            #expect(errors.contains { $0.hasPrefix(line) }, "missing: \(line)\nall: \(errors)")
        }
        #expect(errors.count == expected.count, "\(errors)")
    }
}
