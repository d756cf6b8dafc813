import Foundation

/// One upstream site as a chained source shows it: what it had on air, and how long its
/// pictures took to get here. Part of `/api/sources[].hops`, farthest site first.
public struct HopDelay: Sendable, Codable, Equatable {
    public var siteID: String
    public var siteName: String
    /// The site's on-air source and caption when it stamped.
    public var onAir: String
    public var caption: String?
    /// From the site's program output to this site's input: our clock minus its stamp (clocks
    /// assumed NTP-synchronised).
    public var delayMilliseconds: Double
    /// This hop's share: the delay minus the next site's (for the last site, the whole delay).
    public var hopDelayMilliseconds: Double
    /// When the newest stamp arrived (our clock).
    public var receivedAt: Date
    /// For the last hop (the link into this site): its SRT round trip and latency.
    public var rttMilliseconds: Double?
    public var latencyMilliseconds: Int?
}

/// The newest stamp per upstream site of one source, and the hops they give. Pure: stamps and
/// our clock in, hops out. Bounded: at most `StampedAccessUnit.maximumStamps` sites; a new one
/// replaces the site heard from least recently.
public struct HopTable: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var stamp: DelayStamp
        var receivedMicroseconds: Int64
    }

    /// A site not heard from for this long has left the path (a cut away from it upstream).
    public static let staleAfterMicroseconds: Int64 = 5_000_000
    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Records stamps received at `now` (our clock, µs since 1970). Returns whether what a site
    /// shows (its on-air source, caption or name) changed, or a site came or went.
    @discardableResult
    public mutating func record(_ stamps: [DelayStamp], at now: Int64) -> Bool {
        var changed = false
        for stamp in stamps.prefix(StampedAccessUnit.maximumStamps) {
            if let old = entries[stamp.siteID] {
                // Keep the newest stamp per site (a repeated picture may carry an older one).
                guard stamp.wallClockMicroseconds >= old.stamp.wallClockMicroseconds else { continue }
                changed = changed || old.stamp.onAir != stamp.onAir || old.stamp.caption != stamp.caption || old.stamp.siteName != stamp.siteName
            } else {
                if entries.count >= StampedAccessUnit.maximumStamps,
                    let oldest = entries.min(by: { $0.value.receivedMicroseconds < $1.value.receivedMicroseconds })?.key {
                    entries[oldest] = nil
                }
                changed = true
            }
            entries[stamp.siteID] = Entry(stamp: stamp, receivedMicroseconds: now)
        }
        return changed
    }

    /// Forgets sites not heard from for `staleAfterMicroseconds`; returns whether any went.
    @discardableResult
    public mutating func expire(at now: Int64) -> Bool {
        let before = entries.count
        entries = entries.filter { now - $0.value.receivedMicroseconds <= Self.staleAfterMicroseconds }
        return entries.count != before
    }

    /// The hops, farthest site (largest delay) first; `link` (the SRT link into this site)
    /// annotates the last.
    public func hops(link: LinkStatistics?) -> [HopDelay] {
        let sorted = entries.values
            // In floating point: a stamp's clock comes from upstream, and any 64-bit value
            // (a far past or future) must give a delay, not an overflow.
            .map { (entry: $0, delay: (Double($0.receivedMicroseconds) - Double($0.stamp.wallClockMicroseconds)) / 1000) }
            .sorted { $0.delay > $1.delay }
        return sorted.enumerated().map { index, item in
            let next = index + 1 < sorted.count ? sorted[index + 1].delay : 0
            let isLast = index == sorted.count - 1
            return HopDelay(
                siteID: item.entry.stamp.siteID, siteName: item.entry.stamp.siteName, onAir: item.entry.stamp.onAir,
                caption: item.entry.stamp.caption, delayMilliseconds: (item.delay * 10).rounded() / 10,
                hopDelayMilliseconds: ((item.delay - next) * 10).rounded() / 10,
                receivedAt: Date(timeIntervalSince1970: Double(item.entry.receivedMicroseconds) / 1_000_000),
                rttMilliseconds: isLast ? link?.rttMilliseconds : nil, latencyMilliseconds: isLast ? link?.latencyMilliseconds : nil)
        }
    }
}

/// The wall clock in microseconds since 1970 (UTC), as stamps carry it.
public func wallClockMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}
