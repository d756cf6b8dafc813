import Testing
@testable import VideoRelay

/// The latency recommended for a link that dropped packets as too late.
@Suite struct LatencyAdviceTests {
    @Test func aLinkThatDroppedNothingGetsNoAdvice() {
        #expect(LatencyAdvice.advise(rttMilliseconds: 300, lossPercent: 20, currentMilliseconds: 120, tooLateDrops: 0) == nil)
    }

    @Test func theRTTMultiplierGrowsWithLoss() {
        let multipliers = [0.0, 1, 2, 5, 10, 12, 20, 60].map { LatencyAdvice.multiplier(lossPercent: $0) }
        #expect(multipliers == [4, 4, 6, 8, 10, 12, 16, 16])
    }

    @Test func recommendationIsMultiplierTimesRTTRoundedUpToAStep() throws {
        // 40 ms RTT at 5 % loss: 8 x 40 = 320, rounded up to 350.
        let advice = try #require(LatencyAdvice.advise(rttMilliseconds: 40, lossPercent: 5, currentMilliseconds: 120, tooLateDrops: 6))
        #expect(advice.recommendedMilliseconds == 350 && advice.rttMultiplier == 8 && !advice.beyondRule)
        // 250 ms (satellite) at 12 %: 12 x 250 = 3000, on the 250 ms step above 1 s.
        let satellite = try #require(LatencyAdvice.advise(rttMilliseconds: 251, lossPercent: 12, currentMilliseconds: 1000, tooLateDrops: 1))
        #expect(satellite.recommendedMilliseconds == 3250)
    }

    @Test func neverBelowTheFloorAndNeverAboveWhatTheConfigurationAccepts() throws {
        let loopback = try #require(LatencyAdvice.advise(rttMilliseconds: 0.2, lossPercent: 0.5, currentMilliseconds: 20, tooLateDrops: 3))
        #expect(loopback.recommendedMilliseconds == LatencyAdvice.floorMilliseconds)
        let hopeless = try #require(LatencyAdvice.advise(rttMilliseconds: 900, lossPercent: 40, currentMilliseconds: 2000, tooLateDrops: 50))
        #expect(hopeless.recommendedMilliseconds == LatencyAdvice.ceilingMilliseconds)
    }

    @Test func dropsDespiteEnoughLatencyByTheRuleAskForHalfAsMuchAgain() throws {
        // 20 ms RTT, 2 % loss: the rule wants 120 but 300 already dropped: bursts or jitter.
        let advice = try #require(LatencyAdvice.advise(rttMilliseconds: 20, lossPercent: 2, currentMilliseconds: 300, tooLateDrops: 2))
        #expect(advice.beyondRule && advice.recommendedMilliseconds == 450)
    }

    @Test func linkStatisticsReadTheDirectionTheRelayUsesTheLinkIn() {
        var srt = SRTStatistics()
        srt.rttMilliseconds = 40
        srt.packetsReceivedUnique = 9_000
        srt.receiveLossPackets = 1_000
        srt.receiveDropPackets = 1_000
        srt.receiveLatencyMilliseconds = 120
        srt.packetsSentUnique = 5_000
        srt.sendLossPackets = 50
        srt.sendLatencyMilliseconds = 250
        let receiving = LinkStatistics(srt, direction: .receiving, packetFilter: nil)
        #expect(receiving.lossPercent == 10 && receiving.tooLateDrops == 1_000 && receiving.latencyMilliseconds == 120)
        #expect(receiving.advice?.recommendedMilliseconds == 400)
        let sending = LinkStatistics(srt, direction: .sending, packetFilter: "fec,cols:10,rows:5")
        #expect(sending.lossPercent == 1 && sending.tooLateDrops == 0 && sending.advice == nil && sending.latencyMilliseconds == 250)
    }
}
