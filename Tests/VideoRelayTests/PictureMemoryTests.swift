import CFFmpeg
import Foundation
import Testing
@testable import VideoRelay

/// Decoded pictures live in mappings of their own (`PictureMemory`): the pictures are the ones
/// FFmpeg decodes, every mapping goes back to the system when its last frame lets go of it,
/// and a frame kept after its decoder is gone stays whole.
@Suite struct PictureMemoryTests {
    /// The MD5 of a picture's visible planes, packed as ffmpeg's framemd5 hashes raw video.
    static func md5(_ frame: Frame) throws -> String {
        let picture = frame.pointer.pointee
        #expect(picture.format == AV_PIX_FMT_YUV420P.rawValue)
        let width = Int(picture.width), height = Int(picture.height)
        let planes = [(width, height), ((width + 1) / 2, (height + 1) / 2), ((width + 1) / 2, (height + 1) / 2)]
        var packed: [UInt8] = []
        packed.reserveCapacity(width * height * 3 / 2)
        withUnsafePointer(to: picture.data) { data in
            data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 3) { data in
                withUnsafePointer(to: picture.linesize) { linesize in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 3) { linesize in
                        for (plane, (columns, rows)) in planes.enumerated() {
                            guard let base = data[plane] else { return }
                            for row in 0..<rows {
                                packed.append(contentsOf: UnsafeBufferPointer(start: base + row * Int(linesize[plane]), count: columns))
                            }
                        }
                    }
                }
            }
        }
        var digest = [UInt8](repeating: 0, count: 16)
        av_md5_sum(&digest, packed, packed.count)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// ffmpeg's own decoding of a clip's video: each picture's MD5 in output order.
    static func ffmpegHashes(_ path: String) async throws -> [String] {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", "-",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// Decodes every picture of `paths` (played one after another into one decoder), hashing each;
    /// `keep` picks pictures to hold references to; `each` sees every picture's index while the
    /// decoder is alive.
    static func decode(_ paths: [String], keep: (Int) -> Bool = { _ in false }, each: (Int, inout [Frame]) -> Void = { _, _ in }) throws -> (hashes: [String], kept: [Frame]) {
        var hashes: [String] = []
        var kept: [Frame] = []
        var decoder: Decoder?
        let frame = try Frame()
        func receive() throws {
            while try decoder?.receive(into: frame) == true {
                hashes.append(try md5(frame))
                if keep(hashes.count - 1) { kept.append(try frame.newReference()) }
                frame.unref()
                each(hashes.count - 1, &kept)
            }
        }
        for path in paths {
            let input = try InputFormat(path: path)
            let video = try #require(input.streams.first { $0.parameters.mediaType == AVMEDIA_TYPE_VIDEO })
            if decoder == nil { decoder = try Decoder(parameters: video.parameters, timeBase: video.timeBase) }
            while let packet = try input.readPacket() {
                guard packet.streamIndex == video.index else { continue }
                while try decoder?.send(packet) == false { try receive() }
                try receive()
            }
        }
        try decoder?.send(nil)
        try receive()
        return (hashes, kept)
    }

    @Test func picturesAreTheOnesFFmpegDecodesAndTheirMemoryGoesBackWhenTheLastFrameLetsGo() async throws {
        let before = PictureMemory.mappedBytes
        let clip = MediaFiles.clip("drone-1")
        var mappedWhileHeld = 0
        var keptHashes: [String] = []
        do {
            // Every 30th picture is held past the decoder's life, as the program holds its last picture.
            let (hashes, kept) = try Self.decode([clip]) { $0 % 30 == 0 }
            let expected = try await Self.ffmpegHashes(clip)
            #expect(hashes.count > 100)
            #expect(hashes == expected, "the pictures decoded into mapped memory are FFmpeg's")
            mappedWhileHeld = PictureMemory.mappedBytes - before
            // A 1080p 4:2:0 picture is 3 MiB; each held one keeps its three planes mapped.
            #expect(mappedWhileHeld >= kept.count * 1920 * 1080 * 3 / 2, "held pictures are in mapped memory")
            keptHashes = try kept.map(Self.md5)
            #expect(keptHashes == stride(from: 0, to: hashes.count, by: 30).map { hashes[$0] }, "a picture held past its decoder stays whole")
        }
        #expect(PictureMemory.mappedBytes == before, "every mapping went back once the frames let go (\(mappedWhileHeld) bytes were held)")
    }

    @Test func aDecoderWhosePicturesChangeSizeMapPicturesOfTheNewSize() async throws {
        // A publisher that restarts its encoder at another size: 720x1280 portrait, then 1080p.
        let before = PictureMemory.mappedBytes
        let portrait = MediaFiles.clip("mobile-1"), landscape = MediaFiles.clip("drone-1")
        let (hashes, _) = try Self.decode([portrait, landscape])
        let expected = try await Self.ffmpegHashes(portrait) + Self.ffmpegHashes(landscape)
        #expect(hashes == expected)
        #expect(PictureMemory.mappedBytes == before)
    }

    @Test func aBurstOfHeldPicturesIsUnmappedOnceTheDecoderNoLongerNeedsIt() throws {
        // Twelve pictures held at once (as a queue behind a slow encoder holds them), then let go;
        // the decoder carries on for 300 more pictures (two clips played into it).
        let before = PictureMemory.mappedBytes
        let clip = MediaFiles.clip("drone-1")
        let picture = 1920 * 1080 * 3 / 2
        var duringBurst = 0, afterBurst: [Int] = []
        let (hashes, _) = try Self.decode([clip, clip], keep: { $0 < 12 }) { index, kept in
            let mapped = PictureMemory.mappedBytes - before
            if index < 12 { duringBurst = mapped }
            if index == 40 { kept.removeAll() }
            if index >= 300 { afterBurst.append(mapped) }
        }
        #expect(hashes.count == 360)
        #expect(duringBurst >= 12 * picture, "the held pictures were mapped: \(duringBurst) bytes")
        let needed = try #require(afterBurst.max())
        #expect(needed < 8 * picture, "the burst was unmapped: \(needed) bytes still mapped, \(duringBurst) during the burst")
        #expect(needed > 0)
        #expect(PictureMemory.mappedBytes == before)
    }
}
