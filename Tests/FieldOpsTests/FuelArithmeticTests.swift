import Testing
@testable import FieldOps

/// The issue's worked example and hand-computed figures for every rule of the fuel arithmetic.
@Suite struct FuelArithmeticTests {
    /// 25 %→2, 50 %→3, 75 %→4, 100 %→5 L/h.
    static let exampleCurve = try! BurnCurve(points: [  // literal points, valid by construction
        .init(loadPermille: 250, millilitresPerHour: 2000),
        .init(loadPermille: 500, millilitresPerHour: 3000),
        .init(loadPermille: 750, millilitresPerHour: 4000),
        .init(loadPermille: 1000, millilitresPerHour: 5000),
    ])
    /// 100 L tank, usable fraction 0.9, reserve 10 L.
    static let exampleTank = FuelTank(capacityMillilitres: 100_000, usableFractionPermille: 900, reserveMillilitres: 10_000)
    static let t0: Int64 = 1_700_000_000

    @Test func theIssuesWorkedExample() {
        // 60 L at 60 % load → 3.4 L/h; usable 60 − 10 − 10 = 40 L; 40 / 3.4 = 11.76 h; 40 / 5 = 8 h.
        let forecast = FuelForecast(
            tank: Self.exampleTank, curve: Self.exampleCurve,
            reading: ReadingSnapshot(at: Self.t0, levelMillilitres: 60_000, loadPermille: 600),
            fastestAccess: AccessLeadTime(mode: "road", leadSeconds: 6 * 3600),
            readingIntervalSeconds: 86_400, now: Self.t0
        )
        #expect(forecast.millilitresPerHourAtLoad == 3400)
        #expect(forecast.millilitresPerHourAtFullLoad == 5000)
        #expect(forecast.usableMillilitresAtReading == 40_000)
        #expect(forecast.secondsToEmptyAtLoad == 42_352)  // 40 000 × 3600 / 3400 = 42 352.9, rounded down
        #expect(forecast.secondsToEmptyAtFullLoad == 28_800)
        #expect(UnitConversion.hours(fromSeconds: 42_352) == 11.76)
        #expect(UnitConversion.hours(fromSeconds: 28_800) == 8)
        // order-by = reading + 42 352 − 6 h road − 12 h margin = t0 − 22 448: already past.
        #expect(forecast.orderBy == Self.t0 - 22_448)
        #expect(forecast.band == .critical)
    }

    @Test func interpolationIsLinearBetweenPointsAndClampedOutside() {
        let curve = Self.exampleCurve
        #expect(curve.millilitresPerHour(atLoadPermille: 0) == 2000)     // below the first point
        #expect(curve.millilitresPerHour(atLoadPermille: 250) == 2000)
        #expect(curve.millilitresPerHour(atLoadPermille: 600) == 3400)
        #expect(curve.millilitresPerHour(atLoadPermille: 625) == 3500)
        #expect(curve.millilitresPerHour(atLoadPermille: 750) == 4000)
        #expect(curve.millilitresPerHour(atLoadPermille: 1000) == 5000)
    }

    @Test func interpolationRoundsToTheNearestMillilitreHalvesAwayFromZero() throws {
        let rising = try BurnCurve(points: [.init(loadPermille: 0, millilitresPerHour: 1000), .init(loadPermille: 300, millilitresPerHour: 2000)])
        #expect(rising.millilitresPerHour(atLoadPermille: 100) == 1333)  // 1333.3
        #expect(rising.millilitresPerHour(atLoadPermille: 200) == 1667)  // 1666.7
        let tiny = try BurnCurve(points: [.init(loadPermille: 0, millilitresPerHour: 0), .init(loadPermille: 1000, millilitresPerHour: 1)])
        #expect(tiny.millilitresPerHour(atLoadPermille: 500) == 1)       // 0.5 → 1
        let falling = try BurnCurve(points: [.init(loadPermille: 0, millilitresPerHour: 1), .init(loadPermille: 1000, millilitresPerHour: 0)])
        #expect(falling.millilitresPerHour(atLoadPermille: 500) == 0)    // 1 − 0.5 → 1 − 1
    }

    @Test func aSinglePointCurveIsFlat() throws {
        let flat = try BurnCurve(points: [.init(loadPermille: 500, millilitresPerHour: 2500)])
        #expect(flat.millilitresPerHour(atLoadPermille: 0) == 2500)
        #expect(flat.millilitresPerHourAtFullLoad == 2500)
    }

    @Test func pointsAreSortedWhateverOrderTheyCameIn() throws {
        let shuffled = try BurnCurve(points: Self.exampleCurve.points.reversed())
        #expect(shuffled == Self.exampleCurve)
    }

