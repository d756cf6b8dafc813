import Foundation
import Logging
@testable import VideoRelay

/// A relay whose `program` comes from a `ProgramPipeline`, started in process on a free port,
/// with the same client helpers as `RelayHarness`.
final class ProgramHarness: @unchecked Sendable {
    // @unchecked: relay and pipeline are Sendable; the rest is immutable after init.
    let relay: Relay
    let pipeline: ProgramPipeline
    let demuxes: DemuxHub
    let port: UInt16
    let directory: URL

    init(_ configuration: RelayConfiguration = .sampleSources(), program: ProgramConfiguration = .forTests()) throws {
        var configuration = configuration
        configuration.srtListen = HostPort(host: "127.0.0.1", port: 0)
        var logger = Logger(label: "test.program")
        logger.logLevel = .warning
        demuxes = DemuxHub(resources: configuration.sources.map(\.id), logger: logger)
        pipeline = ProgramPipeline(configuration: program, sources: configuration.sources.map(\.id), demuxes: demuxes, logger: logger)
        try pipeline.start()
        relay = Relay(configuration: configuration, programFeed: pipeline, tap: demuxes, logger: logger)
        port = try relay.start()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("program-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func stop() async {
        await relay.stop()
        await demuxes.stop()
        await pipeline.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    func url(_ streamID: String) -> String { "srt://127.0.0.1:\(port)?streamid=\(streamID)" }
    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// An ffmpeg field encoder pushing a sample clip in a loop at its real rate.
    func publish(_ sourceID: String, clip: String? = nil) throws -> ExternalProcess {
        let streamID = StreamID(resource: sourceID, mode: .publish).text
        return try ExternalProcess([
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
            "-i", clip ?? MediaFiles.clip(sourceID), "-c", "copy", "-f", "mpegts", url(streamID),
        ])
    }

    /// Waits until the program can cut to a source.
    func waitReady(_ sourceID: String) async throws {
        try await eventually("\(sourceID) ready to cut") {
            pipeline.status.sources.first { $0.id == sourceID }?.readyToCut == true
        }
    }

    /// Starts an srt-live-transmit reader of the program writing to a file.
    func readProgram(name: String) throws -> (ExternalProcess, String) {
        let path = file(name).path
        let streamID = StreamID(resource: "program", mode: .request).text
        let process = try ExternalProcess(["srt-live-transmit", "-q", url(streamID), "file://con"], stdout: URL(fileURLWithPath: path))
        return (process, path)
    }

    /// Records `seconds` of the program with ffmpeg.
    func recordProgram(seconds: Double, name: String) async throws -> String {
        let path = file(name).path
        let streamID = StreamID(resource: "program", mode: .request).text
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y", "-i", url(streamID), "-t", String(seconds), "-c", "copy", "-f", "mpegts", path,
        ])
        guard result.status == 0 else { throw TestFailure("ffmpeg reader of program failed (\(result.status)): \(result.stderr)") }
        return path
    }
}

/// A recording's pictures in order: each one's PTS and which sample clip it shows (by the
/// corner colour; nil for the slate or anything else).
enum RecordedFrames {
    struct Picture: Equatable {
        var pts: Int64
        var source: String?
        var colour: [Int]
    }

    static func pictures(_ path: String) async throws -> [Picture] {
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts", "-of", "csv=p=0", path,
        ])
        // A picture carrying SEI user data (the program's delay stamps) has a side-data section
        // after its PTS: "1089189," and an empty line. The PTS is each line's first field.
        let pts = String(decoding: probe.stdout, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: ",", omittingEmptySubsequences: false).first.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) } }
        let colours = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
            "-vf", MediaFiles.identifyingCrop, "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ])
        let bytes = [UInt8](colours.stdout)
        return zip(pts, stride(from: 0, to: bytes.count - 2, by: 3)).map { pts, at in
            let rgb = (Int(bytes[at]), Int(bytes[at + 1]), Int(bytes[at + 2]))
            return Picture(pts: pts, source: MediaFiles.identify(rgb), colour: [rgb.0, rgb.1, rgb.2])
        }
    }
}

extension RecordedFrames {
    /// The PTS step a publisher looping `clip` (`-stream_loop -1 -c copy`) leaves at each loop
    /// point, in 90 kHz ticks: the clip's own timing, which passthrough carries to the program.
    static func loopSeam(_ clip: String) async throws -> Int64 {
        let looped = FileManager.default.temporaryDirectory.appendingPathComponent("seam-\(UUID().uuidString).ts").path
        defer { try? FileManager.default.removeItem(atPath: looped) }
        let loop = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-stream_loop", "1", "-i", clip, "-c", "copy", "-f", "mpegts", looped,
        ])
        guard loop.status == 0 else { throw TestFailure("looping \(clip) failed: \(loop.stderr)") }
        let pts = try await RecordedFrames.pictures(looped).map(\.pts)
        let steps = zip(pts, pts.dropFirst()).map { $1 - $0 }
        // Every step is one frame but the one at the loop point.
        let frame = Dictionary(grouping: steps, by: { $0 }).max { $0.value.count < $1.value.count }?.key
        guard let seam = steps.first(where: { $0 != frame }) else { throw TestFailure("no loop point in \(clip)") }
        return seam
    }
}

extension ProgramConfiguration {
    /// The default profile with the committed slate and short failover for tests.
    static func forTests(failover: [String: FailoverRule] = [:], presets: [CaptionPreset] = []) -> ProgramConfiguration {
        ProgramConfiguration(
            presets: presets, failover: failover, slatePath: MediaFiles.directory.appendingPathComponent("slate.ts").path)
    }
}
