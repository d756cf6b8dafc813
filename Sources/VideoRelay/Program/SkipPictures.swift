/// H.264 pictures that repeat the previous picture exactly: one P slice whose macroblocks are
/// all P_Skip. The slate changes once a second; between its encoded keyframes, these stand in
/// for the 29 identical pictures an encoder would otherwise analyse at full cost, and cost a
/// few bytes each.
///
/// Only a plain stream qualifies (what the slate's encoder is set up to produce): CAVLC, no
/// weighted prediction, frames only, one slice group, picture order type 0 or 2. The sequence
/// and picture parameter sets are read from the keyframe the pictures follow. Pure functions on
/// bytes (STYLE 19).
struct SkipPictures: Sendable, Equatable {
    let pictureParameterSetID: Int
    let log2MaxFrameNumber: Int
    /// 0 or 2. Type 0 carries the order count's low bits in each slice.
    let pictureOrderCountType: Int
    let log2MaxPictureOrderCountLSB: Int
    let bottomFieldOrderPresent: Bool
    let deblockingControlPresent: Bool
    let redundantPictureCountPresent: Bool
    /// Macroblocks in a picture.
    let macroblocks: Int

    /// The parameters of the stream whose keyframe `annexB` (start-code delimited NAL units)
    /// is, or nil when it has no parameter sets or uses a feature skip pictures do not support.
    init?(keyframe annexB: [UInt8]) {
        var sps: [UInt8]?
        var pps: [UInt8]?
        for unit in Self.nalUnits(annexB) {
            guard let header = unit.first else { continue }
            switch header & 0x1f {
            case 7: sps = Self.unescaped(unit.dropFirst())
            case 8: pps = Self.unescaped(unit.dropFirst())
            default: break
            }
        }
        guard let sps, let pps else { return nil }
        var s = BitReader(sps)
        guard let profile = s.bits(8) else { return nil }
        _ = s.bits(16)  // constraint flags, level
        guard s.exponentialGolomb() != nil else { return nil }  // seq_parameter_set_id
        if [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].contains(profile) {
            guard let chromaFormat = s.exponentialGolomb(), chromaFormat != 3 else { return nil }
            _ = s.exponentialGolomb()  // bit_depth_luma_minus8
            _ = s.exponentialGolomb()  // bit_depth_chroma_minus8
            _ = s.bits(1)  // qpprime_y_zero_transform_bypass_flag
            if s.bits(1) == 1 {
                for list in 0..<8 where s.bits(1) == 1 {
                    guard s.skipScalingList(size: list < 6 ? 16 : 64) else { return nil }
                }
            }
        }
        guard let log2MaxFrameNumber = s.exponentialGolomb().map({ $0 + 4 }), let orderType = s.exponentialGolomb() else { return nil }
        var log2MaxOrderLSB = 0
        switch orderType {
        case 0: guard let lsb = s.exponentialGolomb() else { return nil }
            log2MaxOrderLSB = lsb + 4
        case 2: break
        default: return nil
        }
        _ = s.exponentialGolomb()  // max_num_ref_frames
        _ = s.bits(1)  // gaps_in_frame_num_value_allowed_flag
        guard let widthMinus1 = s.exponentialGolomb(), let heightMinus1 = s.exponentialGolomb(), s.bits(1) == 1 else { return nil }

        var p = BitReader(pps)
        guard let ppsID = p.exponentialGolomb(), p.exponentialGolomb() != nil, p.bits(1) == 0,  // CAVLC
            let bottomFieldOrder = p.bits(1), p.exponentialGolomb() == 0,  // one slice group
            p.exponentialGolomb() != nil, p.exponentialGolomb() != nil, p.bits(1) == 0,  // no weighted prediction
            p.bits(2) != nil, p.signedExponentialGolomb() != nil, p.signedExponentialGolomb() != nil, p.signedExponentialGolomb() != nil,
            let deblocking = p.bits(1), p.bits(1) != nil, let redundant = p.bits(1)
        else { return nil }
        pictureParameterSetID = ppsID
        self.log2MaxFrameNumber = log2MaxFrameNumber
        pictureOrderCountType = orderType
        log2MaxPictureOrderCountLSB = log2MaxOrderLSB
        bottomFieldOrderPresent = bottomFieldOrder == 1
        deblockingControlPresent = deblocking == 1
        redundantPictureCountPresent = redundant == 1
        macroblocks = (widthMinus1 + 1) * (heightMinus1 + 1)
    }

