/// Keeps a converted program live when the conversion cannot keep pace with its source (pure).
///
/// Decoding, filtering and encoding a source can cost more than the machine has to spare (1080i
/// on a busy two-core machine). The program thread then takes each packet later than the one
/// before, and without a rule the program shows the source ever further in the past, seconds
/// behind what the relay's readers see. So a packet of the source on air that waited longer than
/// `maximumLag` between reaching the relay and reaching the program starts a skip: the source's
/// pictures and sound are left out until a keyframe that arrived within `maximumLag`, which is
/// shown on the next program frame. Meanwhile the program repeats its last picture, as it does
/// for a source that falls silent.
struct StayingLive: Equatable {
    /// Far beyond what a program keeping pace sees (a frame in the demuxer, one pass of the
    /// program thread), and short enough that what operators see stays live.
    static let maximumLag: Duration = .seconds(1)

    /// What to do with a packet of the source on air.
    enum Verdict: Equatable {
        /// Decode it.
        case decode
        /// The first packet too late: skip it and what follows, up to a fresh keyframe.
        case fellBehind(lag: Duration)
        /// Leave it out.
        case skip
        /// A fresh keyframe after a skip: the source starts again here, on the next frame.
        case resume
    }

    /// The source whose packets are being skipped (nil: none).
    private(set) var skipping: String?
    /// Video packets left out since the program started.
    private(set) var skippedPictures: UInt64 = 0
    /// Times the program fell behind and skipped.
    private(set) var fallsBehind: UInt64 = 0

    /// A video packet of `source` (on air, converted) that reached the relay `lag` before the
    /// program took it.
    mutating func judgeVideo(of source: String, isKeyframe: Bool, lag: Duration) -> Verdict {
        let fresh = lag <= Self.maximumLag
        if skipping != nil {
            guard isKeyframe, fresh else {
                skippedPictures += 1
                return .skip
            }
            skipping = nil
            return .resume
        }
        guard !fresh else { return .decode }
        skipping = source
        skippedPictures += 1
        fallsBehind += 1
        return .fellBehind(lag: lag)
    }

    /// Another input went on air: a skip ends with it.
    mutating func forget() { skipping = nil }

    /// Whether `source`'s pictures and sound are being left out.
    func isSkipping(_ source: String) -> Bool { skipping == source }
}
