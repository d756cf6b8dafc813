/// Delay stamps in one H.264 access unit in Annex B form (what MPEG-TS carries and the program's
/// muxer takes): reading the stamps in its SEI NAL units, and inserting stamps before its first
/// picture slice. Pure and cheap: only the NAL units before the first slice are looked at, which
/// is where SEI belongs (H.264 7.4.1.2.3), so a picture's slice data is never scanned.
public enum StampedAccessUnit {
    /// At most this many stamps are read from or written into one access unit.
    public static let maximumStamps = 8
    /// SEI NAL units longer than this are skipped unread (a stamp's is far smaller).
    static let maximumSEIBytes = 2 * DelayStamp.maximumPayloadBytes

    /// The delay stamps in the access unit's SEI NAL units (at most `maximumStamps`).
    public static func stamps(in bytes: UnsafeBufferPointer<UInt8>) -> [DelayStamp] {
        var stamps: [DelayStamp] = []
        var scan = NALScan(bytes)
        while let unit = scan.next(), !unit.isSlice {
            guard unit.type == 6, unit.end - unit.start <= maximumSEIBytes else { continue }
            let nal = ArraySlice(UnsafeBufferPointer(rebasing: bytes[unit.start..<unit.end]))
            for stamp in DelayStamp.stamps(inSEI: nal) {
                guard stamps.count < maximumStamps else { return stamps }
                stamps.append(stamp)
            }
        }
        return stamps
    }

    /// Convenience for arrays (tests, fuzzing).
    public static func stamps(in bytes: [UInt8]) -> [DelayStamp] {
        bytes.withUnsafeBufferPointer { stamps(in: $0) }
    }

    /// Where the first slice's start code begins (4-byte start codes included); nil when the
    /// access unit has no slice (nothing to stamp).
    static func firstSliceOffset(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var scan = NALScan(bytes)
        while let unit = scan.next() {
            if unit.isSlice { return unit.startCodeOffset }
        }
        return nil
    }

    /// The access unit with one SEI NAL unit per stamp (at most `maximumStamps`) before its
    /// first slice; nil when it has no slice.
    public static func inserting(_ stamps: [DelayStamp], into bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard !stamps.isEmpty, let offset = firstSliceOffset(in: bytes) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + stamps.count * 200)
        out += UnsafeBufferPointer(rebasing: bytes[0..<offset])
        for stamp in stamps.prefix(maximumStamps) { out += [0, 0, 0, 1] + stamp.seiNAL }
        out += UnsafeBufferPointer(rebasing: bytes[offset...])
        return out
    }

    public static func inserting(_ stamps: [DelayStamp], into bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBufferPointer { inserting(stamps, into: $0) }
    }
}

/// Walks the NAL units of an Annex B byte stream.
struct NALScan {
    struct Unit {
        /// Where its start code begins (a 4-byte one's leading zero included).
        var startCodeOffset: Int
        /// The NAL header byte's offset, and the end (the next start code, or the input's end).
        var start: Int
        var end: Int
        var type: UInt8
        /// Coded slice NAL units (types 1 to 5): the picture itself.
        var isSlice: Bool { (1...5).contains(type) }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var next0: (codeAt: Int, payloadAt: Int)?

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        next0 = Self.startCode(in: bytes, from: 0)
    }

    mutating func next() -> Unit? {
        guard let current = next0, current.payloadAt < bytes.count else { return nil }
        let following = Self.startCode(in: bytes, from: current.payloadAt)
        next0 = following
        return Unit(
            startCodeOffset: current.codeAt, start: current.payloadAt, end: following?.codeAt ?? bytes.count,
            type: bytes[current.payloadAt] & 0x1F)
    }

    /// The next 00 00 01 at or after `from`: where its start code begins (one more zero before
    /// it counts as a 4-byte code) and where the NAL unit after it begins.
    private static func startCode(in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> (codeAt: Int, payloadAt: Int)? {
        var index = from
        while index + 2 < bytes.count {
            if bytes[index + 2] > 1 {
                index += 3
            } else if bytes[index] == 0 && bytes[index + 1] == 0 && bytes[index + 2] == 1 {
                let codeAt = index > from && bytes[index - 1] == 0 ? index - 1 : index
                return (codeAt, index + 3)
            } else {
                index += 1
            }
        }
        return nil
    }
}
