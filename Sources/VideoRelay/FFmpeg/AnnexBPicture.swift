/// Whether a video packet taken as one PES holds a whole H.264 picture (Annex B): it starts with
/// a start code and holds a slice. A source that splits a picture over several PES (the later
/// pieces start mid-NAL) or sends one NAL per PES (parameter sets alone, no slice) fails it.
/// Only the NAL headers up to the first slice are read, not the picture's data. Pure (STYLE 19).
enum AnnexBPicture {
    static func isWhole(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 4, bytes[0] == 0, bytes[1] == 0, bytes[2] == 1 || (bytes[2] == 0 && bytes[3] == 1) else { return false }
        var zeros = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 1, zeros >= 2, index + 1 < bytes.count {
                let type = bytes[index + 1] & 0x1f
                if type == 1 || type == 5 { return true }
            }
            zeros = byte == 0 ? zeros + 1 : 0
            index += 1
        }
        return false
    }
}
