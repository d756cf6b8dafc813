import Foundation
import Logging
import Testing
@testable import VideoRelay

/// A relay whose payloads also go to a `ThumbnailMaker`, optionally with the program pipeline
/// making `program`, started in process on a free port.
private final class ThumbnailHarness: @unchecked Sendable {
    // @unchecked: relay, pipeline and maker are Sendable; the rest is immutable after init.
    let thumbnails: ThumbnailMaker
    let relay: Relay
    let pipeline: ProgramPipeline?
    let port: UInt16
    let directory: URL

    init(program: Bool = false) throws {
        var configuration = RelayConfiguration.sampleSources()
        configuration.srtListen = HostPort(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "test.thumbnails")
        logger.logLevel = .warning
        thumbnails = ThumbnailMaker(resources: configuration.sources.map(\.id) + [RelayConfiguration.programResource], logger: logger)
        thumbnails.start()
        pipeline = program ? ProgramPipeline(configuration: .forTests(), sources: configuration.sources.map(\.id), logger: logger) : nil
        try pipeline?.start()
        relay = Relay(configuration: configuration, programFeed: pipeline, tap: thumbnails, logger: logger)
        port = try relay.start()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("thumbnail-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func stop() async {
        await relay.stop()
        await pipeline?.stop()
        await thumbnails.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// An ffmpeg field encoder pushing the source's sample clip in a loop at its real rate.
    func publish(_ sourceID: String) throws -> ExternalProcess {
        let streamID = StreamID(resource: sourceID, mode: .publish).text
        return try ExternalProcess([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", MediaFiles.clip(sourceID),
            "-c", "copy", "-f", "mpegts", "srt://127.0.0.1:\(port)?streamid=\(streamID)",
        ])
    }

    func waitForThumbnail(of resource: String, after sequence: Int = 0) async throws -> Thumbnail {
        try await eventually("a thumbnail of \(resource) after #\(sequence)", timeout: .seconds(20)) {
            (thumbnails.thumbnail(of: resource)?.sequence ?? 0) > sequence
        }
        guard let thumbnail = thumbnails.thumbnail(of: resource) else { throw TestFailure("no thumbnail of \(resource)") }
        return thumbnail
    }

    /// Writes the JPEG to a file, for ffprobe and ffmpeg.
    func save(_ thumbnail: Thumbnail, as name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(thumbnail.jpeg).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// What ffprobe and ffmpeg make of a thumbnail JPEG.
enum JPEGFile {
    /// Codec name, width and height as ffprobe reads them.
    static func probe(_ path: String) async throws -> (codec: String, width: Int, height: Int) {
        let result = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", path,
        ])
        let fields = String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",")
        guard result.status == 0, fields.count == 3, let width = Int(fields[1]), let height = Int(fields[2]) else {
            throw TestFailure("ffprobe cannot read \(path): \(result.stderr)")
        }
        return (String(fields[0]), width, height)
    }

    /// The average colour of a region given in fractions of the picture.
    static func colour(_ path: String, x: Double, y: Double, width: Double, height: Double) async throws -> (Int, Int, Int) {
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path,
            "-vf", "crop=iw*\(width):ih*\(height):iw*\(x):ih*\(y),scale=1:1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        let bytes = [UInt8](result.stdout)
        guard bytes.count >= 3 else { throw TestFailure("ffmpeg cannot decode \(path): \(result.stderr)") }
        return (Int(bytes[0]), Int(bytes[1]), Int(bytes[2]))
    }

    /// Which sample clip a thumbnail shows, from the corner `RecordedStream.cornerColour` reads
    /// in the full picture (100x40 at 1160,20 of 1280x720).
    static func sourceShown(_ path: String) async throws -> String? {
        MediaFiles.identify(try await colour(path, x: 1160 / 1280, y: 20 / 720, width: 100 / 1280, height: 40 / 720))
    }

    /// Whether the middle of the bottom caption's box is mostly red: a banner caption (white
    /// text on red) with a text as long as "現場上空から中継 LIVE" covers it.
    static func bottomBandIsRed(_ path: String) async throws -> Bool {
        let (red, green, blue) = try await colour(path, x: 0.3, y: 0.89, width: 0.25, height: 0.05)
        return red > green + 30 && red > blue + 30
    }
}

/// Live thumbnails through the real relay, with ffmpeg publishing the sample clips.
/// Serialized: integration suites starve each other on two cores.
@Suite(.serialized) struct ThumbnailIntegrationTests {
    @Test func everySourceAndTheProgramGetAJPEGOfTheirOwnPictureThatKeepsRefreshing() async throws {
        let harness = try ThumbnailHarness()
        let heli = try harness.publish("heli-1")
        let drone = try harness.publish("drone-1")

        for source in ["heli-1", "drone-1"] {
            let thumbnail = try await harness.waitForThumbnail(of: source)
            let path = try harness.save(thumbnail, as: "\(source).jpg")
            let probe = try await JPEGFile.probe(path)
            #expect(probe.codec == "mjpeg")
            // 1280x720 at most 320 wide, shape kept.
            #expect(probe.width == 320 && probe.height == 180, "\(source): \(probe.width)x\(probe.height)")
            #expect(thumbnail.width == 320 && thumbnail.height == 180)
            #expect(try await JPEGFile.sourceShown(path) == source)
            #expect(!thumbnail.isStale)

            // Refreshed from keyframes (1 s GOP): two newer pictures arrive.
            let next = try await harness.waitForThumbnail(of: source, after: thumbnail.sequence + 1)
            #expect(next.capturedAt > thumbnail.capturedAt)
        }

        // Without a program pipeline the program passes a live source through: its thumbnail
        // shows that source.
        let program = try await harness.waitForThumbnail(of: RelayConfiguration.programResource)
        let onAir = try #require(harness.relay.snapshot.programSource)
        #expect(try await JPEGFile.sourceShown(try harness.save(program, as: "program.jpg")) == onAir)
        #expect(Set(harness.thumbnails.thumbnailSummary.keys).isSuperset(of: ["heli-1", "drone-1", "program"]))
        #expect(harness.thumbnails.thumbnail(of: "mobile-1") == nil, "nothing published, no thumbnail")

        heli.terminate()
        drone.terminate()
        await harness.stop()
    }

