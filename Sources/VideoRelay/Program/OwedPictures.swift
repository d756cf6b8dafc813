/// The pictures a source in passthrough still owes the program. With B-frames a later picture
/// (a P) is sent before the earlier ones shown ahead of it, so right after a P the frame slots
/// between it and the picture that was newest before it stay empty until its B-frames come. A
/// move away at that moment would leave them empty for good: readers would see a hole as long as
/// the source's reordering depth. Pure (STYLE 10); program PTS in 90 kHz ticks.
struct OwedPictures: Equatable {
    /// The latest picture in presentation order, and the one that was latest before it.
    private(set) var newest: Int64?
    private var previous: Int64?
    /// How many pictures between the two have come.
    private var filled = 0

    /// Notes a picture passed through; true when it is the new latest (a P after its B-frames).
    @discardableResult
    mutating func note(pts: Int64) -> Bool {
        guard let newest, pts <= newest else {
            previous = newest
            newest = pts
            filled = 0
            return true
        }
        if let previous, pts > previous { filled += 1 }
        return false
    }

    /// A new segment: nothing before it is owed.
    mutating func reset() { self = OwedPictures() }

    /// The frame slots between the latest picture and the one before it that no picture has
    /// filled yet. A step in the source's own timeline (a missing frame) counts until its next P.
    func count(frameTicks: Int64) -> Int {
        guard let newest, let previous, frameTicks > 0 else { return 0 }
        let slots = (newest - previous + frameTicks / 2) / frameTicks - 1
        return max(Int(slots) - filled, 0)
    }
}
