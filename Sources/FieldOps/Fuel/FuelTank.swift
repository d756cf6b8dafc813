/// A generator's tank as the fuel arithmetic sees it.
public struct FuelTank: Sendable, Equatable {
    /// Capacity in millilitres.
    public var capacityMillilitres: Int64
    /// The share of the capacity the pickup can draw, in per-mille (900 = 0.9): fuel below the
    /// pickup and sludge at the bottom never reach the engine.
    public var usableFractionPermille: Int
    /// Fuel kept back for emergencies and never planned with, in millilitres.
    public var reserveMillilitres: Int64

    /// Creates a tank description; `FieldOpsDatabase` validates the figures on input.
    public init(capacityMillilitres: Int64, usableFractionPermille: Int, reserveMillilitres: Int64) {
        self.capacityMillilitres = capacityMillilitres
        self.usableFractionPermille = usableFractionPermille
        self.reserveMillilitres = reserveMillilitres
    }

    /// The volume the pickup cannot draw: capacity × (1 − usable fraction), rounded up so that
    /// the plan never counts fuel the engine cannot reach.
    public var unusableMillilitres: Int64 {
        (capacityMillilitres * Int64(1000 - usableFractionPermille)).dividedRoundingUp(by: 1000)
    }

    /// Usable fuel = level − capacity × (1 − usable fraction) − reserve, never below zero.
    /// Example: 60 L in a 100 L tank, 0.9 usable, 10 L reserve → 60 − 10 − 10 = 40 L.
    public func usableMillilitres(atLevel level: Int64) -> Int64 {
        max(0, level - unusableMillilitres - reserveMillilitres)
    }
}

/// Time to empty = usable fuel ÷ burn rate, in whole seconds rounded down (a forecast that
/// rounds up would promise fuel that is not there). nil when the rate is zero: the tank
/// never empties at that load.
public func secondsToEmpty(usableMillilitres: Int64, millilitresPerHour: Int64) -> Int64? {
    guard millilitresPerHour > 0 else { return nil }
    return usableMillilitres * 3600 / millilitresPerHour
}
