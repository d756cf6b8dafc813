/// One site's wall-clock stamp in the program it sends: an H.264 SEI `user_data_unregistered`
/// message under the product's UUID. Each relayd stamps its program once a second (and at once
/// after a cut or a caption change) with its site, what it has on air, its caption and its UTC
/// clock; a downstream site subtracts the stamp from its own clock to get the delay from that
/// site's output to its own input. Stamps of sites further up travel along (passthrough keeps
/// them, transcoding re-inserts them), so every site sees one stamp per upstream hop.
///
/// Pure: a value, its SEI NAL unit and back. Outside bytes are hostile: `parse` reads only
/// within its input, refuses anything over `maximumPayloadBytes`, and never allocates more than
/// the input's size.
public struct DelayStamp: Sendable, Equatable, Codable {
    /// The site that stamped (its `site.id`).
    public var siteID: String
    /// The site's name as operators read it (its `site.name`).
    public var siteName: String
    /// What the site had on air when it stamped (a source id, or "slate").
    public var onAir: String
    /// The caption the site had on air, if any.
    public var caption: String?
    /// The site's wall clock (UTC), microseconds since 1970.
    public var wallClockMicroseconds: Int64

    public init(siteID: String, siteName: String, onAir: String, caption: String?, wallClockMicroseconds: Int64) {
        self.siteID = siteID
        self.siteName = siteName
        self.onAir = onAir
        self.caption = caption
        self.wallClockMicroseconds = wallClockMicroseconds
    }

    /// The product's SEI UUID (user_data_unregistered's uuid_iso_iec_11578).
    static let uuid: [UInt8] = [
        0x6A, 0x70, 0x2E, 0x72, 0x65, 0x6C, 0x61, 0x79, 0x64, 0x2E, 0x68, 0x6F, 0x70, 0x2D, 0x76, 0x31,
    ]
    static let version: UInt8 = 1
    /// Byte limits of the text fields (longer text is cut at a character boundary).
    static let siteIDLimit = 64
    static let siteNameLimit = 128
    static let onAirLimit = 64
    static let captionLimit = 255
    /// The largest user_data payload written or accepted: UUID, version, clock, four length-
    /// prefixed fields.
    public static let maximumPayloadBytes = 16 + 1 + 8 + 4 + siteIDLimit + siteNameLimit + onAirLimit + captionLimit

    // MARK: - Writing

    /// The SEI NAL unit (header byte, escaped RBSP, trailing bits), without a start code.
    public var seiNAL: [UInt8] {
        let payload = userDataPayload
        var rbsp: [UInt8] = [5]  // payloadType: user_data_unregistered
        var size = payload.count
        while size >= 255 {
            rbsp.append(0xFF)
            size -= 255
        }
        rbsp.append(UInt8(size))
        rbsp += payload
        rbsp.append(0x80)  // rbsp_trailing_bits
        return [0x06] + Self.escaped(rbsp)
    }

    /// UUID, version, clock (big-endian), then each text as a length byte and UTF-8.
    var userDataPayload: [UInt8] {
        var bytes = Self.uuid
        bytes.append(Self.version)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: wallClockMicroseconds >> Int64(shift))) }
        for (text, limit) in [(siteID, Self.siteIDLimit), (siteName, Self.siteNameLimit), (onAir, Self.onAirLimit), (caption ?? "", Self.captionLimit)] {
            let utf8 = Self.truncated(text, toBytes: limit)
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        return bytes
    }

    /// `text`'s UTF-8, cut at the last whole character within `limit` bytes.
    static func truncated(_ text: String, toBytes limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard bytes.count + encoded.count <= limit else { break }
            bytes += encoded
        }
        return bytes
    }

    /// Emulation prevention: a 0x03 after any two zero bytes followed by 0x00...0x03.
    static func escaped(_ rbsp: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(rbsp.count + rbsp.count / 64 + 1)
        var zeros = 0
        for byte in rbsp {
            if zeros >= 2 && byte <= 3 {
                out.append(3)
                zeros = 0
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    /// Removes emulation prevention bytes (a 0x03 after two zero bytes).
    static func unescaped(_ nal: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(nal.count)
        var zeros = 0
        for byte in nal {
            if zeros >= 2 && byte == 3 {
                zeros = 0
                continue
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    // MARK: - Reading

    /// The stamps in one SEI NAL unit (header byte included, no start code); other SEI messages
    /// and foreign user data are skipped, anything malformed ends the reading.
    static func stamps(inSEI nal: ArraySlice<UInt8>) -> [DelayStamp] {
        guard let header = nal.first, header & 0x1F == 6 else { return [] }
        let rbsp = unescaped(nal.dropFirst())
        var stamps: [DelayStamp] = []
        var index = 0
        // sei_message()s until the trailing bits.
        while index < rbsp.count, rbsp[index] != 0x80 {
            guard let type = readCoded(rbsp, &index), let size = readCoded(rbsp, &index), size <= rbsp.count - index else { break }
            if type == 5, let stamp = parse(userData: rbsp[index..<index + size]) { stamps.append(stamp) }
            index += size
        }
        return stamps
    }

    /// A payloadType or payloadSize: 0xFF bytes adding 255 each, then the last byte. Nil when the
    /// input ends first or the value passes any real SEI size.
    private static func readCoded(_ bytes: [UInt8], _ index: inout Int) -> Int? {
        var value = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            value += Int(byte)
            guard value <= 1 << 20 else { return nil }
            if byte != 0xFF { return value }
        }
        return nil
    }

    /// A user_data_unregistered payload: a stamp when it carries the product's UUID and a
    /// well-formed body.
    static func parse(userData payload: ArraySlice<UInt8>) -> DelayStamp? {
        guard payload.count >= 16 + 1 + 8 + 4, payload.count <= maximumPayloadBytes,
            payload.prefix(16).elementsEqual(uuid)
        else { return nil }
        var index = payload.startIndex + 16
        guard payload[index] == version else { return nil }
        index += 1
        var clock: Int64 = 0
        for _ in 0..<8 {
            clock = clock << 8 | Int64(payload[index])
            index += 1
        }
        var texts: [String] = []
        for limit in [siteIDLimit, siteNameLimit, onAirLimit, captionLimit] {
            guard index < payload.endIndex else { return nil }
            let length = Int(payload[index])
            index += 1
            guard length <= limit, length <= payload.endIndex - index,
                let text = String(validating: payload[index..<index + length], as: UTF8.self),
                !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { return nil }
            texts.append(text)
            index += length
        }
        guard !texts[0].isEmpty else { return nil }
        return DelayStamp(
            siteID: texts[0], siteName: texts[1], onAir: texts[2], caption: texts[3].isEmpty ? nil : texts[3],
            wallClockMicroseconds: clock)
    }
}
