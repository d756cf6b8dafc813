import CFFmpeg
import Foundation
import Testing
@testable import VideoRelay

/// Lip sync measured the way a broadcast engineer does: a source that flashes white and beeps
/// together once every 30 frames, through the program in passthrough and in transcode, and cuts
/// between a beeping source and a silent one, the program read by ffmpeg and measured by
/// ffprobe (signalstats for the flashes, silencedetect for the beeps). Serialized (two cores).
@Suite(.serialized) struct ProgramLipSyncTests {
    /// 1080p29.97 like the default profile (it passes through), 20 s so the measurements stay
    /// inside the publisher's first pass: a flash (3 white frames) and a 1 kHz beep (100 ms)
    /// start together at every 30th frame, every 1.001 s. `tone`: a steady tone instead of the
    /// beeps, under the same flashes; `silent`: no sound at all.
    /// `gop`: frames from one keyframe to the next (the flashes stay every 30 frames).
    /// `sampleRate` and `layout`: the sound's (a phone's 44.1 kHz mono, say).
    static func flashAndBeep(_ sound: Sound, gop: Int = 30, sampleRate: Int = 48_000, layout: String = "stereo") async throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flash-beep-\(sound)-g\(gop)-\(sampleRate)-\(layout)-v1.ts").path
        if FileManager.default.fileExists(atPath: path) { return path }
        let format = "s=\(sampleRate):c=\(layout):d=20"
        let audio = switch sound {
        case .beeps: "aevalsrc=if(lt(mod(t\\,1.001)\\,0.1)\\,0.5*sin(2*PI*1000*t)\\,0):\(format)"
        case .tone: "aevalsrc=0.5*sin(2*PI*660*t):\(format)"
        case .silent: "anullsrc=r=\(sampleRate):cl=\(layout):d=20"
        }
        let partial = path + ".\(UUID().uuidString)"
        let result = try await ExternalProcess.output([
            "ffmpeg", "-hide_banner", "-v", "error", "-y",
            "-f", "lavfi", "-i", "color=c=0x1f8a3c:s=1920x1080:r=30000/1001:d=20,drawbox=x=0:y=0:w=iw:h=ih:c=white:t=fill:enable='lt(mod(n\\,30)\\,3)'",
            "-f", "lavfi", "-i", audio,
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-b:v", "2M", "-g", String(gop), "-keyint_min", String(gop),
            "-sc_threshold", "0", "-bf", "0", "-c:a", "aac", "-b:a", "96k", "-f", "mpegts", partial,
        ])
        guard result.status == 0 else { throw TestFailure("flash-and-beep clip failed: \(result.stderr)") }
        _ = rename(partial, path)
        return path
    }

    enum Sound: String, CustomStringConvertible {
        case beeps, tone, silent
        var description: String { rawValue }
    }

    /// Program times (seconds) where the picture turns white.
    static func flashes(_ path: String) async throws -> [Double] {
        let result = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-f", "lavfi", "-i", "movie=\(path),signalstats",
            "-show_entries", "frame=pts_time:frame_tags=lavfi.signalstats.YAVG", "-of", "csv=p=0",
        ])
        var onsets: [Double] = []
        var wasBright = true
        for line in String(decoding: result.stdout, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: ",").compactMap { Double($0) }
            guard fields.count == 2 else { continue }
            let bright = fields[1] > 150
            if bright, !wasBright { onsets.append(fields[0]) }
            wasBright = bright
        }
        return onsets
    }

    /// Program times (seconds) where sound starts after at least 0.2 s of silence, and where
    /// sound stops for at least that long.
    static func soundEdges(_ path: String) async throws -> (starts: [Double], stops: [Double]) {
        let result = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-f", "lavfi", "-i", "amovie=\(path),silencedetect=n=-30dB:d=0.2",
            "-show_entries", "frame_tags=lavfi.silence_start,lavfi.silence_end", "-of", "default=nw=1",
        ])
        var starts: [Double] = []
        var stops: [Double] = []
        for line in String(decoding: result.stdout, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            if parts[0].hasSuffix("silence_end") { starts.append(value) }
            if parts[0].hasSuffix("silence_start") { stops.append(value) }
        }
        return (starts, stops)
    }

    /// For each flash, how much later its beep starts (negative: early), in milliseconds.
    static func lipSync(_ path: String) async throws -> [Double] {
        let flashes = try await flashes(path)
        let beeps = try await soundEdges(path).starts
        return flashes.compactMap { flash in
            beeps.map { ($0 - flash) * 1000 }.filter { abs($0) < 500 }.min { abs($0) < abs($1) }
        }
    }

    @Test func soundStaysWithThePictureInPassthroughAndInTranscode() async throws {
        let harness = try ProgramHarness()
        let publisher = try harness.publish("drone-1", clip: try await Self.flashAndBeep(.beeps))
        try await eventually("drone-1 on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "drone-1" && harness.pipeline.status.mode == .passthrough
        }
        let passthrough = try await Self.lipSync(try await harness.recordProgram(seconds: 5, name: "passthrough.ts"))
        // A caption makes the program decode and encode the source.
        try harness.pipeline.showCaption(Caption(text: "同期確認 SYNC"))
        try await eventually("transcode") { harness.pipeline.status.mode == .transcode }
        let transcode = try await Self.lipSync(try await harness.recordProgram(seconds: 5, name: "transcode.ts"))
        print("lip sync, audio after picture (ms): passthrough \(passthrough), transcode \(transcode)")
        #expect(passthrough.count >= 3 && transcode.count >= 3, "flashes paired with beeps: \(passthrough) \(transcode)")
        // EBU R37 allows 40 ms early and 60 ms late; the program keeps within 20 ms either way
        // (of which up to 10.7 ms is a copied source's sound aligned to the program's AAC frames).
        #expect(passthrough.allSatisfy { abs($0) <= 20 }, "\(passthrough)")
        #expect(transcode.allSatisfy { abs($0) <= 20 }, "\(transcode)")
        publisher.terminate()
        await harness.stop()
    }

    /// The coded frames of a file's audio (ADTS headers included), in order.
    static func audioFrames(_ path: String) throws -> [[UInt8]] {
        let input = try InputFormat(path: path)
        let audio = Set(input.streams.filter { $0.parameters.mediaType == AVMEDIA_TYPE_AUDIO }.map(\.index))
        var frames: [[UInt8]] = []
        while let packet = try input.readPacket() {
            if audio.contains(packet.streamIndex) { frames.append(packet.bytes) }
        }
        return frames
    }

    /// A source sending the program's audio format (AAC-LC, 48 kHz, stereo) is heard through its
    /// own frames, as its pictures are passed through: no second encoding of its sound.
    @Test func inPassthroughTheSourcesOwnAACFramesAreTheProgramsSound() async throws {
        let harness = try ProgramHarness()
        let clip = try await Self.flashAndBeep(.beeps)
        let publisher = try harness.publish("drone-1", clip: clip)
        try await eventually("drone-1 on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "drone-1" && harness.pipeline.status.mode == .passthrough
        }
        let recording = try await harness.recordProgram(seconds: 5, name: "copied.ts")
        let sourceFrames = Set(try Self.audioFrames(clip))
        let programFrames = try Self.audioFrames(recording)
        let copied = programFrames.filter { sourceFrames.contains($0) }.count
        let status = harness.pipeline.status
        print("program audio frames \(programFrames.count), the source's own \(copied); status: \(status.audioPacketsCopied) of \(status.audioPacketsWritten) copied")
        #expect(programFrames.count >= 200, "5 s of sound is 234 frames")
        #expect(Double(copied) >= 0.95 * Double(programFrames.count), "\(copied) of \(programFrames.count)")
        #expect(status.audioPacketsCopied > 0 && status.audioPacketsCopied <= status.audioPacketsWritten)
        publisher.terminate()
        await harness.stop()
    }

    /// A phone that records 44.1 kHz mono: its sound is resampled to the program's 48 kHz stereo
    /// (encoded, since its frames are not in the program's format), in lip sync.
    @Test func aSourceAt44100HzMonoIsResampledToTheProgramsFormatInLipSync() async throws {
        let harness = try ProgramHarness()
        let clip = try await Self.flashAndBeep(.beeps, sampleRate: 44_100, layout: "mono")
        let publisher = try harness.publish("drone-1", clip: clip)
        try await eventually("drone-1 on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "drone-1" && harness.pipeline.status.mode == .passthrough
        }
        let recording = try await harness.recordProgram(seconds: 5, name: "resampled.ts")
        let probe = try await ExternalProcess.output([
            "ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=sample_rate,channels", "-of", "csv=p=0", recording,
        ])
        // ffprobe names a TS stream once per program it is in and once on its own: the first.
        let format = String(decoding: probe.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        let sync = try await Self.lipSync(recording)
        print("44.1 kHz mono source: program audio \(format), lip sync (ms) \(sync)")
        #expect(format == "48000,2", "the program's sound is 48 kHz stereo whatever the source's")
        #expect(sync.count >= 3, "every flash heard with its beep: \(sync)")
        #expect(sync.allSatisfy { abs($0) <= 20 }, "\(sync)")
        #expect(harness.pipeline.status.audioPacketsCopied == 0, "not the program's format: encoded, never copied")
        publisher.terminate()
        await harness.stop()
    }

    /// After an instant cut the new source's pictures are encoded (a bridge) until its next
    /// keyframe; heli-1's come every 20 s here, so the whole recording is bridged.
    @Test func soundStaysWithThePictureThroughTheBridgeAfterAnInstantCut() async throws {
        let harness = try ProgramHarness()
        let drone = try harness.publish("drone-1", clip: try await Self.flashAndBeep(.beeps))
        try await eventually("drone-1 on air in passthrough", timeout: .seconds(20)) {
            harness.pipeline.status.onAir == "drone-1" && harness.pipeline.status.mode == .passthrough
        }
        // One keyframe per 20 s loop of the clip: the bridge lasts until the next one, so it
        // outlasts the recording however long the recorder takes to start on a busy machine.
        // heli-1 is ready at the first keyframe the program sees whole, up to one loop away.
        let heli = try harness.publish("heli-1", clip: try await Self.flashAndBeep(.beeps, gop: 600))
        try await eventually("heli-1 ready to cut", timeout: .seconds(45)) {
            harness.pipeline.status.sources.first { $0.id == "heli-1" }?.readyToCut == true
        }
        let outcome = await harness.pipeline.cut(to: "heli-1", by: "test")
        guard case .tookEffect = outcome else { throw TestFailure("cut to heli-1: \(outcome)") }
        let bridge = try await Self.lipSync(try await harness.recordProgram(seconds: 4, name: "bridge.ts"))
        #expect(harness.pipeline.status.onAir == "heli-1" && harness.pipeline.status.mode == .transcode,
            "still bridging to heli-1's next keyframe, so the recording measured the bridge")
        print("lip sync through the bridge, audio after picture (ms): \(bridge)")
        // The recording starts at the cut, where the first flash may straddle the change of
        // sound from one source to the other (measured on its own in the cut test below).
        let steady = Array(bridge.dropFirst())
        #expect(steady.count >= 2, "flashes paired with beeps: \(bridge)")
        #expect(steady.allSatisfy { abs($0) <= 20 }, "\(bridge)")
        drone.terminate()
        heli.terminate()
        await harness.stop()
    }

    @Test func atACutTheSoundChangesWithThePicture() async throws {
        let harness = try ProgramHarness()
        let drone = try harness.publish("drone-1", clip: try await Self.flashAndBeep(.tone))
        try await eventually("drone-1 on air", timeout: .seconds(20)) { harness.pipeline.status.onAir == "drone-1" }
        let heli = try harness.publish("heli-1", clip: try await Self.flashAndBeep(.silent))
        try await harness.waitReady("heli-1")
        let (reader, recording) = try harness.readProgram(name: "cuts.ts")
        try await eventually("program flowing to the reader") { RelayHarness.fileSize(recording) > 100_000 }
        var cuts: [(source: String, at: Double)] = []
        for (index, target) in ["heli-1", "drone-1", "heli-1", "drone-1"].enumerated() {
            let outcome = await harness.pipeline.cut(to: target, by: "test")
            guard case .tookEffect = outcome else {
                Issue.record("cut \(index) to \(target): \(outcome)")
                break
            }
            cuts.append((target, try #require(harness.pipeline.status.lastCut?.programTimeSeconds)))
            // Each source stays on air a second and a half of program time.
            let at = cuts[cuts.count - 1].at
            try await eventually("program on after cut \(index)") { (harness.pipeline.status.programTimeSeconds ?? 0) > at + 1.5 }
        }
        reader.terminate()
        try await reader.waitForExit()
        let edges = try await Self.soundEdges(recording)
        // The tone stops where heli-1 (silent) goes on air and starts where drone-1 comes back.
        var misses: [String] = []
        for cut in cuts {
            let edges = cut.source == "heli-1" ? edges.stops : edges.starts
            let nearest = edges.map { ($0 - cut.at) * 1000 }.min { abs($0) < abs($1) }
            print("cut to \(cut.source) at \(cut.at) s: sound changes \(nearest.map { String(format: "%.1f", $0) } ?? "never") ms after")
            // Within one AAC frame (21 ms) and the crossfade (5 ms).
            if nearest.map({ abs($0) > 27 }) ?? true { misses.append("\(cut.source) at \(cut.at): \(String(describing: nearest))") }
        }
        #expect(cuts.count == 4)
        #expect(misses.isEmpty, "\(misses); starts \(edges.starts), stops \(edges.stops)")
        // Both sources send the program's audio format: their own frames are copied between the
        // cuts and the crossfades encoded, and the two kinds follow each other without a fault.
        let status = harness.pipeline.status
        #expect(status.audioPacketsCopied > 0 && status.audioPacketsCopied < status.audioPacketsWritten,
            "\(status.audioPacketsCopied) of \(status.audioPacketsWritten) copied")
        let decoded = try await ExternalProcess.output(["ffmpeg", "-hide_banner", "-v", "error", "-i", recording, "-map", "0:a", "-f", "null", "-"])
        #expect(decoded.status == 0 && decoded.stderr.isEmpty, "\(decoded.stderr)")
        drone.terminate()
        heli.terminate()
        await harness.stop()
    }
}
