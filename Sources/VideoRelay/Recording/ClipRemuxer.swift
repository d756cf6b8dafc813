import CFFmpeg
import Foundation
import Glibc

/// Cuts a clip out of recorded MPEG-TS segments into an MP4 file without re-encoding: the
/// segments are read back to back as one stream (each is the next stretch of the same stream),
/// demuxed, and their video and audio packets copied as they are, from the last keyframe at or
/// before the start to the end (`ClipPacketSelector` decides), with timestamps moved to start at 0.
/// Runs on the caller's thread: call it off the Swift concurrency pool.
public enum ClipRemuxer {
    /// What to cut, from which files, to which file.
    public struct Request: Sendable {
        /// The segment files, in stream order.
        public var segments: [String]
        /// Where the clip starts and ends, in 90 kHz ticks after the first segment's first video PTS.
        public var startOffset: Int64
        public var endOffset: Int64
        /// The MP4 file to create.
        public var output: String

        /// A request; `output` is created, or replaced.
        public init(segments: [String], startOffset: Int64, endOffset: Int64, output: String) {
            self.segments = segments
            self.startOffset = startOffset
            self.endOffset = endOffset
            self.output = output
        }
    }

    /// What the clip turned out to cover.
    public struct Result: Sendable, Equatable {
        /// The first keyframe's PTS and the end of the last video packet, in 90 kHz ticks after
        /// the first segment's first video PTS.
        public var startOffset: Int64
        public var endOffset: Int64
        /// Packets written, per kind.
        public var videoPackets: Int
        public var audioPackets: Int
    }

    /// Remuxes; `observe` sees every byte read, per segment index, in order (to hash what was
    /// actually used), `progress` the share of the segments' bytes read so far (0...1).
    public static func remux(
        _ request: Request, observe: @escaping (Int, UnsafeRawBufferPointer) -> Void, progress: @escaping (Double) -> Void
    ) throws -> Result {
        let files = try ConcatenatedFiles(paths: request.segments, observe: observe, progress: progress)
        let input = try InputFormat(reading: files, probeMicroseconds: 2_000_000)
        let output = try MP4FileOutput(path: request.output)
        do {
            let result = try copy(input: input, output: output, request: request)
            try output.close()
            files.drainRest()
            return result
        } catch {
            try? output.close()
            throw error
        }
    }

    private struct Mapped {
        var kind: ClipPacketSelector.Kind
        var output: Int32
        var inputTimeBase: AVRational
        var outputTimeBase = AVRational(num: 1, den: 90_000)
    }

    private static let ticks = AVRational(num: 1, den: 90_000)

