import CFFmpeg
import Testing
@testable import VideoRelay

/// A demuxed packet holds a buffer of its own size, not the demuxer's 200 KiB PES buffer: what a
/// relay keeps of a source (its cached GOP, its queue to the program) is then what it received.
@Suite struct PacketCompactionTests {
    /// Bytes a packet's buffer holds beyond its payload and libav's padding.
    static func slack(_ packet: Packet) -> Int {
        Int(packet.pointer.pointee.buf.pointee.size) - packet.size - Int(AV_INPUT_BUFFER_PADDING_SIZE)
    }

    @Test(arguments: [true, false])
    func everyPacketTheDemuxerHandsOutOwnsABufferOfItsOwnSize(live: Bool) throws {
        // The clips' video PES carry no length, as field encoders send them: libavformat reads
        // each into a pooled buffer of 200 KiB.
        let input = try InputFormat(reading: LiveDemuxReleaseTests.PacedFile(MediaFiles.clip("drone-1")), live: live)
        let videoIndex = try #require(input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO }).index
        var video = 0
        var loosest = 0
        while let packet = try input.readPacket() {
            if packet.streamIndex == videoIndex { video += 1 }
            loosest = max(loosest, Self.slack(packet))
        }
        #expect(video > 100)
        #expect(loosest <= Packet.compactionSlack, "a packet's buffer held \(loosest) bytes beyond its payload")
    }

    @Test func compactingKeepsThePayloadTimestampsAndFlagsAndZeroesThePadding() throws {
        let packet = try Packet()
        try check(av_new_packet(packet.pointer, 200 * 1024), "av_new_packet")
        let payload: [UInt8] = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        packet.pointer.pointee.data.update(from: payload, count: payload.count)
        packet.pointer.pointee.size = Int32(payload.count)
        (packet.pointer.pointee.data + payload.count).initialize(repeating: 0xFF, count: 64)
        packet.pts = 9000
        packet.dts = 6000
        packet.streamIndex = 1
        packet.pointer.pointee.flags = AV_PKT_FLAG_KEY
        #expect(Self.slack(packet) > Packet.compactionSlack)

        try packet.compact()

        #expect(Self.slack(packet) == 0)
        #expect(packet.bytes == payload)
        #expect((packet.pts, packet.dts, packet.streamIndex, packet.isKeyframe) == (9000, 6000, 1, true))
        let padding = UnsafeBufferPointer(start: packet.pointer.pointee.data + payload.count, count: Int(AV_INPUT_BUFFER_PADDING_SIZE))
        #expect(padding.allSatisfy { $0 == 0 }, "decoders read past the payload into zeroed padding")
    }

    @Test func aPacketWhoseBufferFitsIsLeftAsItIs() throws {
        let packet = try Packet(copying: [1, 2, 3])
        let buffer = packet.pointer.pointee.buf
        try packet.compact()
        #expect(packet.pointer.pointee.buf == buffer)
        #expect(packet.bytes == [1, 2, 3])
    }
}
