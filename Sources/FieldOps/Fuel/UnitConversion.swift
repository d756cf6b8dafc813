/// Conversions between the units people use (litres, kW, hours, percent) and the integers
/// FieldOps stores (millilitres, watts, seconds, per-mille). Only the edges (HTTP, CLI, pages)
/// call these; all arithmetic happens on the integers. Inputs round to the nearest integer
/// unit; errors name the field as the caller spelled it.
public enum UnitConversion {
    /// Litres → millilitres, refusing negative, infinite and NaN values.
    public static func millilitres(fromLitres litres: Double, field: String) throws(FieldOpsError) -> Int64 {
        guard litres.isFinite, litres >= 0 else { throw .invalid(field: field, message: "must be a number of litres, zero or more") }
        guard litres <= 10_000_000 else { throw .invalid(field: field, message: "is implausibly large") }
        return Int64((litres * 1000).rounded())
    }

    /// Kilowatts → watts; a generator rated at zero is a typo, so zero is refused.
    public static func watts(fromKilowatts kilowatts: Double, field: String) throws(FieldOpsError) -> Int64 {
        guard kilowatts.isFinite, kilowatts > 0, kilowatts <= 100_000 else {
            throw .invalid(field: field, message: "must be a power in kW above zero")
        }
        return Int64((kilowatts * 1000).rounded())
    }

    /// Percent (0...100) → per-mille; one decimal of percent is kept.
    public static func permille(fromPercent percent: Double, field: String) throws(FieldOpsError) -> Int {
        guard percent.isFinite, (0...100).contains(percent) else {
            throw .invalid(field: field, message: "must be a percentage between 0 and 100")
        }
        return Int((percent * 10).rounded())
    }

    /// A fraction (0 < f ≤ 1) → per-mille.
    public static func permille(fromFraction fraction: Double, field: String) throws(FieldOpsError) -> Int {
        guard fraction.isFinite, fraction > 0, fraction <= 1 else {
            throw .invalid(field: field, message: "must be a fraction above 0 and at most 1")
        }
        return Int((fraction * 1000).rounded())
    }

    /// Hours → seconds, zero or more.
    public static func seconds(fromHours hours: Double, field: String) throws(FieldOpsError) -> Int64 {
        guard hours.isFinite, hours >= 0, hours <= 24 * 366 else {
            throw .invalid(field: field, message: "must be a number of hours between 0 and 8784")
        }
        return Int64((hours * 3600).rounded())
    }

    /// Millilitres → litres, exact to the millilitre.
    public static func litres(fromMillilitres millilitres: Int64) -> Double { Double(millilitres) / 1000 }

    /// Watts → kilowatts.
    public static func kilowatts(fromWatts watts: Int64) -> Double { Double(watts) / 1000 }

    /// Per-mille → percent.
    public static func percent(fromPermille permille: Int) -> Double { Double(permille) / 10 }

    /// Seconds → hours rounded to two decimals (36 s): finer figures suggest a precision the
    /// forecast does not have. 42 352 s → 11.76 h.
    public static func hours(fromSeconds seconds: Int64) -> Double { (Double(seconds) / 36).rounded() / 100 }
}
