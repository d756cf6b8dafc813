import Foundation
import Logging
import Synchronization
import Testing
@testable import VideoRelay

/// A relay whose payloads also go to a `DemuxHub` with a `ThumbnailMaker` subscribed, started in
/// process on a free port: with the program pipeline making `program` (demuxed like a source),
/// or without it (`program` passes a source through and its thumbnail is that source's).
private final class ThumbnailHarness: @unchecked Sendable {
    // @unchecked: relay, pipeline, hub and maker are Sendable; the rest is immutable after init.
    let demuxes: DemuxHub
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
        demuxes = DemuxHub(
            resources: configuration.sources.map(\.id) + (program ? [RelayConfiguration.programResource] : []), logger: logger)
        pipeline = program ? ProgramPipeline(configuration: .forTests(), sources: configuration.sources.map(\.id), demuxes: demuxes, logger: logger) : nil
        try pipeline?.start()
        let relay = Relay(configuration: configuration, programFeed: pipeline, tap: demuxes, logger: logger)
        self.relay = relay
        thumbnails = ThumbnailMaker(demuxes: demuxes, programSource: { relay.snapshot.programSource }, logger: logger)
        thumbnails.start()
        port = try relay.start()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("thumbnail-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func stop() async {
        await relay.stop()
        await pipeline?.stop()
        await demuxes.stop()
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

    /// The thumbnail as a viewer asks for it: the asking keeps pictures coming.
    func view(_ resource: String) -> Thumbnail? {
        thumbnails.markWatched()
        return thumbnails.thumbnail(of: resource)
    }

    func waitForThumbnail(of resource: String, after sequence: Int = 0) async throws -> Thumbnail {
        try await eventually("a thumbnail of \(resource) after #\(sequence)", timeout: .seconds(20)) {
            (view(resource)?.sequence ?? 0) > sequence
        }
        guard let thumbnail = view(resource) else { throw TestFailure("no thumbnail of \(resource)") }
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

    /// Which sample clip a thumbnail shows, from the region `MediaFiles.identifyingCrop` reads
    /// in the full picture.
    static func sourceShown(_ path: String) async throws -> String? {
        MediaFiles.identify(try await colour(path, x: 0.45, y: 1 / 3, width: 0.1, height: 0.05))
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

        // Without a program pipeline the program passes a live source through: it is not
        // demuxed again, and its thumbnail is that source's own.
        #expect(!harness.demuxes.resources.contains(RelayConfiguration.programResource))
        let program = try await harness.waitForThumbnail(of: RelayConfiguration.programResource)
        let onAir = try #require(harness.relay.snapshot.programSource)
        #expect(try await JPEGFile.sourceShown(try harness.save(program, as: "program.jpg")) == onAir)
        #expect(Set(harness.thumbnails.thumbnailSummary.keys).isSuperset(of: ["heli-1", "drone-1", "program"]))
        let sequences = harness.thumbnails.sequences
        #expect(sequences["program"] == sequences[onAir], "the same picture")
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
            guard let program = harness.view("program") else { return false }
            let path = try harness.save(program, as: "program-\(program.sequence).jpg")
            return try await JPEGFile.sourceShown(path) == "heli-1" ? !(try await JPEGFile.bottomBandIsRed(path)) : false
        }

        // A banner is white on red at the bottom: it is drawn into the program's own pictures,
        // so the program thumbnail (decoded from the program output) shows it.
        try pipeline.showCaption(Caption(text: "現場上空から中継 LIVE", style: .banner))
        try await eventually("the banner in the program thumbnail", timeout: .seconds(20)) {
            guard let program = harness.view("program") else { return false }
            return try await JPEGFile.bottomBandIsRed(try harness.save(program, as: "banner-\(program.sequence).jpg"))
        }
        let source = try #require(harness.view("heli-1"))
        #expect(!(try await JPEGFile.bottomBandIsRed(try harness.save(source, as: "heli.jpg"))), "the source itself carries no caption")

        pipeline.clearCaption()
        try await eventually("the banner leaves the program thumbnail", timeout: .seconds(20)) {
            guard let program = harness.view("program") else { return false }
            return !(try await JPEGFile.bottomBandIsRed(try harness.save(program, as: "cleared-\(program.sequence).jpg")))
        }

        heli.terminate()
        await harness.stop()
    }
}

/// Pictures are made only while someone looks: a `ThumbnailMaker` on a `DemuxHub` fed a sample
/// clip's real TS bytes, as the relay hands them over.
@Suite(.serialized) struct ThumbnailWatchTests {
    static func logger() -> Logger {
        var logger = Logger(label: "test.thumbnails")
        logger.logLevel = .warning
        return logger
    }

