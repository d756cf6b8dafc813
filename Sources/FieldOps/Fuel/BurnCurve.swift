/// Fuel burned per hour at a given load, as measured points of a generator's curve.
///
/// Loads are per-mille of rated power (600 = 60 %), rates millilitres per hour, so the
/// interpolation is exact integer arithmetic with one documented rounding.
public struct BurnCurve: Sendable, Equatable, Codable {
    /// One measured point of the curve.
    public struct Point: Sendable, Equatable, Codable {
        /// Load in per-mille of rated power, 0...1000.
        public var loadPermille: Int
        /// Fuel burned per hour at that load, in millilitres.
        public var millilitresPerHour: Int64

        /// Creates a point.
        public init(loadPermille: Int, millilitresPerHour: Int64) {
            self.loadPermille = loadPermille
            self.millilitresPerHour = millilitresPerHour
        }
    }

    /// The points, sorted by load, no two at the same load.
    public let points: [Point]

    /// Validates and sorts the points. Errors name the field `curve` as the API spells it.
    public init(points: [Point]) throws(FieldOpsError) {
        guard !points.isEmpty else {
            throw .invalid(field: "curve", message: "needs at least one [load_percent, litres_per_hour] point")
        }
        let sorted = points.sorted { $0.loadPermille < $1.loadPermille }
        for point in sorted {
            guard (0...1000).contains(point.loadPermille) else {
                throw .invalid(field: "curve", message: "load_percent must be between 0 and 100")
            }
            guard point.millilitresPerHour >= 0 else {
                throw .invalid(field: "curve", message: "litres_per_hour must not be negative")
            }
        }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.loadPermille == later.loadPermille {
            throw .invalid(field: "curve", message: "two points at load \(Double(later.loadPermille) / 10) %")
        }
        self.points = sorted
    }

    /// The burn rate at `loadPermille`: linear between neighbouring points, clamped to the
    /// first and last point outside them (a generator idling below the lowest measured load
    /// still burns at least that much; one overloaded burns at least the full-load rate).
    ///
    /// rate = r0 + (r1 − r0) × (load − l0) / (l1 − l0), rounded to the nearest millilitre per
    /// hour (halves away from zero). Example: 50 %→3000, 75 %→4000 at 60 % gives 3400.
    public func millilitresPerHour(atLoadPermille load: Int) -> Int64 {
        guard let first = points.first, let last = points.last else { return 0 }
        if load <= first.loadPermille { return first.millilitresPerHour }
        if load >= last.loadPermille { return last.millilitresPerHour }
        for (lower, upper) in zip(points, points.dropFirst()) where load <= upper.loadPermille {
            let rise = (upper.millilitresPerHour - lower.millilitresPerHour) * Int64(load - lower.loadPermille)
            let run = Int64(upper.loadPermille - lower.loadPermille)
            return lower.millilitresPerHour + rise.dividedRoundingHalfAwayFromZero(by: run)
        }
        return last.millilitresPerHour
    }

    /// The rate at full rated load (100 %).
    public var millilitresPerHourAtFullLoad: Int64 { millilitresPerHour(atLoadPermille: 1000) }
}

extension Int64 {
    /// Integer division rounded to nearest, halves away from zero; `divisor` must be positive.
    func dividedRoundingHalfAwayFromZero(by divisor: Int64) -> Int64 {
        let half = divisor / 2
        return self >= 0 ? (self + half) / divisor : -((-self + half) / divisor)
    }

    /// Integer division rounded up, for non-negative operands.
    func dividedRoundingUp(by divisor: Int64) -> Int64 {
        (self + divisor - 1) / divisor
    }

    /// Integer division rounded towards minus infinity; `divisor` must be positive (times
    /// before 1970 are negative).
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return self % divisor < 0 ? quotient - 1 : quotient
    }
}
