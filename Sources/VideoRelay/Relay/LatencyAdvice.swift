/// A latency recommendation for a link that dropped packets as too late: SRT can only recover a
/// lost packet if the retransmission arrives within the latency, which takes a few round trips,
/// and more of them the more packets are lost (a retransmission can be lost too).
///
/// The rule (Haivision's SRT guidance: at least 4 x RTT, more as loss grows; the multipliers
/// above 3 % follow the field-conditions benchmark in docs/BENCHMARKS.md):
///
/// | loss      | <= 1 % | <= 3 % | <= 7 % | <= 10 % | <= 15 % | more |
/// |-----------|--------|--------|--------|---------|---------|------|
/// | x RTT     | 4      | 6      | 8      | 10      | 12      | 16   |
///
/// never below `floorMilliseconds` (at small RTTs, jitter and scheduling dominate), rounded up
/// to 50 ms (250 ms above 1 s). When the link already had at least that and still dropped, the
/// losses came in bursts or the delay varies more than the RTT shows: it then recommends half as
/// much again as it has.
public struct LatencyAdvice: Sendable, Codable, Equatable {
    /// The latency to configure, in milliseconds.
    public var recommendedMilliseconds: Int
    /// The latency the link has now.
    public var currentMilliseconds: Int
    /// The RTT multiplier the loss rate called for.
    public var rttMultiplier: Int
    /// True when the rule alone asked for no more than the link has (bursts or jitter).
    public var beyondRule: Bool

    /// Below this a recommendation is never made: the first step above libsrt's default 120 ms.
    public static let floorMilliseconds = 150
    /// The most relayd accepts (`latency_ms`).
    public static let ceilingMilliseconds = 8000

    /// The RTT multiplier for a loss rate in percent.
    public static func multiplier(lossPercent: Double) -> Int {
        switch lossPercent {
        case ...1: 4
        case ...3: 6
        case ...7: 8
        case ...10: 10
        case ...15: 12
        default: 16
        }
    }

    /// Rounds up to the step a person would configure: 50 ms, or 250 ms from 1 s on.
    public static func roundUp(_ milliseconds: Double) -> Int {
        let step = milliseconds > 1000 ? 250.0 : 50.0
        return Int((milliseconds / step).rounded(.up) * step)
    }

    /// The advice for a link, or nil when it dropped nothing (its latency is enough).
    public static func advise(
        rttMilliseconds: Double, lossPercent: Double, currentMilliseconds: Int, tooLateDrops: Int64
    ) -> LatencyAdvice? {
        guard tooLateDrops > 0 else { return nil }
        let multiplier = multiplier(lossPercent: max(0, lossPercent))
        var wanted = max(Double(floorMilliseconds), Double(multiplier) * max(0, rttMilliseconds))
        let beyondRule = wanted <= Double(currentMilliseconds)
        if beyondRule { wanted = Double(currentMilliseconds) * 1.5 }
        let recommended = min(ceilingMilliseconds, roundUp(wanted))
        return LatencyAdvice(
            recommendedMilliseconds: recommended, currentMilliseconds: currentMilliseconds, rttMultiplier: multiplier,
            beyondRule: beyondRule)
    }
}