    /// The skip picture `index` pictures after the keyframe (1 for the first), as an Annex B
    /// access unit. Each is a reference picture, so frame numbers count up from the keyframe's 0.
    func picture(index: Int) -> [UInt8] {
        var w = BitWriter()
        w.exponentialGolomb(0)  // first_mb_in_slice
        w.exponentialGolomb(5)  // slice_type: P, and every slice of the picture is P
        w.exponentialGolomb(pictureParameterSetID)
        w.bits(index % (1 << log2MaxFrameNumber), count: log2MaxFrameNumber)  // frame_num
        if pictureOrderCountType == 0 {
            w.bits(2 * index % (1 << log2MaxPictureOrderCountLSB), count: log2MaxPictureOrderCountLSB)
            if bottomFieldOrderPresent { w.signedExponentialGolomb(0) }
        }
        if redundantPictureCountPresent { w.exponentialGolomb(0) }
        w.bits(0, count: 1)  // num_ref_idx_active_override_flag
        w.bits(0, count: 1)  // ref_pic_list_modification_flag_l0
        w.bits(0, count: 1)  // adaptive_ref_pic_marking_mode_flag: sliding window
        w.signedExponentialGolomb(0)  // slice_qp_delta
        if deblockingControlPresent { w.exponentialGolomb(1) }  // deblocking off: nothing to filter
        w.exponentialGolomb(macroblocks)  // mb_skip_run: the whole picture
        w.bits(1, count: 1)  // rbsp_stop_one_bit
        // NAL header: nal_ref_idc 2 (a reference picture), type 1 (non-IDR slice).
        return [0, 0, 0, 1, 0x41] + Self.escaped(w.bytes)
    }

    // MARK: - NAL units

    /// The NAL units of an Annex B byte stream (without start codes).
    static func nalUnits(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var starts: [(code: Int, payload: Int)] = []
        var i = 0
        while i + 2 < bytes.count {
            if bytes[i] == 0, bytes[i + 1] == 0, bytes[i + 2] == 1 {
                starts.append((i > 0 && bytes[i - 1] == 0 ? i - 1 : i, i + 3))
                i += 3
            } else {
                i += 1
            }
        }
        return starts.indices.map { n in
            bytes[starts[n].payload..<(n + 1 < starts.count ? starts[n + 1].code : bytes.count)]
        }
    }

    /// The RBSP of a NAL unit's payload: emulation prevention bytes (00 00 03) removed.
    static func unescaped(_ payload: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count)
        var zeros = 0
        for byte in payload {
            if zeros >= 2, byte == 3 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }

    /// An RBSP made safe for a NAL unit: 03 inserted wherever two zero bytes precede 00..03.
    static func escaped(_ rbsp: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rbsp.count + 4)
        var zeros = 0
        for byte in rbsp {
            if zeros >= 2, byte <= 3 {
                out.append(3)
                zeros = 0
            }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }
}

/// Reads an RBSP most significant bit first.
struct BitReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The next `count` bits (at most 32), nil past the end.
    mutating func bits(_ count: Int) -> Int? {
        var value = 0
        for _ in 0..<count {
            guard position < bytes.count * 8 else { return nil }
            value = value << 1 | Int(bytes[position / 8] >> (7 - position % 8) & 1)
            position += 1
        }
        return value
    }

    /// ue(v), nil past the end or beyond 31 leading zeros.
    mutating func exponentialGolomb() -> Int? {
        var zeros = 0
        while true {
            guard let bit = bits(1) else { return nil }
            if bit == 1 { break }
            zeros += 1
            if zeros > 31 { return nil }
        }
        guard let rest = bits(zeros) else { return nil }
        return (1 << zeros) - 1 + rest
    }

    /// se(v).
    mutating func signedExponentialGolomb() -> Int? {
        guard let code = exponentialGolomb() else { return nil }
        return code % 2 == 1 ? (code + 1) / 2 : -(code / 2)
    }

    /// Skips a scaling_list() of `size` entries; false past the end.
    mutating func skipScalingList(size: Int) -> Bool {
        var last = 8
        var next = 8
        for _ in 0..<size {
            if next != 0 {
                guard let delta = signedExponentialGolomb() else { return false }
                next = (last + delta + 256) % 256
            }
            last = next == 0 ? last : next
        }
        return true
    }
}

/// Writes an RBSP most significant bit first; `bytes` pads the last byte with zeros.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var used = 8

    mutating func bits(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) {
            if used == 8 {
                bytes.append(0)
                used = 0
            }
            bytes[bytes.count - 1] |= UInt8((value >> shift) & 1) << (7 - used)
            used += 1
        }
    }

    /// ue(v).
    mutating func exponentialGolomb(_ value: Int) {
        let code = value + 1
        let length = Int.bitWidth - code.leadingZeroBitCount
        bits(0, count: length - 1)
        bits(code, count: length)
    }

    /// se(v).
    mutating func signedExponentialGolomb(_ value: Int) {
        exponentialGolomb(value > 0 ? 2 * value - 1 : -2 * value)
    }
}
