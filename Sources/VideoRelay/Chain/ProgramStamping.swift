/// Which delay stamps go into the program's next picture. Pure: the program thread tells it the
/// time, what is on air and the stamps found in the pictures it decoded; it answers with the
/// stamps to insert.
///
/// - This site stamps once a `interval`, and at once when its on-air source or caption changed
///   (so sites downstream see a cut or a caption within their link's delay, not a second later).
/// - Upstream sites' stamps in a source's pictures survive passthrough untouched; when the
///   program decodes and re-encodes, the stamps found in the decoded pictures are kept (newest
///   per site, at most `StampedAccessUnit.maximumStamps`) and go into the next encoded picture,
///   so their delay still counts from the picture they came with.
public struct ProgramStamping: Sendable {
    public let siteID: String
    public let siteName: String
    public let interval: Duration
    private var lastStamp: ContinuousClock.Instant?
    private var lastShown: (onAir: String, caption: String?)?
    private var upstream: [String: DelayStamp] = [:]

    public init(siteID: String, siteName: String, interval: Duration = .seconds(1)) {
        self.siteID = siteID
        self.siteName = siteName
        self.interval = interval
    }

    /// Stamps found in a decoded picture of the on-air source: kept for the next encoded one.
    /// This site's own (a loop in the chain) and stamps older than one already kept are ignored.
    public mutating func collect(_ stamps: [DelayStamp]) {
        for stamp in stamps where stamp.siteID != siteID {
            if let kept = upstream[stamp.siteID], kept.wallClockMicroseconds >= stamp.wallClockMicroseconds { continue }
            guard upstream[stamp.siteID] != nil || upstream.count < StampedAccessUnit.maximumStamps - 1 else { continue }
            upstream[stamp.siteID] = stamp
        }
    }

    /// The stamps for the picture written at `now`: the upstream ones collected since the last
    /// picture, then this site's own when due. Empty most of the time.
    public mutating func stamps(at now: ContinuousClock.Instant, onAir: String, caption: String?, wallClock: Int64) -> [DelayStamp] {
        var stamps = upstream.values.sorted { $0.wallClockMicroseconds < $1.wallClockMicroseconds }
        upstream.removeAll(keepingCapacity: true)
        let changed = lastShown.map { $0.onAir != onAir || $0.caption != caption } ?? true
        if changed || lastStamp.map({ now - $0 >= interval }) ?? true {
            lastStamp = now
            lastShown = (onAir, caption)
            stamps.append(DelayStamp(siteID: siteID, siteName: siteName, onAir: onAir, caption: caption, wallClockMicroseconds: wallClock))
        }
        return stamps
    }

    /// The picture could not carry `stamps` (it had no slice): they go into the next one.
    public mutating func notInserted(_ stamps: [DelayStamp]) {
        collect(stamps)
        if stamps.contains(where: { $0.siteID == siteID }) {
            lastStamp = nil
            lastShown = nil
        }
    }
}