    private static func copy(input: InputFormat, output: MP4FileOutput, request: Request) throws -> Result {
        var mapped: [Int32: Mapped] = [:]
        var videoSeen = false
        for stream in input.streams where MP4FileOutput.canCarry(stream.parameters) {
            // One video stream (the first) and every audio stream: data streams stay behind.
            let kind: ClipPacketSelector.Kind
            switch stream.parameters.mediaType {
            case AVMEDIA_TYPE_VIDEO where !videoSeen: kind = .video; videoSeen = true
            case AVMEDIA_TYPE_AUDIO: kind = .audio
            default: continue
            }
            mapped[stream.index] = Mapped(kind: kind, output: try output.addStream(copying: stream.parameters, timeBase: stream.timeBase), inputTimeBase: stream.timeBase)
        }
        guard videoSeen else { throw FFmpegError.null("avformat_find_stream_info", "the recording holds no video stream MP4 can carry") }
        try output.writeHeader()
        for (key, stream) in mapped { mapped[key]?.outputTimeBase = output.timeBase(of: stream.output) }

        var selector = ClipPacketSelector(
            startOffset: request.startOffset, endOffset: request.endOffset, audioStreams: mapped.values.filter { $0.kind == .audio }.count)
        var held: [(Packet, ClipPacketSelector.Packet)] = []
        var counts = (video: 0, audio: 0)
        var lastDTS: [Int32: Int64] = [:]
        func write(_ packet: Packet, _ seen: ClipPacketSelector.Packet) throws {
            guard let stream = mapped[packet.streamIndex] else { return }
            let base = av_rescale_q(selector.timestampBase, ticks, stream.inputTimeBase)
            packet.pts -= base
            packet.dts -= base
            packet.streamIndex = stream.output
            av_packet_rescale_ts(packet.pointer, stream.inputTimeBase, stream.outputTimeBase)
            // A publisher's stream may repeat or step back a DTS (seen where an encoder loops its
            // input); MP4 needs them increasing, so such a packet is moved just after the one
            // before, as ffmpeg's stream copy does. Its bytes stay as they are.
            if let last = lastDTS[stream.output], packet.dts <= last {
                packet.dts = last + 1
                if packet.pts < packet.dts { packet.pts = packet.dts }
            }
            lastDTS[stream.output] = packet.dts
            packet.pointer.pointee.pos = -1
            if seen.kind == .video { counts.video += 1 } else { counts.audio += 1 }
            try output.write(packet)
        }
        func writeHeld() throws {
            for (packet, seen) in held where selector.admits(seen) { try write(packet, seen) }
            held.removeAll()
        }
        reading: while let packet = try input.readPacket() {
            guard let stream = mapped[packet.streamIndex] else { continue }
            let pts = packet.pts != noTimestamp ? packet.pts : packet.dts
            let dts = packet.dts != noTimestamp ? packet.dts : pts
            guard pts != noTimestamp else { continue }
            let seen = ClipPacketSelector.Packet(
                kind: stream.kind, stream: Int(packet.streamIndex), isKeyframe: packet.isKeyframe,
                pts: av_rescale_q(pts, stream.inputTimeBase, ticks), dts: av_rescale_q(dts, stream.inputTimeBase, ticks))
            packet.pts = pts
            packet.dts = dts
            switch selector.next(seen) {
            case .hold: held.append((packet, seen))
            case .replaceHeld: held = [(packet, seen)]
            case .drop: continue
            case .writeHeld(let thenDrop):
                try writeHeld()
                if !thenDrop { try write(packet, seen) }
            case .write: try write(packet, seen)
            case .finish: break reading
            }
        }
        if selector.endOfInput() { try writeHeld() }
        guard let start = selector.startKeyframe, let end = selector.lastVideoOffset else {
            throw FFmpegError.null("av_read_frame", "no video keyframe in the recording for this range")
        }
        return Result(startOffset: start.pts, endOffset: end, videoPackets: counts.video, audioPackets: counts.audio)
    }
}

/// Files read one after the other as one byte stream, for the demuxer's AVIO callback.
private final class ConcatenatedFiles: ByteSource {
    private let paths: [String]
    private let total: Int
    private var index = 0
    private var descriptor: Int32 = -1
    private var done = 0
    private let observe: (Int, UnsafeRawBufferPointer) -> Void
    private let progress: (Double) -> Void
    private var lastProgress = -1.0

    init(paths: [String], observe: @escaping (Int, UnsafeRawBufferPointer) -> Void, progress: @escaping (Double) -> Void) throws {
        self.paths = paths
        self.observe = observe
        self.progress = progress
        total = try paths.reduce(0) { sum, path in
            sum + ((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        while index < paths.count {
            if descriptor < 0 {
                descriptor = open(paths[index], O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { return cffmpeg_averror(errno) }
            }
            let got = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if got < 0 {
                if errno == EINTR { continue }
                return cffmpeg_averror(errno)
            }
            if got == 0 {
                close(descriptor)
                descriptor = -1
                index += 1
                continue
            }
            observe(index, UnsafeRawBufferPointer(rebasing: buffer[..<got]))
            done += got
            let share = total > 0 ? Double(done) / Double(total) : 1
            // Reported in steps of 1 %, not per read.
            if share - lastProgress >= 0.01 {
                lastProgress = share
                progress(share)
            }
            return Int32(got)
        }
        return cffmpeg_averror_eof()
    }

    /// Reads what the demuxer did not need, so every segment used is observed (hashed) whole.
    func drainRest() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while read(into: buffer) > 0 {}
    }
}
