import Testing
import VideoRelay
@testable import relayd

/// Each source's `health:` thresholds and `failover_on:` states, read and checked with the path
/// of every mistake.
@Suite struct HealthConfigTests {
    @Test func thresholdsHaveDefaultsCanBeChangedOrTurnedOffAndFailoverOnReachesTheRule() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - id: heli-1
                kind: helicopter
                backup: drone-1
                health: {frozen_s: 8, silent_s: 0}
                failover_on: [frozen, black]
              - id: drone-1
                kind: drone
            """)
        let heli = try #require(configuration.health["heli-1"])
        #expect(heli.frozenAfter == .seconds(8) && heli.blackAfter == .seconds(3) && heli.silentAfter == nil)
        #expect(configuration.health["drone-1"] == PictureHealthSettings())
        #expect(PictureHealthSettings().frozenAfter == .seconds(5) && PictureHealthSettings().silentAfter == .seconds(10))
        #expect(configuration.program.rule(for: "heli-1").failoverOn == [.frozen, .black])
        #expect(configuration.program.rule(for: "heli-1").backup == "drone-1")
        #expect(configuration.program.rule(for: "drone-1").failoverOn.isEmpty)
    }

    @Test func mistakesAreReportedWithTheirPath() {
        let errors = RelaydConfiguration.errors(in: """
            sources:
              - id: heli-1
                kind: helicopter
                health: {frozen_s: -1, black_s: 7200, silence_s: 5, silent_s: 0}
                failover_on: [frozen, dark, frozen, silent]
              - id: drone-1
                kind: drone
                failover_on: black
              - id: mobile-1
                kind: mobile
                health: 5
            """)
        #expect(errors.contains("sources[0].health.frozen_s: must be between 0 and 3600, got -1"))
        #expect(errors.contains("sources[0].health.black_s: must be between 0 and 3600, got 7200"))
        #expect(errors.contains { $0.hasPrefix("sources[0].health.silence_s: unknown key") })
        #expect(errors.contains("sources[0].failover_on: [1] must be one of frozen, black, silent, got \"dark\""))
        #expect(errors.contains("sources[0].failover_on: [2] names frozen twice"))
        #expect(errors.contains("sources[0].failover_on: [3] names silent, but health.silent_s is 0 (not watched)"))
        #expect(errors.contains("sources[1].failover_on: must be a list"))
        #expect(errors.contains("sources[2].health: must be a mapping of keys to values"))
    }

    @Test func failoverOnNeedsTheProgramPipeline() {
        let errors = RelaydConfiguration.errors(in: """
            program:
              pipeline: false
            sources:
              - {id: heli-1, kind: helicopter, failover_on: [black]}
            """)
        #expect(errors == ["sources: [0].failover_on needs the program pipeline (program.pipeline: true)"])
    }
}
