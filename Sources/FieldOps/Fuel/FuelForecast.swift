/// How urgently a generator needs fuel. Ordered from most to least urgent so that lists sort
/// by it directly.
public enum FuelBand: String, Codable, Sendable, CaseIterable, Comparable {
    /// The order-by time is past (a run leaving now arrives inside the margin, or too late),
    /// the usable fuel is gone, or no access mode can reach the station.
    case critical
    /// No reading within the expected interval: the forecast rests on an old figure.
    case stale
    /// The order-by time is within `FuelBandPolicy.lowWithinSeconds`.
    case low
    /// The order-by time is within `FuelBandPolicy.watchWithinSeconds`.
    case watch
    /// Nothing to do yet.
    case ok

    /// Urgency order: critical < stale < low < watch < ok.
    public static func < (lhs: FuelBand, rhs: FuelBand) -> Bool { lhs.urgencyRank < rhs.urgencyRank }

    private var urgencyRank: Int {
        switch self {
        case .critical: 0
        case .stale: 1
        case .low: 2
        case .watch: 3
        case .ok: 4
        }
    }
}

/// The thresholds that turn an order-by time into a band. Defaults suit a relay station on a
/// daily reading round; a generator can override the reading interval.
public struct FuelBandPolicy: Sendable, Equatable {
    /// Margin kept between the planned arrival and the tank running dry (default 12 h).
    public var marginSeconds: Int64 = 12 * 3600
    /// Low when the order-by time is this close (default 24 h).
    public var lowWithinSeconds: Int64 = 24 * 3600
    /// Watch when the order-by time is this close (default 72 h).
    public var watchWithinSeconds: Int64 = 72 * 3600

    /// The default policy.
    public init() {}
}

/// The latest tank reading, as the forecast needs it.
public struct ReadingSnapshot: Sendable, Equatable {
    /// When the reading was taken, seconds since 1970.
    public var at: Int64
    /// Fuel in the tank, millilitres.
    public var levelMillilitres: Int64
    /// The generator's load at the time, per-mille of rated power.
    public var loadPermille: Int

    /// Creates a snapshot.
    public init(at: Int64, levelMillilitres: Int64, loadPermille: Int) {
        self.at = at
        self.levelMillilitres = levelMillilitres
        self.loadPermille = loadPermille
    }
}

/// The fastest way to get fuel to a station right now.
public struct AccessLeadTime: Sendable, Equatable {
    /// "road", "over_snow" or "helicopter".
    public var mode: String
    /// From ordering the run to fuel in the tank, seconds.
    public var leadSeconds: Int64

    /// Creates a lead time.
    public init(mode: String, leadSeconds: Int64) {
        self.mode = mode
        self.leadSeconds = leadSeconds
    }
}

/// Everything derived from one reading: burn rates, time to empty, order-by time and band.
/// Every surface (API, pages, CLI, alerts) shows these numbers and only these.
public struct FuelForecast: Sendable, Equatable {
    /// Burn rate at the reading's load, ml/h.
    public var millilitresPerHourAtLoad: Int64
    /// Burn rate at full load, ml/h.
    public var millilitresPerHourAtFullLoad: Int64
    /// Usable fuel at the time of the reading, ml.
    public var usableMillilitresAtReading: Int64
    /// Time to empty from the reading at its load, seconds; nil if the rate is zero.
    public var secondsToEmptyAtLoad: Int64?
    /// Time to empty from the reading at full load, seconds; the pessimistic end of the range.
    public var secondsToEmptyAtFullLoad: Int64?
    /// When the usable fuel runs out at the reading's load; nil if never.
    public var emptiesAt: Int64?
    /// When a refuel run must leave: empties_at − lead time of the fastest available access
    /// mode − margin. nil when the tank never empties or no access mode is available.
    public var orderBy: Int64?
    /// The access mode the order-by time assumes.
    public var access: AccessLeadTime?
    /// The band at `now`.
    public var band: FuelBand

    /// Forecasts from the latest reading.
    ///
    /// Times to empty are measured from the reading, not from `now`, so they match the figures
    /// a coordinator computes by hand from the logged reading; `emptiesAt` and `orderBy` are
    /// absolute times, and the band compares them with `now`.
    public init(
        tank: FuelTank,
        curve: BurnCurve,
        reading: ReadingSnapshot,
        fastestAccess: AccessLeadTime?,
        readingIntervalSeconds: Int64,
        policy: FuelBandPolicy = FuelBandPolicy(),
        now: Int64
    ) {
        millilitresPerHourAtLoad = curve.millilitresPerHour(atLoadPermille: reading.loadPermille)
        millilitresPerHourAtFullLoad = curve.millilitresPerHourAtFullLoad
        usableMillilitresAtReading = tank.usableMillilitres(atLevel: reading.levelMillilitres)
        secondsToEmptyAtLoad = secondsToEmpty(usableMillilitres: usableMillilitresAtReading, millilitresPerHour: millilitresPerHourAtLoad)
        secondsToEmptyAtFullLoad = secondsToEmpty(usableMillilitres: usableMillilitresAtReading, millilitresPerHour: millilitresPerHourAtFullLoad)
        emptiesAt = secondsToEmptyAtLoad.map { reading.at + $0 }
        access = fastestAccess
        if let emptiesAt, let fastestAccess {
            orderBy = emptiesAt - fastestAccess.leadSeconds - policy.marginSeconds
        } else {
            orderBy = nil
        }
        band = FuelForecast.band(
            usableMillilitres: usableMillilitresAtReading,
            emptiesAt: emptiesAt,
            orderBy: orderBy,
            hasAccess: fastestAccess != nil,
            readingAge: now - reading.at,
            readingIntervalSeconds: readingIntervalSeconds,
            policy: policy,
            now: now
        )
    }

    /// Critical outranks stale: an old reading that already says "too late" must not hide
    /// behind "take a reading". A station no access mode can reach is critical while its tank
    /// can empty at all, because no order-by time can be promised.
    static func band(
        usableMillilitres: Int64,
        emptiesAt: Int64?,
        orderBy: Int64?,
        hasAccess: Bool,
        readingAge: Int64,
        readingIntervalSeconds: Int64,
        policy: FuelBandPolicy,
        now: Int64
    ) -> FuelBand {
        guard let emptiesAt else { return readingAge > readingIntervalSeconds ? .stale : .ok }
        if usableMillilitres == 0 || emptiesAt <= now || !hasAccess { return .critical }
        guard let orderBy else { return .critical }
        if orderBy <= now { return .critical }
        if readingAge > readingIntervalSeconds { return .stale }
        let untilOrderBy = orderBy - now
        if untilOrderBy <= policy.lowWithinSeconds { return .low }
        if untilOrderBy <= policy.watchWithinSeconds { return .watch }
        return .ok
    }

    /// Time to empty counted from `now` instead of from the reading, never negative.
    public func secondsLeft(from now: Int64) -> Int64? {
        emptiesAt.map { max(0, $0 - now) }
    }
}