    @Test func aSourceThatGoesSilentKeepsItsLastThumbnailMarkedStaleUntilItReturns() async throws {
        let harness = try ThumbnailHarness()
        let drone = try harness.publish("drone-1")
        let last = try await harness.waitForThumbnail(of: "drone-1")

        drone.terminate()
        _ = try await drone.waitForExit()
        try await eventually("drone-1's thumbnail stale") { harness.thumbnails.thumbnail(of: "drone-1")?.isStale == true }
        let stale = try #require(harness.thumbnails.thumbnail(of: "drone-1"))
        #expect(stale.jpeg.count > 1000, "the last picture is kept")
        #expect(harness.thumbnails.thumbnailSummary["drone-1"]?.stale == true)

        let again = try harness.publish("drone-1")
        let fresh = try await harness.waitForThumbnail(of: "drone-1", after: stale.sequence)
        #expect(!fresh.isStale)
        #expect(fresh.sequence > last.sequence)
        #expect(try await JPEGFile.sourceShown(try harness.save(fresh, as: "again.jpg")) == "drone-1")

        again.terminate()
        await harness.stop()
    }

    @Test func theProgramThumbnailShowsTheCaptionBurntIntoTheProgram() async throws {
        let harness = try ThumbnailHarness(program: true)
        let heli = try harness.publish("heli-1")
        let pipeline = try #require(harness.pipeline)
        try await eventually("heli-1 on air", timeout: .seconds(20)) { pipeline.status.onAir == "heli-1" }
        try await eventually("the program thumbnail shows heli-1 without a caption", timeout: .seconds(20)) {
            guard let program = harness.thumbnails.thumbnail(of: "program") else { return false }
            let path = try harness.save(program, as: "program-\(program.sequence).jpg")
            return try await JPEGFile.sourceShown(path) == "heli-1" ? !(try await JPEGFile.bottomBandIsRed(path)) : false
        }

        // A banner is white on red at the bottom: it is drawn into the program's own pictures,
        // so the program thumbnail (decoded from the program output) shows it.
        try pipeline.showCaption(Caption(text: "現場上空から中継 LIVE", style: .banner))
        try await eventually("the banner in the program thumbnail", timeout: .seconds(20)) {
            guard let program = harness.thumbnails.thumbnail(of: "program") else { return false }
            return try await JPEGFile.bottomBandIsRed(try harness.save(program, as: "banner-\(program.sequence).jpg"))
        }
        let source = try #require(harness.thumbnails.thumbnail(of: "heli-1"))
        #expect(!(try await JPEGFile.bottomBandIsRed(try harness.save(source, as: "heli.jpg"))), "the source itself carries no caption")

        pipeline.clearCaption()
        try await eventually("the banner leaves the program thumbnail", timeout: .seconds(20)) {
            guard let program = harness.thumbnails.thumbnail(of: "program") else { return false }
            return !(try await JPEGFile.bottomBandIsRed(try harness.save(program, as: "cleared-\(program.sequence).jpg")))
        }

        heli.terminate()
        await harness.stop()
    }
}

/// The queue between the relay thread and a thumbnail thread: bounded by skipping to keyframes.
@Suite struct ThumbnailByteQueueTests {
    /// `count` TS-sized packets whose bytes all equal `mark`.
    static func payload(_ mark: UInt8, packets: Int = 7) -> ArraySlice<UInt8> {
        [UInt8](repeating: mark, count: 188 * packets)[...]
    }

