import CFFmpeg
import Foundation
import Logging

/// A request for the program thread.
enum ProgramCommand: Sendable {
    case cut(source: String, by: String?, requestedAt: Date, reply: @Sendable (CutOutcome) -> Void)
    case showCaption(Caption)
    case clearCaption
    case health([String: Set<HealthCondition>])
}

/// The program thread's executor: it turns demuxed packets, commands and the clock into
/// `ProgramMachine` events and carries out the machine's actions with libav (decoders, the
/// filter graph, the encoders, the one long-lived muxer, the slate). The decisions are the
/// machine's; this type holds only the handles and what they need.
///
/// Everything here is touched only by the program thread (STYLE 6); the pipeline talks to it
/// through its command inbox and reads its published status.
final class ProgramEngine {
    private typealias Machine = ProgramMachine<Packet>

    private let configuration: ProgramConfiguration
    private let profile: ProgramProfile
    let logger: Logger
    /// Each source's demuxed stream, from the demuxer the relay feeds.
    private let inboxes: [String: DemuxInbox]
    private let sourceIDs: [String]
    private let publishStatus: (ProgramStatus) -> Void
    private let clockStart = ContinuousClock.now
    private var machine: Machine

    private let output: ProgramOutput
    let muxer: OutputFormat
    private let videoStream: Int32
    let audioStream: Int32
    let audio: ProgramAudio
    private var videoEncoder: Encoder?
    private let slate: ProgramSlate

    /// What each source's open stream holds (absent between streams).
    var streams: [String: MediaStreams] = [:]
    private var caption: Caption?
    private var graph: FilterGraph?
    private var videoDecoder: Decoder?
    /// The newest picture the decoder in use put out (program PTS): older ones coming out later
    /// (a cached GOP's held-back B-frames, shown from its drained scratch decoder) are dropped.
    private var newestDecoded: Int64 = .min
    /// The last picture given to the encoder (profile size, 4:2:0): repeated while the on-air
    /// source sends nothing, so the program keeps its frame rate.
    private var lastPicture: Frame?
    /// The DTS of the last video packet written.
    private var lastVideoDTS: Int64?
    /// Whether the last picture out came from the slate's encoder (the slate or a held picture):
    /// the other encoder's next picture is then a keyframe.
    private var stillOnAir = false
    /// Cut requests waiting for their reply, by ticket.
    private var replies: [Int: (requestedAt: Date, reply: @Sendable (CutOutcome) -> Void)] = [:]
    private var nextTicket = 1
    var status = ProgramStatus()
    /// Delay stamps: this site's once a second, upstream sites' carried across transcoding.
    var stamping: ProgramStamping
    private var lastPublish: Duration = .zero

    private static let ticksTimeBase = AVRational(num: 1, den: Int32(ProgramTime.ticksPerSecond))
    /// How often the status is published while nothing else changes.
    static let publishInterval: Duration = .milliseconds(100)

