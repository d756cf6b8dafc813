import Dispatch

/// The program's time units. MPEG-TS stamps pictures and sound in 90 kHz ticks; the switcher
/// counts milliseconds of a monotonic clock; the program thread measures `Duration`s since it
/// started. These are the only conversions between them.
enum ProgramTime {
    /// MPEG-TS timestamps tick at 90 kHz.
    static let ticksPerSecond: Int64 = 90_000
    /// Program timestamps start here (10 s), clear of zero so nothing is ever negative.
    static let startTicks: Int64 = 10 * ticksPerSecond
    /// Encoded pictures (no B-frames) are decoded this many frames before they are shown: the
    /// reorder delay of a B-frame source (x264's default pyramid), so such a source passed
    /// through after them shows its keyframe on the very next frame rather than one late.
    static let encodedDecodeLeadFrames: Int64 = 2

    /// The DTS of an encoded picture shown at `pts`: `encodedDecodeLeadFrames` before it, and
    /// after `last`, the last DTS out (which is before `pts`).
    static func encodedDTS(pts: Int64, after last: Int64?, frameTicks: Int64) -> Int64 {
        max(pts - encodedDecodeLeadFrames * frameTicks, (last ?? .min) + 1)
    }
}

extension Duration {
    /// Whole 90 kHz ticks in this duration (rounded toward zero).
    var ticks: Int64 {
        let (seconds, attoseconds) = components
        // attoseconds < 10^18: as nanoseconds (< 10^9) times 9 / 100_000 stays far from overflow.
        return seconds * ProgramTime.ticksPerSecond + attoseconds / 1_000_000_000 * 9 / 100_000
    }

    /// Whole milliseconds in this duration (rounded toward zero).
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// This duration for a Dispatch wait (nanoseconds, rounded down).
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        return .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }

    /// `ticks` 90 kHz ticks as a duration.
    static func ticks(_ ticks: Int64) -> Duration {
        .nanoseconds(ticks * 100_000 / 9)
    }
}
