import CFFmpeg
import Foundation
import Testing
@testable import VideoRelay

/// How soon a live demuxer releases a picture: every relay a picture passes through adds this
/// wait to the chain's delay.
@Suite struct LiveDemuxReleaseTests {
    /// Serves a file one TS packet per read, counting what the demuxer has read so far.
    final class PacedFile: ByteSource {
        let bytes: [UInt8]
        private(set) var served = 0

        init(_ path: String) throws { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

        func read(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
            let start = served * 188
            guard start < bytes.count else { return cffmpeg_averror_eof() }
            let count = min(188, buffer.count, bytes.count - start)
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.withUnsafeBytes { $0 }[start..<start + count]))
            served += 1
            return Int32(count)
        }
    }

    /// Each video packet: the TS packet its PES starts at, its size, and how many TS packets
    /// the demuxer had read when it released it.
    struct Release { var firstTSPacket: Int; var size: Int; var readWhenReleased: Int }

    static func releases(of path: String, live: Bool) throws -> [Release] {
        let file = try PacedFile(path)
        let input = try InputFormat(reading: file, live: live)
        let video = try #require(input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO })
        var releases: [Release] = []
        while let packet = try input.readPacket() {
            guard packet.streamIndex == video.index, let position = packet.position else { continue }
            releases.append(Release(firstTSPacket: Int(position / 188), size: Int(packet.pointer.pointee.size), readWhenReleased: file.served))
        }
        return releases
    }

    /// The pictures (after the first few) released before the demuxer read past `limit` of the
    /// picture that follows them, over all that have a follower.
    static func releasedInTime(_ releases: [Release], limit: (Release) -> Int) -> (inTime: Int, of: Int) {
        let judged = Array(zip(releases, releases.dropFirst()).dropFirst(3))
        return (judged.filter { picture, next in picture.readWhenReleased <= limit(next) }.count, judged.count)
    }

    @Test func aLivePictureIsReleasedWhenTheNextPESBeginsNotWhenThePictureAfterItDoes() throws {
        // The sample clips' video PES carry no length, as most encoders send them: only the
        // next PES's first TS packet tells the demuxer that a picture is complete.
        let live = try Self.releases(of: MediaFiles.clip("drone-1"), live: true)
        let judged = Self.releasedInTime(live) { $0.firstTSPacket + 1 }
        #expect(judged.of > 100)
        #expect(judged.inTime == judged.of, "released with the next PES's first TS packet read")
        // A demuxer that frames pictures by their content waits for the picture after.
        let framed = try Self.releases(of: MediaFiles.clip("drone-1"), live: false)
        let late = Self.releasedInTime(framed) { $0.firstTSPacket + 1 }
        #expect(late.inTime == 0, "\(late.inTime) of \(late.of) framed pictures released as early")
    }

    @Test func aPictureWhosePESHasALengthIsReleasedWithItsLastByte() async throws {
        // As relayd's program sends them: every PES of under 64 KiB says how long it is.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("drone-1-pes-lengths-\(UUID().uuidString).ts").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-i", MediaFiles.clip("drone-1"), "-c", "copy",
            "-omit_video_pes_length", "0", "-f", "mpegts", path,
        ])
        try #require(made.status == 0, "\(made.stderr)")
        let releases = try Self.releases(of: path, live: true).filter { $0.size < 60_000 }
        // Released before the demuxer read any of the next picture's PES.
        let judged = Self.releasedInTime(releases) { $0.firstTSPacket }
        #expect(judged.of > 100)
        #expect(judged.inTime == judged.of)
    }
}

