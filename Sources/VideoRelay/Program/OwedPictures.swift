/// The pictures a source in passthrough still owes the program. With B-frames a later picture
/// (a P) is sent before the earlier ones shown ahead of it, so right after a P the frame slots
/// between it and the pictures already out stay empty until its B-frames come. A cut away at
/// that moment would leave them empty for good: readers would see a hole as long as the
/// source's reordering depth. Pure (STYLE 10); program PTS in 90 kHz ticks.
struct OwedPictures: Equatable {
    /// How many of the latest pictures are remembered: more than any reordering depth.
    static let remembered = 8

    /// The PTS of the latest pictures passed through since the segment began, in arrival order.
    private(set) var recent: [Int64] = []

    /// The latest picture in presentation order.
    var newest: Int64? { recent.max() }

    mutating func note(pts: Int64) {
        recent.append(pts)
        if recent.count > Self.remembered { recent.removeFirst() }
    }

    /// A new segment: nothing before it is owed.
    mutating func reset() { recent = [] }

    /// The frame slots before the newest picture that no picture has filled yet.
    func count(frameTicks: Int64) -> Int {
        guard let newest, let oldest = recent.min(), frameTicks > 0 else { return 0 }
        let half = frameTicks / 2
        var owed = 0
        var slot = newest - frameTicks
        while slot > oldest + half {
            if !recent.contains(where: { abs($0 - slot) < half }) { owed += 1 }
            slot -= frameTicks
        }
        return owed
    }
}