    /// Video keyframes in the clip as ffprobe's demuxer flags them.
    static func keyframes(in clip: String) async throws -> Int {
        let result = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags", "-of", "csv=p=0", MediaFiles.clip(clip),
        ])
        return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("K") }.count
    }

    @Test func nothingIsDecodedWhileNobodyWatchesAndAViewerStartsThePictures() async throws {
        let hub = DemuxHub(resources: ["heli-1"], idleLimit: .milliseconds(300), logger: Self.logger())
        let maker = ThumbnailMaker(demuxes: hub, logger: Self.logger())
        maker.start()
        let stream = DemuxInbox()
        hub.subscribe(resource: "heli-1", stream)
        let events = Mutex<[DemuxInbox.Event]>([])
        let ended = { events.withLock { events in
            events += stream.take()
            return events.contains { if case .ended = $0 { true } else { false } }
        } }

        // Given a whole stream demuxed, from its first keyframe to its end, with nobody looking.
        try DemuxHubTests.feed(hub, "heli-1", clip: "heli-1")
        try await eventually("the stream ends") { ended() }
        #expect(maker.keyframesReceived > 0)
        #expect(maker.renders == 0, "no keyframe decoded")
        #expect(maker.thumbnail(of: "heli-1")?.sequence == nil, "no picture")
        #expect(!maker.isWatched)

        // When someone looks, the next publisher's keyframes become pictures.
        maker.markWatched()
        try DemuxHubTests.feed(hub, "heli-1", clip: "heli-1")
        try await eventually("a picture") { maker.thumbnail(of: "heli-1") != nil }
        #expect(maker.renders > 0)
        let picture = try #require(maker.thumbnail(of: "heli-1"))
        #expect(picture.width == 320 && picture.height == 180)
        await hub.stop()
        await maker.stop()
    }

    @Test func aViewerArrivingGetsTheNewestKeptKeyframeAtOnceAndPicturesStopWhenTheWindowCloses() async throws {
        let hub = DemuxHub(resources: ["drone-1"], idleLimit: .seconds(60), logger: Self.logger())
        let maker = ThumbnailMaker(demuxes: hub, watchWindow: .seconds(1), logger: Self.logger())
        maker.start()
        let keyframes = try await Self.keyframes(in: "drone-1")
        let firstPass = try DemuxHubTests.liveCounts("drone-1").keyframes
        // The program also subscribes (it is never read here): it keeps the demuxer running.
        hub.subscribe(resource: "drone-1", DemuxInbox())

        // Given every keyframe of the clip demuxed (after the probe) with nobody looking, and no more bytes to come
        // (the stream stays open: no new keyframe will arrive).
        try DemuxHubTests.feed(hub, "drone-1", clip: "drone-1")
        try await eventually("the clip's keyframes handed over") { maker.keyframesReceived == firstPass }
        #expect(maker.renders == 0)

        // When a viewer arrives, the kept keyframe is rendered without waiting for the next one.
        maker.markWatched()
        try await eventually("a picture of the kept keyframe") { maker.thumbnail(of: "drone-1") != nil }
        #expect(maker.renders == 1)
        let picture = try #require(maker.thumbnail(of: "drone-1"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kept-\(UUID().uuidString).jpg").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(picture.jpeg).write(to: URL(fileURLWithPath: path))
        #expect(try await JPEGFile.sourceShown(path) == "drone-1")

        // Once the window has closed without another sign of a viewer, new keyframes wait again.
        try await eventually("the watch window closed") { !maker.isWatched }
        try DemuxHubTests.feed(hub, "drone-1", clip: "drone-1")
        try await eventually("the second pass's keyframes handed over") { maker.keyframesReceived == firstPass + keyframes }
        #expect(maker.renders == 1, "nothing decoded after the window")
        await hub.stop()
        await maker.stop()
    }

    @Test func aResourceOnlyTheThumbnailsNeedIsNotDemuxedWhileNobodyWatches() async throws {
        let hub = DemuxHub(resources: ["mobile-1"], idleLimit: .milliseconds(300), logger: Self.logger())
        let maker = ThumbnailMaker(demuxes: hub, logger: Self.logger())
        maker.start()

        // Nobody looks: the relay's payloads are not even queued for a demuxer.
        try DemuxHubTests.feed(hub, "mobile-1", clip: "mobile-1")
        #expect(hub.streamsOpened["mobile-1"] == 0)
        #expect(maker.keyframesReceived == 0)

        // A viewer: the next payloads start a demuxer and pictures follow.
        maker.markWatched()
        try DemuxHubTests.feed(hub, "mobile-1", clip: "mobile-1")
        try await eventually("a picture") { maker.thumbnail(of: "mobile-1") != nil }
        #expect(hub.streamsOpened["mobile-1"] == 1)
        await hub.stop()
        await maker.stop()
    }
}