    init(
        configuration: ProgramConfiguration, sourceIDs: [String], inboxes: [String: DemuxInbox], output: ProgramOutput,
        logger: Logger, publishStatus: @escaping (ProgramStatus) -> Void
    ) throws(FFmpegError) {
        self.configuration = configuration
        profile = configuration.profile
        self.logger = logger
        self.inboxes = inboxes
        self.sourceIDs = sourceIDs
        self.publishStatus = publishStatus
        self.output = output
        stamping = ProgramStamping(siteID: configuration.siteID, siteName: configuration.serviceProvider)
        machine = Machine(
            settings: .init(profile: configuration.profile, instantCut: configuration.instantCut), sources: sourceIDs,
            rules: configuration.failover, resuming: configuration.resumeSource)

        slate = try ProgramSlate(configuration: configuration)
        if let path = configuration.slatePath, !slate.fromClip {
            logger.warning("slate clip unusable; the slate is a generated picture", metadata: ["program.slate": "\(path)"])
        }

        audio = try ProgramAudio(profile: configuration.profile)
        muxer = try OutputFormat(writingTo: output, serviceName: "program")
        // The video stream is described by the profile (the encoder and passthrough sources
        // both match it); the muxer needs only the codec and size.
        let videoParameters = try CodecParametersBuffer()
        videoParameters.pointer.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        videoParameters.pointer.pointee.codec_id = AV_CODEC_ID_H264
        videoParameters.pointer.pointee.width = Int32(profile.width)
        videoParameters.pointer.pointee.height = Int32(profile.height)
        videoParameters.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        videoParameters.pointer.pointee.field_order = profile.scan == .interlaced ? AV_FIELD_TT : AV_FIELD_PROGRESSIVE
        videoStream = try muxer.addStream(parameters: videoParameters.pointer, timeBase: Self.ticksTimeBase)
        let audioParameters = try audio.parameters()
        audioStream = try muxer.addStream(parameters: audioParameters.pointer, timeBase: Self.ticksTimeBase)
        withExtendedLifetime(audioParameters) {}
        // Video PES say their length (under 64 KiB): a next site's demuxer releases each at once.
        try muxer.writeHeader(options: ["omit_video_pes_length": "0"])
        status.profile = profile
        status.slateAvailable = true
    }

    /// The program clock: time since the engine started.
    private var now: Duration { ContinuousClock.now - clockStart }

    // MARK: - Loop

    /// One pass: commands, the sources' demuxed packets, the clock, the status. Returns how long
    /// the program thread may wait for the next packet or command before it is due again.
    func step(commands: [ProgramCommand]) -> Duration {
        // A cut judges its target by its newest arrival, known before the inboxes are drained.
        if !commands.isEmpty { noteArrivals() }
        for command in commands { handle(command) }
        for id in orderedSourcesOnAirFirst() {
            guard let inbox = inboxes[id] else { continue }
            for event in inbox.take() { handle(event, from: id) }
        }
        noteArrivals()
        let at = now
        run(machine.handle(.clock(at: at)))
        if at - lastPublish >= Self.publishInterval { publish() }
        let after = now
        return min(machine.nextDeadline(after: after), lastPublish + Self.publishInterval) - after
    }

    /// Drains and closes the muxer (trailer).
    func finish() {
        do {
            try muxer.close()
        } catch {
            logger.info("program muxer close failed", metadata: ["error": "\(error)"])
        }
        run(machine.handle(.stop))
    }

    private func noteArrivals() {
        for (id, inbox) in inboxes {
            if let arrived = inbox.newestPacketAt { run(machine.handle(.arrived(source: id, at: arrived - clockStart))) }
        }
    }

    private func orderedSourcesOnAirFirst() -> [String] {
        guard let current = machine.switcher.onAir.sourceID else { return sourceIDs }
        return [current] + sourceIDs.filter { $0 != current }
    }

    // MARK: - Sources

    private func handle(_ event: DemuxInbox.Event, from id: String) {
        switch event {
        case .opened(let opened):
            streams[id] = opened
            audio.forget(id)
            run(machine.handle(.opened(
                source: id, hasVideo: opened.video != nil, matchesProfile: opened.videoFormat.map { profile.matches($0) } ?? false)))
        case .ended:
            streams[id] = nil
            audio.forget(id)
            run(machine.handle(.ended(source: id)))
        case .packet(let item):
            guard let stream = item.kind == .video ? streams[id]?.video : streams[id]?.audio else { return }
            let packet = item.packet
            // Source time bases are 90 kHz in MPEG-TS; anything else is rescaled for the machine.
            let pts = packet.pts == noTimestamp ? nil : Self.ticks(packet.pts, from: stream.timeBase)
            let dts = Self.ticks(packet.dts, from: stream.timeBase)
            let kind: Machine.Packet.Kind = item.kind == .video ? .video : .audio
            let arrivedAt = item.arrivedAt.map { $0 - clockStart }
            run(machine.handle(.packet(
                Machine.Packet(source: id, kind: kind, isKeyframe: item.isKeyframe, pts: pts, dts: dts, payload: packet, arrivedAt: arrivedAt),
                at: now)))
            // A skipped picture's stamps still tell what the sites upstream show (the national view).
            if kind == .video, machine.stayingLive.isSkipping(id) { collectStamps(from: packet) }
        }
    }

