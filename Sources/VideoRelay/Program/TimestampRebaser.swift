/// Maps a source's 90 kHz timestamps onto the program's one continuous timeline. Pure value:
/// each segment (a cut, a mode change, a source restart) starts one frame after the last
/// output, so the program's DTS never jumps or goes back, whatever the source's clock says.
/// MPEG-TS timestamps are 33-bit and wrap about every 26.5 hours; input is read modulo 2^33
/// and unwrapped against the previous packet, so a wrap inside a segment is seamless.
public struct TimestampRebaser: Sendable, Equatable {
    /// 2^33: where MPEG-TS PTS/DTS wrap.
    public static let wrap: Int64 = 1 << 33

    /// One frame in 90 kHz ticks: the gap left between segments.
    public let frameTicks: Int64
    /// A forward step larger than this (or any step back) inside a segment is a discontinuity
    /// of the source (restart, loop) and starts a new segment.
    public let maximumStep: Int64
    /// The program DTS of the last packet rebased (nil before the first).
    public private(set) var lastOutput: Int64?
    private let start: Int64
    private var lastInput: Int64?
    private var offset: Int64 = 0
    private var spliceNext = true

    /// - Parameter start: the program DTS of the very first packet.
    public init(start: Int64, frameTicks: Int64, maximumStep: Int64 = 90_000) {
        self.start = start
        self.frameTicks = frameTicks
        self.maximumStep = maximumStep
    }

    /// The next packet starts a new segment right after the last output.
    public mutating func splice() { spliceNext = true }

    /// Tells the rebaser that something else wrote `dts` on the same timeline (the encoder in
    /// transcode mode), so the next segment follows it.
    public mutating func noteOutput(_ dts: Int64) {
        lastOutput = max(lastOutput ?? dts, dts)
    }

    /// The program PTS and DTS for a source packet. A missing PTS is taken to equal the DTS.
    public mutating func rebase(pts: Int64?, dts: Int64) -> (pts: Int64, dts: Int64) {
        let input = Self.modulo(dts)
        var unwrapped = input
        var newSegment = spliceNext || lastInput == nil
        if !newSegment, let lastInput {
            let step = Self.signedDifference(input, Self.modulo(lastInput))
            if step <= 0 || step > maximumStep {
                newSegment = true
            } else {
                unwrapped = lastInput + step
            }
        }
        if newSegment {
            offset = (lastOutput.map { $0 + frameTicks } ?? start) - input
            unwrapped = input
            spliceNext = false
        }
        lastInput = unwrapped
        var outputDTS = unwrapped + offset
        if let lastOutput, outputDTS <= lastOutput { outputDTS = lastOutput + 1 }
        lastOutput = outputDTS
        let presentationDelay = pts.map { Self.signedDifference(Self.modulo($0), input) } ?? 0
        return (outputDTS + max(presentationDelay, 0), outputDTS)
    }

    /// `value` in 0..<2^33.
    static func modulo(_ value: Int64) -> Int64 {
        let r = value % wrap
        return r < 0 ? r + wrap : r
    }

    /// a - b on the 33-bit circle, in -2^32..<2^32.
    static func signedDifference(_ a: Int64, _ b: Int64) -> Int64 {
        var d = modulo(a - b)
        if d >= wrap / 2 { d -= wrap }
        return d
    }
}
