/// The header of one AAC frame as MPEG-TS carries it (ADTS, ISO/IEC 13818-7 and 14496-3): what
/// decides whether a source's coded frame can go into the program as it is. Pure; the bytes are
/// the source's, so nothing in them is trusted beyond what is checked here.
struct ADTSHeader: Equatable {
    /// MPEG-4 audio object type (2: AAC-LC).
    let objectType: Int
    /// Samples per second (nil: an index the standard leaves reserved).
    let sampleRate: Int?
    /// Channel configuration (2: stereo; 0: described elsewhere in the stream).
    let channelConfiguration: Int
    /// Bytes of the whole frame, this header included.
    let frameLength: Int
    /// Raw data blocks in the frame, each 1024 samples.
    let rawDataBlocks: Int
    /// Bytes of the header: 7, or 9 with its CRC.
    let headerLength: Int

    /// Sample rates by ADTS sampling frequency index.
    static let sampleRates = [96_000, 88_200, 64_000, 48_000, 44_100, 32_000, 24_000, 22_050, 16_000, 12_000, 11_025, 8_000, 7_350]

    /// The header at the start of `bytes`, or nil when they do not start with one (no syncword,
    /// a layer other than 0, or fewer than 7 bytes).
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count >= 7, bytes[0] == 0xFF, bytes[1] & 0xF6 == 0xF0 else { return nil }
        let protectionAbsent = bytes[1] & 0x01 == 1
        objectType = Int(bytes[2] >> 6) + 1
        let rateIndex = Int(bytes[2] >> 2) & 0x0F
        sampleRate = rateIndex < Self.sampleRates.count ? Self.sampleRates[rateIndex] : nil
        channelConfiguration = (Int(bytes[2] & 0x01) << 2) | Int(bytes[3] >> 6)
        frameLength = (Int(bytes[3] & 0x03) << 11) | (Int(bytes[4]) << 3) | Int(bytes[5] >> 5)
        rawDataBlocks = Int(bytes[6] & 0x03) + 1
        headerLength = protectionAbsent ? 7 : 9
    }

    /// AAC-LC at `sampleRate` in stereo: what the program's own encoder writes.
    func isProgramFormat(sampleRate: Int) -> Bool {
        objectType == 2 && self.sampleRate == sampleRate && channelConfiguration == 2
    }

    /// What a packet of a source's audio is to the program: `oneFrame` when it is exactly one
    /// frame of 1024 samples in the program's format (it can take the place of one of the
    /// program's frames), `programFormat` when it starts with such a frame but holds more or
    /// less, `other` otherwise.
    enum Fit: Equatable { case oneFrame, programFormat, other }

    static func fit(_ bytes: UnsafeBufferPointer<UInt8>, sampleRate: Int) -> Fit {
        guard let header = ADTSHeader(bytes), header.isProgramFormat(sampleRate: sampleRate) else { return .other }
        let whole = header.rawDataBlocks == 1 && header.frameLength == bytes.count && header.frameLength > header.headerLength
        return whole ? .oneFrame : .programFormat
    }
}