/// Sources that do not send one picture per PES.
@Suite struct SplitPESTests {
    /// `clip` with every video PES cut in two: the first part keeps the header and its
    /// timestamps, the second (no timestamps) starts in the middle of a NAL unit, as muxers that
    /// bound every PES's length send large pictures.
    static func splittingEveryPicture(_ clip: String) throws -> String {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: clip)))
        var out: [UInt8] = []
        var pes: [UInt8] = []
        var videoPID: Int?
        var counter: UInt8 = 0
        func packetize(_ pes: [UInt8], pid: Int) {
            var offset = 0
            while offset < pes.count {
                let chunk = min(184, pes.count - offset)
                out += [0x47, UInt8(offset == 0 ? 0x40 : 0) | UInt8(pid >> 8), UInt8(pid & 0xff), (chunk < 184 ? 0x30 : 0x10) | counter]
                counter = (counter + 1) & 0x0f
                if chunk < 184 {
                    let length = 183 - chunk
                    out.append(UInt8(length))
                    if length > 0 { out += [0x00] + [UInt8](repeating: 0xff, count: length - 1) }
                }
                out += pes[offset..<offset + chunk]
                offset += chunk
            }
        }
        func flush() {
            guard let pid = videoPID, pes.count > 9 else { return }
            let body = 9 + Int(pes[8])
            let middle = body + (pes.count - body) / 2
            var first = Array(pes[..<middle])
            first[4] = 0
            first[5] = 0
            packetize(first, pid: pid)
            packetize([0, 0, 1, 0xe0, 0, 0, 0x80, 0, 0] + pes[middle...], pid: pid)
            pes = []
        }
        for offset in stride(from: 0, to: bytes.count - 187, by: 188) {
            let packet = bytes[offset..<offset + 188]
            let pid = Int(packet[offset + 1] & 0x1f) << 8 | Int(packet[offset + 2])
            let start = packet[offset + 1] & 0x40 != 0
            var payload = offset + 4
            if packet[offset + 3] & 0x20 != 0 { payload += 1 + Int(packet[offset + 4]) }
            let isVideoStart = start && payload + 3 < offset + 188 && packet[payload] == 0 && packet[payload + 1] == 0
                && packet[payload + 2] == 1 && packet[payload + 3] & 0xf0 == 0xe0
            if isVideoStart { videoPID = pid }
            guard pid == videoPID else {
                out += packet
                continue
            }
            if start { flush() }
            if packet[offset + 3] & 0x10 != 0, payload < offset + 188 { pes += bytes[payload..<offset + 188] }
        }
        flush()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("split-pes-\(UUID().uuidString).ts").path
        try Data(out).write(to: URL(fileURLWithPath: path))
        return path
    }

    struct Picture: Hashable { var dts: Int64; var size: Int }

    static func pictures(_ path: String, live: Bool) throws -> (pictures: [Picture], fallbacks: Int) {
        let input = try InputFormat(reading: LiveDemuxReleaseTests.PacedFile(path), live: live)
        let video = try #require(input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO })
        var pictures: [Picture] = []
        while let packet = try input.readPacket() {
            if packet.streamIndex == video.index { pictures.append(Picture(dts: packet.dts, size: packet.size)) }
        }
        return (pictures, input.framingFallbacks)
    }

    @Test func aSourceThatSplitsItsPicturesIsFramedByContentAndOnlyWholePicturesGoOut() throws {
        let path = try Self.splittingEveryPicture(MediaFiles.clip("drone-1"))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let framed = try Self.pictures(path, live: false)
        #expect(framed.pictures.count > 150, "the framer puts the pieces together: \(framed.pictures.count)")
        let live = try Self.pictures(path, live: true)
        #expect(live.fallbacks == 1)
        // After the first split picture, video resumes at a keyframe: at most a GOP (30) is lost.
        #expect(live.pictures.count >= framed.pictures.count - 60, "\(live.pictures.count) of \(framed.pictures.count)")
        #expect(Set(live.pictures).isSubset(of: Set(framed.pictures)), "only whole pictures, as the framer finds them")
        #expect(zip(live.pictures, live.pictures.dropFirst()).allSatisfy { $0.dts < $1.dts })
    }

    @Test(arguments: ["heli-1", "drone-1", "mobile-1"])
    func theSampleClipsSendOnePicturePerPESAndGiveTheFramersPictures(clip: String) throws {
        let live = try Self.pictures(MediaFiles.clip(clip), live: true)
        #expect(live.fallbacks == 0)
        #expect(live.pictures.count > 100)
        let framed = try Self.pictures(MediaFiles.clip(clip), live: false).pictures
        #expect(Set(live.pictures).isSubset(of: Set(framed)), "whole pictures, as the framer finds them")
        #expect(live.pictures.first.map { framed.contains($0) } == true)
    }

    @Test func aWholePictureStartsWithAStartCodeAndHoldsASlice() {
        func whole(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { AnnexBPicture.isWhole($0) } }
        #expect(whole([0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x65, 0x88]), "AUD, SPS, IDR slice")
        #expect(whole([0, 0, 1, 0x41, 0x9a]), "a non-IDR slice")
        #expect(!whole([0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce]), "parameter sets alone")
        #expect(!whole([0x9a, 0x21, 0, 0, 1, 0x41, 0x9a]), "the middle of a NAL unit first")
        #expect(!whole([0, 0, 1]))
    }
}
