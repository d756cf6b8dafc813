/// A tank reading as the cross-check sees it: when, and how much was in the tank.
public struct LevelSample: Sendable, Equatable {
    /// Seconds since 1970.
    public var at: Int64
    /// Millilitres in the tank.
    public var levelMillilitres: Int64

    /// Creates a sample.
    public init(at: Int64, levelMillilitres: Int64) {
        self.at = at
        self.levelMillilitres = levelMillilitres
    }
}

/// Fuel put into the tank by a delivered refuel run.
public struct Delivery: Sendable, Equatable {
    /// When the fuel went in, seconds since 1970.
    public var at: Int64
    /// How much, millilitres.
    public var millilitres: Int64

    /// Creates a delivery.
    public init(at: Int64, millilitres: Int64) {
        self.at = at
        self.millilitres = millilitres
    }
}

/// The burn rate the tank itself reports: fuel consumed between readings (adding back
/// deliveries in between) over the time between them. It cross-checks the curve: a big gap
/// means a wrong curve, a wrong load figure, a leak or theft.
///
/// Readings closer together than `minimumSpanSeconds` are not compared with each other: a dip
/// is read to the nearest litre or so, and over seconds that error is the whole figure (two
/// readings 11 s apart once gave 490.9 L/h). Each reading is compared with the next one at
/// least that far after it; without such a pair the answer is nil (not enough data).
///
/// Pairs whose level rose more than the known deliveries explain are skipped (an unlogged
/// refuel or a misread dip would otherwise show as negative consumption).
public func observedMillilitresPerHour(samples: [LevelSample], deliveries: [Delivery], minimumSpanSeconds: Int64 = observedBurnMinimumSpanSeconds) -> Int64? {
    let ordered = samples.sorted { $0.at < $1.at }
    guard var earlier = ordered.first else { return nil }
    var consumed: Int64 = 0
    var elapsed: Int64 = 0
    for later in ordered.dropFirst() where later.at - earlier.at >= minimumSpanSeconds {
        let delivered = deliveries
            .filter { $0.at > earlier.at && $0.at <= later.at }
            .reduce(Int64(0)) { $0 + $1.millilitres }
        let used = earlier.levelMillilitres + delivered - later.levelMillilitres
        if used >= 0 {
            consumed += used
            elapsed += later.at - earlier.at
        }
        earlier = later
    }
    guard elapsed > 0 else { return nil }
    return (consumed * 3600).dividedRoundingHalfAwayFromZero(by: elapsed)
}

/// Readings must be at least this far apart (30 minutes) to give an observed burn rate.
public let observedBurnMinimumSpanSeconds: Int64 = 30 * 60

/// How a delivery squares with the tank: the level expected at the first reading after it
/// (the last reading before, minus the curve's burn over the gap, plus the delivery) against
/// the level read. A large discrepancy is a short delivery, a wrong reading or a leak.
public struct DeliveryReconciliation: Sendable, Equatable {
    /// The level the arithmetic expects at the later reading, ml.
    public var expectedMillilitres: Int64
    /// The level read, ml.
    public var readMillilitres: Int64
    /// read − expected, ml; negative means fuel is unaccounted for.
    public var discrepancyMillilitres: Int64 { readMillilitres - expectedMillilitres }

    /// Reconciles one delivery between two readings; the burn over the gap uses the rate at
    /// the earlier reading's load, rounded up to whole millilitres (fuel burned is never
    /// under-counted).
    public init(before: ReadingSnapshot, delivered: Int64, after: LevelSample, curve: BurnCurve) {
        let rate = curve.millilitresPerHour(atLoadPermille: before.loadPermille)
        let burned = (rate * max(0, after.at - before.at)).dividedRoundingUp(by: 3600)
        expectedMillilitres = before.levelMillilitres - burned + delivered
        readMillilitres = after.levelMillilitres
    }
}