    @Test func badCurvesNameTheCurveField() {
        #expect(throws: FieldOpsError.invalid(field: "curve", message: "needs at least one [load_percent, litres_per_hour] point")) {
            try BurnCurve(points: [])
        }
        #expect(throws: FieldOpsError.invalid(field: "curve", message: "two points at load 50.0 %")) {
            try BurnCurve(points: [.init(loadPermille: 500, millilitresPerHour: 1), .init(loadPermille: 500, millilitresPerHour: 2)])
        }
        #expect(throws: FieldOpsError.invalid(field: "curve", message: "litres_per_hour must not be negative")) {
            try BurnCurve(points: [.init(loadPermille: 500, millilitresPerHour: -1)])
        }
        #expect(throws: FieldOpsError.invalid(field: "curve", message: "load_percent must be between 0 and 100")) {
            try BurnCurve(points: [.init(loadPermille: 1001, millilitresPerHour: 1)])
        }
    }

    @Test func usableFuelNeverGoesBelowZero() {
        #expect(Self.exampleTank.unusableMillilitres == 10_000)
        #expect(Self.exampleTank.usableMillilitres(atLevel: 60_000) == 40_000)
        #expect(Self.exampleTank.usableMillilitres(atLevel: 20_000) == 0)
        #expect(Self.exampleTank.usableMillilitres(atLevel: 15_000) == 0)  // 15 − 10 − 10 = −5
    }

    @Test func unusableFuelRoundsUpSoThePlanNeverCountsUnreachableFuel() {
        let odd = FuelTank(capacityMillilitres: 1001, usableFractionPermille: 999, reserveMillilitres: 0)
        #expect(odd.unusableMillilitres == 2)  // 1.001 ml → 2 ml
    }

    @Test func timeToEmptyIsNilAtZeroBurnAndZeroWhenNothingIsUsable() {
        #expect(secondsToEmpty(usableMillilitres: 40_000, millilitresPerHour: 0) == nil)
        #expect(secondsToEmpty(usableMillilitres: 0, millilitresPerHour: 3400) == 0)
    }

    @Test func anEmptyTankIsCriticalAtOnce() {
        let forecast = Self.bigTankForecast(level: 140_000, now: Self.t0)  // 140 − 100 − 50 < 0
        #expect(forecast.usableMillilitresAtReading == 0)
        #expect(forecast.emptiesAt == Self.t0)
        #expect(forecast.band == .critical)
    }

    // A 1000 L tank, 0.9 usable (100 L unusable), 50 L reserve, 850 L at 50 % (3 L/h):
    // usable 700 L → 700 000 × 3600 / 3000 = 840 000 s; road 6 h, margin 12 h →
    // order-by = t0 + 840 000 − 21 600 − 43 200 = t0 + 775 200.
    static func bigTankForecast(level: Int64 = 850_000, now: Int64, interval: Int64 = 30 * 86_400, access: AccessLeadTime? = AccessLeadTime(mode: "road", leadSeconds: 21_600)) -> FuelForecast {
        FuelForecast(
            tank: FuelTank(capacityMillilitres: 1_000_000, usableFractionPermille: 900, reserveMillilitres: 50_000),
            curve: exampleCurve,
            reading: ReadingSnapshot(at: t0, levelMillilitres: level, loadPermille: 500),
            fastestAccess: access, readingIntervalSeconds: interval, now: now
        )
    }

    @Test func orderByIsEmptyTimeMinusLeadTimeMinusMargin() {
        let forecast = Self.bigTankForecast(now: Self.t0)
        #expect(forecast.secondsToEmptyAtLoad == 840_000)
        #expect(forecast.emptiesAt == Self.t0 + 840_000)
        #expect(forecast.orderBy == Self.t0 + 775_200)
        #expect(forecast.access?.mode == "road")
        #expect(forecast.secondsLeft(from: Self.t0 + 40_000) == 800_000)
        #expect(forecast.secondsLeft(from: Self.t0 + 900_000) == 0)
    }

    @Test(arguments: [
        (FuelArithmeticTests.t0, FuelBand.ok),                          // 215.3 h to order-by
        (FuelArithmeticTests.t0 + 775_200 - 259_200 - 1, .ok),           // 72 h + 1 s
        (FuelArithmeticTests.t0 + 775_200 - 259_200, .watch),            // exactly 72 h
        (FuelArithmeticTests.t0 + 775_200 - 86_400 - 1, .watch),         // 24 h + 1 s
        (FuelArithmeticTests.t0 + 775_200 - 86_400, .low),               // exactly 24 h
        (FuelArithmeticTests.t0 + 775_200 - 1, .low),                    // 1 s left
        (FuelArithmeticTests.t0 + 775_200, .critical),                   // order-by reached
    ])
    func bandsFollowTheTimeLeftToOrderBy(now: Int64, band: FuelBand) {
        #expect(Self.bigTankForecast(now: now).band == band)
    }

    @Test func anOverdueReadingIsStaleUnlessAlreadyCritical() {
        #expect(Self.bigTankForecast(now: Self.t0 + 86_400, interval: 86_400).band == .ok)      // exactly on time
        #expect(Self.bigTankForecast(now: Self.t0 + 86_401, interval: 86_400).band == .stale)
        #expect(Self.bigTankForecast(now: Self.t0 + 775_200, interval: 86_400).band == .critical)
    }

    @Test func aStationNoAccessModeReachesIsCritical() {
        let forecast = Self.bigTankForecast(now: Self.t0, access: nil)
        #expect(forecast.orderBy == nil)
        #expect(forecast.band == .critical)
    }

    @Test func aGeneratorThatBurnsNothingNeverEmpties() throws {
        let idle = try BurnCurve(points: [.init(loadPermille: 0, millilitresPerHour: 0)])
        let forecast = FuelForecast(
            tank: Self.exampleTank, curve: idle, reading: ReadingSnapshot(at: Self.t0, levelMillilitres: 60_000, loadPermille: 0),
            fastestAccess: nil, readingIntervalSeconds: 86_400, now: Self.t0
        )
        #expect(forecast.emptiesAt == nil)
        #expect(forecast.band == .ok)
    }

    @Test func bandsSortMostUrgentFirst() {
        #expect([FuelBand.ok, .watch, .critical, .low, .stale].sorted() == [.critical, .stale, .low, .watch, .ok])
    }

    @Test func observedBurnAddsBackDeliveriesAndSkipsUnexplainedRises() {
        let hour: Int64 = 3600
        let samples = [
            LevelSample(at: Self.t0, levelMillilitres: 100_000),
            LevelSample(at: Self.t0 + 10 * hour, levelMillilitres: 70_000),   // 30 L in 10 h
            LevelSample(at: Self.t0 + 20 * hour, levelMillilitres: 90_000),   // 70 + 50 − 90 = 30 L in 10 h
            LevelSample(at: Self.t0 + 30 * hour, levelMillilitres: 95_000),   // rose 5 L, no delivery: skipped
        ]
        let deliveries = [Delivery(at: Self.t0 + 12 * hour, millilitres: 50_000)]
        #expect(observedMillilitresPerHour(samples: samples.shuffled(), deliveries: deliveries) == 3000)
        #expect(observedMillilitresPerHour(samples: [samples[0]], deliveries: []) == nil)
    }

    @Test func observedBurnNeedsReadingsAtLeastHalfAnHourApart() {
        // Two dips 11 s apart, 1.5 L "burned": 490.9 L/h before; now not enough data.
        let close = [LevelSample(at: Self.t0, levelMillilitres: 60_000), LevelSample(at: Self.t0 + 11, levelMillilitres: 58_500)]
        #expect(observedMillilitresPerHour(samples: close, deliveries: []) == nil)
        // A reading 10 minutes in is skipped over: 60 → 57 L over the 1 h pair only, 3 L/h.
        let spread = close + [LevelSample(at: Self.t0 + 600, levelMillilitres: 59_000), LevelSample(at: Self.t0 + 3600, levelMillilitres: 57_000)]
        #expect(observedMillilitresPerHour(samples: spread, deliveries: []) == 3000)
        // Exactly 30 minutes is enough.
        let halfHour = [LevelSample(at: Self.t0, levelMillilitres: 60_000), LevelSample(at: Self.t0 + 1800, levelMillilitres: 58_500)]
        #expect(observedMillilitresPerHour(samples: halfHour, deliveries: []) == 3000)
    }

    @Test func aDeliveryReconcilesWithTheNextReading() {
        // 60 L at 60 % (3.4 L/h); 5 h later 17 L burned; +50 L delivered → 93 L expected; 92 L read.
        let reconciliation = DeliveryReconciliation(
            before: ReadingSnapshot(at: Self.t0, levelMillilitres: 60_000, loadPermille: 600),
            delivered: 50_000,
            after: LevelSample(at: Self.t0 + 5 * 3600, levelMillilitres: 92_000),
            curve: Self.exampleCurve
        )
        #expect(reconciliation.expectedMillilitres == 93_000)
        #expect(reconciliation.discrepancyMillilitres == -1000)
    }

    @Test func conversionsRoundAtTheEdgeAndNameTheField() throws {
        #expect(try UnitConversion.millilitres(fromLitres: 60.0004, field: "litres") == 60_000)
        #expect(try UnitConversion.millilitres(fromLitres: 0.0005, field: "litres") == 1)
        #expect(try UnitConversion.permille(fromPercent: 62.5, field: "load_percent") == 625)
        #expect(try UnitConversion.watts(fromKilowatts: 7.5, field: "rated_kw") == 7500)
        #expect(try UnitConversion.permille(fromFraction: 0.9, field: "usable_fraction") == 900)
        #expect(throws: FieldOpsError.invalid(field: "litres", message: "must be a number of litres, zero or more")) {
            try UnitConversion.millilitres(fromLitres: -1, field: "litres")
        }
        #expect(throws: FieldOpsError.invalid(field: "load_percent", message: "must be a percentage between 0 and 100")) {
            try UnitConversion.permille(fromPercent: .nan, field: "load_percent")
        }
    }
}
