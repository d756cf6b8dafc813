import Foundation

/// A video frame rate as an exact fraction of frames per second. Broadcast rates in Japan are
/// 30000/1001 (29.97) and 60000/1001 (59.94): a frame is 3003 or 1501.5 ticks of the 90 kHz
/// clock, so frame times are always computed from a frame count (`ticks(frames:)`), never by
/// adding a rounded frame duration, which would drift over hours.
public struct FrameRate: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Frames per `denominator` seconds.
    public let numerator: Int
    public let denominator: Int

    public static let ntsc30 = FrameRate(30_000, 1001)
    public static let ntsc60 = FrameRate(60_000, 1001)
    public static let fps30 = FrameRate(30, 1)
    public static let fps25 = FrameRate(25, 1)
    public static let fps50 = FrameRate(50, 1)
    /// The rates a program profile may have.
    public static let supported: [FrameRate] = [.ntsc30, .ntsc60, .fps30, .fps25, .fps50]

    public init(_ numerator: Int, _ denominator: Int = 1) {
        precondition(numerator > 0 && denominator > 0, "a frame rate is positive")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// One of the supported rates from its usual spellings: `30000/1001`, `29.97`, `30`, `25`,
    /// `50`, `60000/1001`, `59.94`. Nil for anything else.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let aliases = ["29.97": FrameRate.ntsc30, "59.94": .ntsc60]
        if let alias = aliases[trimmed] {
            self = alias
            return
        }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let numerator = Int(parts[0]), numerator > 0,
            let denominator = parts.count == 2 ? Int(parts[1]) : 1, denominator > 0
        else { return nil }
        let rate = FrameRate(numerator, denominator)
        guard let match = FrameRate.supported.first(where: { $0 == rate }) else { return nil }
        self = match
    }

    /// Equal as fractions (60/2 equals 30/1).
    public static func == (a: FrameRate, b: FrameRate) -> Bool {
        a.numerator * b.denominator == b.numerator * a.denominator
    }

    public func hash(into hasher: inout Hasher) {
        let divisor = Self.gcd(numerator, denominator)
        hasher.combine(numerator / divisor)
        hasher.combine(denominator / divisor)
    }

    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

    /// Frames per second as a decimal (for logs and display only).
    public var framesPerSecond: Double { Double(numerator) / Double(denominator) }

    /// Whole frames in a second, rounded up (30 for 29.97): a bound for "a second's worth".
    public var framesPerSecondRoundedUp: Int { (numerator + denominator - 1) / denominator }

    /// The 90 kHz time of frame `frames` counted from zero, rounded down: exact for every
    /// frame count, so frame N of a 29.97 program is at N × 3003 after any number of hours.
    public func ticks(frames: Int64) -> Int64 {
        frames * ProgramTime.ticksPerSecond * Int64(denominator) / Int64(numerator)
    }

    /// One frame in 90 kHz ticks, rounded down (1501 at 59.94): only for gaps and durations
    /// that do not accumulate.
    public var frameTicks: Int64 { max(ticks(frames: 1), 1) }

    /// Whether a stream's measured rate (a fraction from the demuxer) is this rate: within one
    /// part in 10,000, which tells 29.97 from 30 while accepting a rate measured as 2997/100.
    public func matches(numerator otherNumerator: Int, denominator otherDenominator: Int) -> Bool {
        guard otherNumerator > 0, otherDenominator > 0 else { return false }
        let mine = Double(numerator) / Double(denominator)
        let other = Double(otherNumerator) / Double(otherDenominator)
        return abs(mine - other) <= mine / 10_000
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
}

/// The next program frames on an exact grid of a rational rate. The grid is anchored at the
/// first frame out and re-anchored whenever a frame lands off it (passthrough follows the
/// source's own timestamps; a splice may start anywhere); on the grid, frame N after the anchor
/// is at anchor + `rate.ticks(frames: N)`, so repeated, slate and encoded pictures never drift.
struct FrameGrid: Sendable, Equatable {
    let rate: FrameRate
    private(set) var anchor: Int64
    /// Frames after the anchor of the last frame out.
    private(set) var count: Int64 = 0

    init(rate: FrameRate, anchor: Int64) {
        self.rate = rate
        self.anchor = anchor
    }

    /// The time of the last frame out.
    var last: Int64 { anchor + rate.ticks(frames: count) }

    /// The time of the frame after the last one out.
    var next: Int64 { anchor + rate.ticks(frames: count + 1) }

    /// Notes a frame out at `pts`: the next grid frame counts on, anything else re-anchors.
    mutating func note(_ pts: Int64) {
        if pts == next {
            count += 1
        } else if pts != last {
            anchor = pts
            count = 0
        }
    }
}