    private static func ticks(_ value: Int64, from timeBase: AVRational) -> Int64 {
        timeBase.num == 1 && Int64(timeBase.den) == ProgramTime.ticksPerSecond ? value : av_rescale_q(value, timeBase, ticksTimeBase)
    }

    // MARK: - Commands

    private func handle(_ command: ProgramCommand) {
        switch command {
        case .cut(let source, let by, let requestedAt, let reply):
            let ticket = nextTicket
            nextTicket += 1
            replies[ticket] = (requestedAt, reply)
            run(machine.handle(.cut(source: source, by: by, ticket: ticket, at: now)))
        case .showCaption(let caption):
            self.caption = caption
            attempt("caption") { () throws(FFmpegError) in try graph?.show(caption) }
            run(machine.handle(.caption(on: true)))
        case .clearCaption:
            caption = nil
            attempt("caption") { () throws(FFmpegError) in try graph?.hideCaption() }
            run(machine.handle(.caption(on: false)))
        case .health(let conditions): run(machine.handle(.health(conditions, at: now)))
        }
        status.caption = caption
    }

    // MARK: - Actions

    private func run(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .passThrough(let packet, let pts, let dts):
                // A new reference: the machine's GOP cache keeps the source's packet.
                guard let copy = try? packet.clone() else { continue }
                copy.pts = pts
                copy.dts = dts
                copy.streamIndex = videoStream
                copy.duration = profile.frameTicks
                writeVideo(copy, encoded: false)
            case .decode(let packet, let pts, let dts):
                guard let copy = try? packet.clone() else { continue }
                copy.pts = pts
                copy.dts = dts
                collectStamps(from: copy)
                decode(copy)
            case .decodeAudio(let packet, let source, let at):
                decodeAudio(packet, source: source, at: at)
            case .soundCut(let at, let to):
                audio.cut(at: at, to: to)
            case .decodeCachedGOP(let source, let packets, let newestAt, let use):
                decodeCachedGOP(source, packets, newestAt: newestAt, use: use)
            case .newSegment:
                // What the old decoder and filter (a deinterlacer) still hold is never shown.
                (videoDecoder, graph, newestDecoded) = (nil, nil, .min)
            case .resetFilter:
                graph = nil
            case .encode:
                // Only in answer to `.picture`, which `offer` carries out itself.
                assertionFailure("encode outside offer")
            case .repeatLast(let pts, let keyframe):
                guard let picture = lastPicture else { continue }
                attempt("repeat") { () throws(FFmpegError) in
                    try slate.encodeHeld(picture, pts: pts, keyframe: keyframe || !stillOnAir, streamIndex: videoStream) { writeVideo($0) }
                }
                stillOnAir = true
                status.repeatedFrames += 1
            case .keepSlateAsLast(let pts):
                do {
                    lastPicture = try slate.still(pts: pts)
                } catch {
                    note(error, "slate")
                }
            case .encodeSlate(let pts, let keyframe):
                encodeSlate(pts: pts, keyframe: keyframe)
            case .switched(let to, let from, let reason):
                log(to: to, from: from, reason: reason)
                publish()
            case .modeChanged(let mode):
                logger.info("program mode", metadata: ["program.mode": "\(mode.rawValue)"])
            case .cutTookEffect(let ticket, let source, let by, let programPTS, let waited):
                guard let pending = replies.removeValue(forKey: ticket) else { continue }
                let effect = Date()
                status.lastCut = CutRecord(
                    source: source, by: by, requestedAt: pending.requestedAt, tookEffectAt: effect,
                    programTimeSeconds: Double(programPTS) / Double(ProgramTime.ticksPerSecond))
                // Published before the reply, so whoever cut sees their cut in the status.
                publish()
                pending.reply(.tookEffect(at: effect, waitedMilliseconds: Int(waited.wholeMilliseconds)))
            case .cutRefused(let ticket, let refusal):
                replies.removeValue(forKey: ticket)?.reply(.refused(refusal))
            case .cutAbandoned(let ticket, let reason):
                replies.removeValue(forKey: ticket)?.reply(.abandoned(reason))
            case .fellBehind(let source, let lag):
                noteFellBehind(source, lag: lag)
            }
        }
    }

    // MARK: - Video

    /// Writes a video packet with this site's delay stamp when one is due; an encoded one gets
    /// its DTS by `ProgramTime.encodedDTS`, as the machine reckoned it (the encoder stamps DTS = PTS).
    private func writeVideo(_ unstamped: Packet, encoded: Bool = true) {
        let packet = stamped(unstamped, onAir: machine.switcher.onAir.description, caption: caption?.text)
        if encoded { packet.dts = ProgramTime.encodedDTS(pts: packet.pts, after: lastVideoDTS, frameTicks: profile.frameTicks) }
        lastVideoDTS = packet.dts
        do {
            try muxer.write(packet)
            status.videoPacketsWritten += 1
        } catch {
            note(error, "video write")
        }
        pumpAudio(upTo: packet.dts)
        muxer.flush()
    }

    /// The video decoder of the source on air, made at its first packet.
    private func decode(_ packet: Packet) {
        do {
            if videoDecoder == nil {
                guard let id = machine.switcher.onAir.sourceID, let stream = streams[id]?.video else { return }
                videoDecoder = try Decoder(parameters: stream.parameters, timeBase: Self.ticksTimeBase)
            }
            guard let decoder = videoDecoder else { return }
            try decoder.send(packet)
            let frame = try Frame()
            while try decoder.receive(into: frame) {
                frame.pts = frame.pointer.pointee.best_effort_timestamp
                if frame.pts > newestDecoded { try emitSourcePicture(frame) }
                newestDecoded = max(newestDecoded, frame.pts)
                frame.unref()
            }
        } catch {
            note(error, "transcode")
        }
    }

    /// A decoded picture of the on-air source (pts on the program timeline) to the encoder:
    /// straight when it already has the profile's size and rate and no caption is on (a bridge
    /// back to passthrough, no filter delay), else through the conversion and the caption.
    private func emitSourcePicture(_ frame: Frame) throws(FFmpegError) {
        let direct = machine.picturesNeedNoFilter && frame.width == Int32(profile.width)
            && frame.height == Int32(profile.height) && frame.format == AV_PIX_FMT_YUV420P.rawValue
        if direct {
            // A later caption starts a fresh graph: a stale fps filter would fill the gap.
            graph = nil
            offer(frame)
            return
        }
        let source = machine.switcher.onAir.sourceID.flatMap { streams[$0]?.videoFormat }
        let graph = try FilterGraph.reusing(
            graph, for: frame, source: source, origin: machine.nextFramePTS, profile: profile, font: configuration.font, caption: caption)
        self.graph = graph
        try graph.push(frame)
        let filtered = try Frame()
        while try graph.pull(into: filtered) {
            filtered.pts = graph.programTicks(filtered.pts)
            offer(filtered)
            filtered.unref()
        }
    }

    /// Offers a picture to the machine, and encodes it if the machine admits it.
    private func offer(_ frame: Frame) {
        for action in machine.handle(.picture(pts: frame.pts, at: now)) {
            guard case .encode(let pts, let keyframe) = action else { continue }
            encode(frame, pts: pts, keyframe: keyframe, context: "encode")
        }
    }

    /// Encodes one program picture at `pts` and keeps it for repeats.
    private func encode(_ frame: Frame, pts: Int64, keyframe: Bool, context: String) {
        do {
            if videoEncoder == nil { videoEncoder = try Encoder.h264(profile: profile) }
            guard let encoder = videoEncoder else { return }
            frame.pts = pts
            frame.pointer.pointee.pict_type = keyframe || stillOnAir ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
            stillOnAir = false
            if profile.scan == .interlaced { frame.markTopFieldFirst() }
            if frame !== lastPicture { lastPicture = try frame.newReference() }
            try encoder.send(frame)
            try encoder.receivePackets(streamIndex: videoStream, duration: profile.frameTicks) { writeVideo($0) }
        } catch {
            note(error, context)
        }
    }

    /// One slate picture (see `ProgramSlate`), kept for repeats when it changed.
    private func encodeSlate(pts: Int64, keyframe: Bool) {
        do {
            let changed = try slate.encode(pts: pts, keyframe: keyframe || !stillOnAir, streamIndex: videoStream) { writeVideo($0) }
            stillOnAir = true
            if let changed { lastPicture = changed }
        } catch {
            note(error, "slate")
        }
    }

    /// Decodes `source`'s cached GOP into a fresh decoder with timestamps on the program
    /// timeline (its newest picture at program DTS `newestAt`), and uses the newest picture as
    /// the machine asked.
    private func decodeCachedGOP(_ source: String, _ packets: [Machine.CachedPacket], newestAt: Int64, use: Machine.GOPUse) {
        graph = nil
        videoDecoder = nil
        let context = use.errorContext
        let decoded: CachedGOPDecoding
        do throws(FFmpegError) {
            guard let stream = streams[source]?.video else {
                throw FFmpegError(code: -1, call: "decodeCachedGOP", message: "no video from \(source)")
            }
            decoded = try CachedGOPDecoding(packets, stream: stream, newestAt: newestAt, timeBase: Self.ticksTimeBase)
        } catch {
            note(error, "GOP decode (\(context))")
            run(machine.handle(.cachedGOPFailed(use)))
            return
        }
        videoDecoder = decoded.decoder
        let latest = decoded.latest
        newestDecoded = latest?.pts ?? newestDecoded
        switch use {
        case .show:
            guard let latest else { return }
            do {
                try emitSourcePicture(latest)
            } catch {
                note(error, context)
            }
        case .hold:
            // The newest picture already went out in passthrough: it is the one to repeat.
            guard let latest else {
                run(machine.handle(.cachedGOPFailed(use)))
                return
            }
            lastPicture = latest
        case .caption:
            break
        }
    }

    // MARK: - Status

    /// Runs `body`, noting a failure under `context`.
    private func attempt(_ context: String, _ body: () throws(FFmpegError) -> Void) {
        do { try body() } catch { note(error, context) }
    }

    private func publish() {
        let at = now
        lastPublish = at
        status.onAir = machine.switcher.onAir.description
        status.pendingCut = machine.switcher.pending?.source
        status.mode = machine.mode
        status.caption = caption
        status.outputBytes = output.totalBytes
        status.outputPayloadsDropped = output.droppedPayloads
        status.picturesSkippedToStayLive = machine.stayingLive.skippedPictures
        status.programTimeSeconds = machine.lastPTS.map { Double($0) / Double(ProgramTime.ticksPerSecond) }
        status.sources = sourceIDs.map { id in
            let rule = configuration.rule(for: id), live = machine.switcher.isLive(id, at: at.wholeMilliseconds)
            return SourceReadiness(
                id: id, live: live, readyToCut: live && machine.tracks[id]?.isReady == true,
                matchesProfile: machine.tracks[id]?.matchesProfile, backup: rule.backup,
                failoverMilliseconds: rule.thresholdMilliseconds, packetsDroppedBehind: UInt64(inboxes[id]?.droppedPackets ?? 0))
        }
        publishStatus(status)
    }
}
