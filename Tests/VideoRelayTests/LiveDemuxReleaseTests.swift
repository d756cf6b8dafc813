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