    static func readAll(_ queue: ThumbnailByteQueue) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while queue.queued > 0 {
            let count = buffer.withUnsafeMutableBytes { queue.read(into: $0) }
            bytes += buffer.prefix(Int(count))
        }
        return bytes
    }

    @Test func whenFullItSkipsToTheNewestKeyframeInsteadOfGrowing() {
        let queue = ThumbnailByteQueue(limitBytes: 188 * 20)
        queue.append(Self.payload(1), keyframeOffset: 0)
        queue.append(Self.payload(2), keyframeOffset: nil)
        // A keyframe starting in the second packet of this payload.
        var keyframe = Self.payload(3)
        keyframe.replaceSubrange(0..<188, with: [UInt8](repeating: 9, count: 188))
        queue.append(keyframe, keyframeOffset: 188)
        #expect(queue.queued == 188 * 6, "over the limit: only the newest keyframe onwards is kept")
        queue.append(Self.payload(4), keyframeOffset: nil)

        let bytes = Self.readAll(queue)
        #expect(bytes.count == 188 * 13)
        #expect(bytes.first == 3 && bytes.last == 4, "reading resumes at the keyframe")
        #expect(queue.droppedBytes == 188 * 15)
    }

    @Test func withNoNewerKeyframeQueuedItDropsEverythingAndWaitsForTheNextOne() {
        let queue = ThumbnailByteQueue(limitBytes: 188 * 10)
        queue.append(Self.payload(1), keyframeOffset: 0)
        queue.append(Self.payload(2), keyframeOffset: nil)
        #expect(queue.queued == 0, "the only keyframe is the one being passed: nothing left worth decoding")
        queue.append(Self.payload(5), keyframeOffset: nil)
        #expect(queue.queued == 0, "no keyframe yet: nothing to decode from")
        queue.append(Self.payload(6, packets: 3), keyframeOffset: 188 * 2)
        #expect(Self.readAll(queue) == [UInt8](repeating: 6, count: 188))
    }

    /// A TS packet of `pid` filled with `mark`.
    static func packet(pid: UInt16, mark: UInt8) -> [UInt8] {
        [0x47, UInt8(pid >> 8), UInt8(pid & 0xff)] + [UInt8](repeating: mark, count: 185)
    }

    @Test func aStreamStartsAtTheTablesBeforeItsFirstKeyframe() {
        let queue = ThumbnailByteQueue()
        // Mid-GOP pictures before anything can be decoded: not queued.
        queue.append(Self.payload(1), keyframeOffset: nil)
        #expect(queue.queued == 0)
        // The muxer repeats PAT and PMT right before the keyframe, here across two payloads.
        let before = (0..<6).flatMap { _ in Self.packet(pid: 0x100, mark: 1) } + Self.packet(pid: 0, mark: 2)
        let keyframe = Self.packet(pid: 0x1000, mark: 3) + Self.packet(pid: 0x100, mark: 4) + Self.packet(pid: 0x100, mark: 5)
        queue.append(before[...], keyframeOffset: nil)
        queue.append(keyframe[...], keyframeOffset: 188)
        #expect(Self.readAll(queue) == Self.packet(pid: 0, mark: 2) + keyframe)
    }

    @Test func aClosedQueueEndsTheDemuxersRead() {
        let queue = ThumbnailByteQueue()
        queue.close()
        var buffer = [UInt8](repeating: 0, count: 188)
        #expect(buffer.withUnsafeMutableBytes { queue.read(into: $0) } < 0, "AVERROR_EOF")
        #expect(!queue.waitForData())
    }
}
