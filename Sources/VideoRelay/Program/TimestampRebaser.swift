/// Maps a source's 90 kHz timestamps onto the program's one continuous timeline. Pure value:
/// each segment (a cut, a mode change, a source restart) starts one frame after the last
/// output, so the program's DTS never jumps or goes back, whatever the source's clock says.
/// Decode order is kept: each packet's PTS stays its source's distance after its DTS (the
/// reordering delay of B-frames), and a segment starts so that its first picture is shown after
/// every picture before it and is decoded after every packet before it.
/// MPEG-TS timestamps are 33-bit and wrap about every 26.5 hours; input is read modulo 2^33
/// and unwrapped against the previous packet, so a wrap inside a segment is seamless.
public struct TimestampRebaser: Sendable, Equatable {
    /// 2^33: where MPEG-TS PTS/DTS wrap.
    public static let wrap: Int64 = 1 << 33

    /// One frame in 90 kHz ticks: the gap left between segments when no start is given.
    public let frameTicks: Int64
    /// A forward step larger than this (or any step back) inside a segment is a discontinuity
    /// of the source (restart, loop) and starts a new segment.
    public let maximumStep: Int64
    /// The program DTS of the last packet out (nil before the first): written packets and
    /// noted output, not packets rebased for decoding.
    public private(set) var lastOutput: Int64?
    /// The largest program PTS out: the last picture shown so far.
    public private(set) var lastPresentation: Int64?
    private let start: Int64
    private var lastInput: Int64?
    /// The program DTS of the last packet this rebaser mapped.
    private var lastRebased: Int64?
    /// The largest PTS of this segment's packets rebased for decoding.
    private var decodedPresentation: Int64?
    private var offset: Int64 = 0
    private var spliceNext = true
    private var spliceAt: Int64?
    private var spliceEarlier: Int64 = 0

    /// - Parameter start: the program DTS of the very first packet.
    public init(start: Int64, frameTicks: Int64, maximumStep: Int64 = 90_000) {
        self.start = start
        self.frameTicks = frameTicks
        self.maximumStep = maximumStep
    }

    /// The next packet starts a new segment one frame after the last output; with `at` (the
    /// program's next frame on its exact grid), its picture is shown no earlier than `at`, and
    /// later only when decode order needs it.
    /// `earlier`: the next packet's picture is this far before the segment's first picture to
    /// be shown (a cached GOP's last packet in decode order, ahead of its newest picture).
    public mutating func splice(at next: Int64? = nil, earlier: Int64 = 0) {
        spliceNext = true
        spliceAt = next
        spliceEarlier = earlier
    }

    /// Tells the rebaser what else went out on the same timeline (what the encoder wrote in
    /// transcode mode), so the next segment follows it.
    public mutating func noteOutput(_ dts: Int64, pts: Int64? = nil) {
        lastOutput = max(lastOutput ?? dts, dts)
        let shown = pts ?? dts
        lastPresentation = max(lastPresentation ?? shown, shown)
    }

    /// The program PTS and DTS for a source packet. A missing PTS is taken to equal the DTS.
    /// `forDecoding`: the packet is decoded, not written (transcode mode), so it does not count
    /// as output: what the encoder makes of it is told with `noteOutput`.
    public mutating func rebase(pts: Int64?, dts: Int64, forDecoding: Bool = false) -> (pts: Int64, dts: Int64) {
        let input = Self.modulo(dts)
        let presentationDelay = max(pts.map { Self.signedDifference(Self.modulo($0), input) } ?? 0, 0)
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
            // Shown one frame after everything shown (or where the splice asks), decoded after
            // everything decoded. The very first packet is decoded at `start`.
            var firstDTS = start
            if let lastOutput {
                var afterShown = max(lastPresentation ?? lastOutput, lastOutput)
                // A discontinuity while decoding: the decoder still holds pictures of the old
                // segment (B-frames), which will be shown before this one.
                if !spliceNext, let decoded = decodedPresentation { afterShown = max(afterShown, decoded) }
                let firstPTS = max(spliceAt ?? .min, afterShown + frameTicks) - spliceEarlier
                // Written packets follow the last one written; decoded ones need only their
                // own order (their pictures are what the encoder writes).
                firstDTS = forDecoding ? firstPTS - presentationDelay : max(firstPTS - presentationDelay, lastOutput + 1)
            }
            offset = firstDTS - input
            unwrapped = input
            lastRebased = nil
            decodedPresentation = nil
            spliceNext = false
            spliceAt = nil
            spliceEarlier = 0
        }
        lastInput = unwrapped
        var outputDTS = unwrapped + offset
        // Inside a segment only the segment's own packets are in its decode order: pictures the
        // encoder wrote meanwhile (their DTS is their PTS) are followed at the next splice.
        if let lastRebased, outputDTS <= lastRebased { outputDTS = lastRebased + 1 }
        lastRebased = outputDTS
        if forDecoding {
            decodedPresentation = max(decodedPresentation ?? .min, outputDTS + presentationDelay)
        } else {
            noteOutput(outputDTS, pts: outputDTS + presentationDelay)
        }
        return (outputDTS + presentationDelay, outputDTS)
    }

    /// Where a source timestamp of the current segment (its audio, say) lies on the program
    /// timeline: the same mapping as the segment's packets. Nil while a splice waits for its
    /// first packet, before any, or for a timestamp so far from the segment's latest packet
    /// (more than `maximumStep` either way) that it belongs to another segment.
    public func programTime(ofSource timestamp: Int64) -> Int64? {
        guard !spliceNext, let lastInput else { return nil }
        let distance = Self.signedDifference(Self.modulo(timestamp), Self.modulo(lastInput))
        guard abs(distance) <= maximumStep else { return nil }
        return lastInput + distance + offset
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
