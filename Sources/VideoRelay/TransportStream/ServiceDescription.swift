/// The program's Service Description Table (ETSI EN 300 468, table 0x42 on PID 0x0011) as
/// receivers read it: the site as service provider and the on-air source as service name, so
/// a downstream site sees where a chained feed comes from and what it shows, with no side channel.
///
/// libavformat's muxer fixes the names when it starts, so the program's SDT packets are rewritten
/// on their way out: each one-packet SDT section keeps its header, continuity counter and ids
/// (transport stream, network, service, running status) and gets a new service descriptor, a new
/// version when the names changed, and its CRC. Pure: bytes in, bytes out.
struct ServiceDescription: Sendable, Equatable {
    static let pid: UInt16 = 0x0011
    /// Each name's limit in bytes after encoding, so the section always fits one TS packet.
    static let nameLimit = 79

    private(set) var provider: String
    private(set) var name: String
    /// Bumped (mod 32) whenever the names change, so receivers read the table again.
    private(set) var version: UInt8 = 0

    init(provider: String, name: String) {
        self.provider = provider
        self.name = name
    }

    /// Changes the names; the next rewritten section carries a new version.
    mutating func set(provider: String? = nil, name: String? = nil) {
        let provider = provider ?? self.provider
        let name = name ?? self.name
        guard provider != self.provider || name != self.name else { return }
        self.provider = provider
        self.name = name
        version = (version + 1) & 0x1F
    }

    /// Rewrites the 188-byte TS packet at `offset` in place when it carries a whole SDT section
    /// that starts in it (what libavformat writes); leaves any other packet alone.
    func rewrite(_ bytes: inout [UInt8], at offset: Int) {
        guard offset >= 0, bytes.count - offset >= 188, bytes[offset] == 0x47 else { return }
        let pid = UInt16(bytes[offset + 1] & 0x1F) << 8 | UInt16(bytes[offset + 2])
        // Payload unit start, payload only (no adaptation field).
        guard pid == Self.pid, bytes[offset + 1] & 0x40 != 0, bytes[offset + 3] & 0x30 == 0x10 else { return }
        let pointer = Int(bytes[offset + 4])
        let section = offset + 5 + pointer
        // table id, length, ids up to the first service's loop header: 16 bytes.
        guard section + 16 <= offset + 188, bytes[section] == 0x42 else { return }
        let transportStreamID = Array(bytes[(section + 3)..<(section + 5)])
        let originalNetworkID = Array(bytes[(section + 8)..<(section + 10)])
        let serviceID = Array(bytes[(section + 11)..<(section + 13)])
        let flags = bytes[section + 13]
        let runningStatusAndCA = bytes[section + 14] & 0xF0
        var serviceType: UInt8 = 0x01
        if section + 18 < offset + 188, bytes[section + 16] == 0x48 { serviceType = bytes[section + 18] }

        let providerBytes = Self.encode(provider)
        let nameBytes = Self.encode(name)
        let descriptor = [0x48, UInt8(3 + providerBytes.count + nameBytes.count), serviceType, UInt8(providerBytes.count)]
            + providerBytes + [UInt8(nameBytes.count)] + nameBytes
        var body: [UInt8] = transportStreamID + [0xC1 | version << 1, 0, 0] + originalNetworkID + [0xFF] + serviceID + [flags]
        body += [runningStatusAndCA | UInt8(descriptor.count >> 8), UInt8(descriptor.count & 0xFF)] + descriptor
        let sectionLength = body.count + 4
        var table: [UInt8] = [0x42, 0xF0 | UInt8(sectionLength >> 8), UInt8(sectionLength & 0xFF)] + body
        table += MPEGCRC32.bytes(table)
        var payload = [0] + table
        guard payload.count <= 184 else { return }
        payload += [UInt8](repeating: 0xFF, count: 184 - payload.count)
        bytes.replaceSubrange((offset + 4)..<(offset + 188), with: payload)
    }

    /// DVB text (EN 300 468 annex A): ASCII as is; anything else as UTF-8 behind its 0x15
    /// marker. Cut at a character boundary to `nameLimit` bytes.
    static func encode(_ text: String) -> [UInt8] {
        let ascii = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        var encoded: [UInt8] = ascii ? [] : [0x15]
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            let bytes = Array(String(scalar).utf8)
            guard encoded.count + bytes.count <= nameLimit else { break }
            encoded += bytes
        }
        return encoded
    }
}

extension ServiceDescription {
    /// The first service's provider and name in an SDT section (from the table id on), or nil
    /// when it has no service descriptor. Outside bytes: every length is checked against the
    /// section, the text is cleaned of control characters and cut to `nameLimit` characters.
    static func read(_ section: ArraySlice<UInt8>) -> ServiceName? {
        let s = section.startIndex
        guard section.count >= 16 + 4, section[s] == 0x42 else { return nil }
        let loopLength = Int(section[s + 14] & 0x0F) << 8 | Int(section[s + 15])
        let end = min(section.endIndex - 4, s + 16 + loopLength)
        var at = s + 16
        while at + 2 <= end {
            let tag = section[at]
            let length = Int(section[at + 1])
            let body = at + 2
            guard body + length <= end else { return nil }
            if tag == 0x48, length >= 3 {
                let providerLength = Int(section[body + 1])
                let nameAt = body + 2 + providerLength
                guard nameAt < body + length else { return nil }
                let nameLength = Int(section[nameAt])
                guard nameAt + 1 + nameLength <= body + length else { return nil }
                return ServiceName(
                    provider: decode(section[(body + 2)..<nameAt]), name: decode(section[(nameAt + 1)..<(nameAt + 1 + nameLength)]))
            }
            at = body + length
        }
        return nil
    }

    /// DVB text to a string: 0x15 marks UTF-8; any other leading selector is skipped and the
    /// rest read as UTF-8 (ASCII reads the same), invalid bytes replaced.
    static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var text = bytes
        if let first = text.first, first < 0x20 {
            text = text.dropFirst(first == 0x10 ? 3 : first == 0x1F ? 2 : 1)
        }
        let decoded = String(decoding: text, as: UTF8.self).unicodeScalars.filter { $0.properties.generalCategory != .control }
        return String(String.UnicodeScalarView(decoded.prefix(nameLimit)))
    }
}

/// A stream's service as its SDT names it: for a chained site, the upstream site and the source
/// on air there.
public struct ServiceName: Sendable, Codable, Equatable {
    public var provider: String
    public var name: String

    public init(provider: String, name: String) {
        self.provider = provider
        self.name = name
    }
}

/// The CRC-32 of MPEG-2 sections (polynomial 0x04C11DB7, initial 0xFFFFFFFF, not reflected).
enum MPEGCRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index) << 24
        for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? crc << 1 ^ 0x04C1_1DB7 : crc << 1 }
        return crc
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.reduce(0xFFFF_FFFF) { crc, byte in crc << 8 ^ table[Int(crc >> 24 ^ UInt32(byte))] }
    }

    /// The checksum as the four bytes that end a section.
    static func bytes(_ section: [UInt8]) -> [UInt8] {
        let crc = checksum(section)
        return [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
    }
}

/// What fits in the program's service description, for checking a site's name up front.
public enum ServiceDescriptionLimits {
    /// Bytes a name may take in the SDT.
    public static let nameLimit = ServiceDescription.nameLimit

    /// The name's length in bytes as the SDT carries it (UTF-8 behind a marker byte unless it
    /// is plain ASCII), before any cut.
    public static func encodedLength(_ text: String) -> Int {
        (text.utf8.allSatisfy { $0 < 0x80 } ? 0 : 1) + text.utf8.count
    }
}
