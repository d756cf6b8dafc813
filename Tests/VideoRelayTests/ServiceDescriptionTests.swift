import Testing
@testable import VideoRelay

/// The program's SDT rewritten to name the site and the on-air source.
@Suite struct ServiceDescriptionTests {
    /// A one-packet SDT as libavformat's muxer writes it: service 1 "program" by "relayd".
    private func muxerSDT(continuity: UInt8) -> [UInt8] {
        let descriptor: [UInt8] = [0x48, 16, 0x01, 6] + Array("relayd".utf8) + [7] + Array("program".utf8)
        var body: [UInt8] = [0x00, 0x01, 0xC1, 0, 0, 0xFF, 0x01, 0xFF, 0x00, 0x01, 0xFC]
        body += [0x80 | UInt8(descriptor.count >> 8), UInt8(descriptor.count)] + descriptor
        var section: [UInt8] = [0x42, 0xF0, UInt8(body.count + 4)] + body
        section += MPEGCRC32.bytes(section)
        var packet: [UInt8] = [0x47, 0x40, 0x11, 0x10 | continuity, 0x00] + section
        packet += [UInt8](repeating: 0xFF, count: 188 - packet.count)
        return packet
    }

    /// The fields a receiver reads back from a rewritten packet.
    private func read(_ packet: [UInt8]) -> (provider: [UInt8], name: [UInt8], version: UInt8, serviceID: UInt16, crcOK: Bool)? {
        let section = 5 + Int(packet[4])
        guard packet[section] == 0x42 else { return nil }
        let length = Int(packet[section + 1] & 0x0F) << 8 | Int(packet[section + 2])
        let whole = Array(packet[section..<(section + 3 + length)])
        let descriptor = section + 16
        guard packet[descriptor] == 0x48 else { return nil }
        let providerLength = Int(packet[descriptor + 3])
        let provider = Array(packet[(descriptor + 4)..<(descriptor + 4 + providerLength)])
        let nameAt = descriptor + 4 + providerLength
        let name = Array(packet[(nameAt + 1)..<(nameAt + 1 + Int(packet[nameAt]))])
        let serviceID = UInt16(packet[section + 11]) << 8 | UInt16(packet[section + 12])
        // A section's CRC over the whole section, CRC included, leaves zero.
        return (provider, name, packet[section + 5] >> 1 & 0x1F, serviceID, MPEGCRC32.checksum(whole) == 0)
    }

    @Test func theSiteAndTheOnAirSourceReplaceTheMuxersNames() throws {
        var description = ServiceDescription(provider: "静岡県警察本部", name: "slate")
        description.set(name: "heli-1")
        var bytes = muxerSDT(continuity: 7)
        description.rewrite(&bytes, at: 0)
        let fields = try #require(read(bytes))
        #expect(fields.provider == [0x15] + Array("静岡県警察本部".utf8), "non-ASCII text is UTF-8 behind its 0x15 marker")
        #expect(fields.name == Array("heli-1".utf8))
        #expect(fields.serviceID == 1, "the muxer's service id is kept, so the PMT still matches")
        #expect(fields.crcOK)
        #expect(fields.version == 1)
        #expect(bytes[0..<4] == [0x47, 0x40, 0x11, 0x17], "the header and continuity counter stay")
        #expect(bytes.count == 188)
    }

    @Test func aReceiverReadsTheNamesBackAndSurvivesHostileSections() throws {
        var description = ServiceDescription(provider: "静岡県警察本部", name: "slate")
        description.set(name: "heli-1")
        var bytes = muxerSDT(continuity: 0)
        description.rewrite(&bytes, at: 0)
        var inspector = TransportStreamInspector()
        _ = inspector.inspect(bytes[...])
        #expect(inspector.service == ServiceName(provider: "静岡県警察本部", name: "heli-1"))

        // Lengths that run past the section, control characters, invalid UTF-8.
        var hostile = muxerSDT(continuity: 1)
        hostile[5 + 16 + 3] = 200
        var fresh = TransportStreamInspector()
        _ = fresh.inspect(hostile[...])
        #expect(fresh.service == nil)
        #expect(ServiceDescription.decode([0x15, 0x41, 0x0A, 0x1B, 0xFF, 0x42]) == "A\u{FFFD}B")
        #expect(ServiceDescription.decode(ArraySlice(Array("ok".utf8))) == "ok")
    }

    @Test func theVersionChangesOnlyWhenTheNamesDo() {
        var description = ServiceDescription(provider: "NPA", name: "slate")
        description.set(name: "slate")
        #expect(description.version == 0)
        description.set(name: "pref")
        description.set(provider: "NPA", name: "pref")
        #expect(description.version == 1)
        for _ in 0..<31 { description.set(name: description.name + "x") }
        #expect(description.version == 0, "five bits, wrapping")
    }

    @Test func otherPacketsAndLongNamesAreHandled() throws {
        let description = ServiceDescription(provider: String(repeating: "長", count: 60), name: String(repeating: "n", count: 200))
        var video: [UInt8] = [0x47, 0x41, 0x00, 0x10] + [UInt8](repeating: 0xAB, count: 184)
        let before = video
        description.rewrite(&video, at: 0)
        #expect(video == before, "only PID 0x11 is touched")
        var bytes = muxerSDT(continuity: 0)
        description.rewrite(&bytes, at: 0)
        let fields = try #require(read(bytes))
        #expect(fields.provider.count <= ServiceDescription.nameLimit)
        #expect(String(decoding: fields.provider.dropFirst(), as: UTF8.self).allSatisfy { $0 == "長" }, "cut at a character boundary")
        #expect(fields.name.count == ServiceDescription.nameLimit)
        #expect(fields.crcOK)
    }
}
