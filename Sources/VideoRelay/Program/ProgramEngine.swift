import CFFmpeg
import Foundation
import Logging
import Synchronization

/// A request for the program thread.
enum ProgramCommand: Sendable {
    case cut(source: String, by: String?, requestedAt: Date, reply: @Sendable (CutOutcome) -> Void)
    case showCaption(Caption)
    case clearCaption
}

/// The program thread's state: one long-lived muxer, the switcher, per-source demuxers and
/// codecs, the slate. Everything here is touched only by the program thread (STYLE 6); the
/// pipeline talks to it through its command inbox and reads its published status.
final class ProgramEngine {
    private let configuration: ProgramConfiguration
    private let profile: ProgramProfile
    private let logger: Logger
    private let queues: [String: SourceByteQueue]
    private let sourceIDs: [String]
    private let wake: @Sendable () -> Void
    private let publishStatus: (ProgramStatus) -> Void

    private let output: ProgramOutput
    private let muxer: OutputFormat
    private let videoStream: Int32
    private let audioStream: Int32
    private let audioEncoder: Encoder
    private let audioFIFO: AudioFIFO
    private var videoEncoder: Encoder?
    private var rebaser: TimestampRebaser
    private var switcher: ProgramSwitcher
    private let slate: SlateRenderer
    /// When the next slate picture is due (while the slate is on air).
    private var slateDue = ContinuousClock.now
    private let clockStart = ContinuousClock.now

    private final class SourceState {
        let id: String
        var demuxer: SourceDemuxer?
        var streams: SourceStreams?
        /// Packets since the latest video keyframe, with the source's own timestamps: what an
        /// instant cut decodes to reach the source's newest picture.
        var gop: [DemuxedPacket] = []
        init(id: String) { self.id = id }
    }

    private var sources: [String: SourceState] = [:]
    private var mode: ProgramStatus.Mode = .passthrough
    private var caption: Caption?
    private var graph: FilterGraph?
    private var videoDecoder: Decoder?
    private var audioDecoder: Decoder?
    private var audioDecoderInput: ProgramInput?
    private var resampler: Resampler?
    private var forceKeyframe = false
    private var lastVideoDTS: Int64?
    private var lastAudioDTS: Int64?
    private var audioSamplesEncoded: Int64 = 0
    private let audioStart: Int64
    private var pendingReply: (source: String, requestedAt: Date, at: ContinuousClock.Instant, reply: @Sendable (CutOutcome) -> Void)?
    /// The last picture given to the encoder (profile size, 4:2:0): repeated while the on-air
    /// source sends nothing, so the program keeps its frame rate.
    private var lastPicture: Frame?
    private var lastVideoPTS: Int64?
    /// The program clock's lead: the largest (PTS written - 90 kHz ticks since start) seen. The
    /// program is "due" at lead + elapsed: frames that arrived on time set it, so a late burst
    /// from a source does not count as the program falling behind.
    private var lead: Int64?
    private let frameDuration: Duration
    private var status = ProgramStatus()
    private var lastTick = ContinuousClock.now
    private var lastPublish = ContinuousClock.now

    /// Program timestamps start here (90 kHz), clear of zero so nothing is ever negative.
    static let startTicks: Int64 = 900_000

    init(
        configuration: ProgramConfiguration, sourceIDs: [String], queues: [String: SourceByteQueue], output: ProgramOutput,
        logger: Logger, wake: @escaping @Sendable () -> Void, publishStatus: @escaping (ProgramStatus) -> Void
    ) throws(FFmpegError) {
        self.configuration = configuration
        profile = configuration.profile
        self.logger = logger
        self.queues = queues
        self.sourceIDs = sourceIDs
        self.wake = wake
        self.publishStatus = publishStatus
        self.output = output
        rebaser = TimestampRebaser(start: Self.startTicks, frameTicks: configuration.profile.frameTicks)
        switcher = ProgramSwitcher(sources: sourceIDs, rules: configuration.failover)
        audioStart = Self.startTicks
        for id in sourceIDs { sources[id] = SourceState(id: id) }

        frameDuration = .nanoseconds(1_000_000_000 / Int64(max(configuration.profile.framesPerSecond, 1)))
        slate = try SlateRenderer(clipPath: configuration.slatePath, profile: configuration.profile, font: configuration.font)
        if let path = configuration.slatePath, !slate.fromClip {
            logger.warning("slate clip unusable; the slate is a generated picture", metadata: ["program.slate": "\(path)"])
        }

        audioEncoder = try Encoder.aac(profile: configuration.profile)
        audioFIFO = try AudioFIFO(capacity: Int32(configuration.profile.audioSampleRate))
        muxer = try OutputFormat(writingTo: output, serviceName: "program")
        // The video stream is described by the profile (the encoder and passthrough sources
        // both match it); the muxer needs only the codec and size.
        let videoParameters = try CodecParametersBuffer()
        videoParameters.pointer.pointee.codec_type = AVMEDIA_TYPE_VIDEO
        videoParameters.pointer.pointee.codec_id = AV_CODEC_ID_H264
        videoParameters.pointer.pointee.width = Int32(profile.width)
        videoParameters.pointer.pointee.height = Int32(profile.height)
        videoParameters.pointer.pointee.format = AV_PIX_FMT_YUV420P.rawValue
        videoStream = try muxer.addStream(parameters: videoParameters.pointer, timeBase: AVRational(num: 1, den: 90_000))
        let audioParameters = try audioEncoder.parameters()
        audioStream = try muxer.addStream(parameters: audioParameters.pointer, timeBase: AVRational(num: 1, den: 90_000))
        withExtendedLifetime(audioParameters) {}
        try muxer.writeHeader()
        status.profile = profile
        status.slateAvailable = true
    }

    private var nowMilliseconds: Int64 {
        let elapsed = ContinuousClock.now - clockStart
        return elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: - Loop

    /// One pass: commands, demuxers, health, packets, slate, status.
    func step(commands: [ProgramCommand]) {
        for command in commands { handle(command) }
        let now = ContinuousClock.now
        superviseDemuxers()
        if now - lastTick >= .milliseconds(50) {
            lastTick = now
            tick()
        }
        for id in orderedSourcesOnAirFirst() {
            guard let state = sources[id], let demuxer = state.demuxer else { continue }
            for item in demuxer.take() { route(item, from: state) }
        }
        if switcher.onAir == .slate {
            showSlate(now: ContinuousClock.now)
        } else {
            holdLastPicture(now: ContinuousClock.now)
        }
        if let pending = pendingReply, now - pending.at > .seconds(5) {
            pendingReply = nil
            pending.reply(.abandoned("no keyframe from \(pending.source) within 5 s"))
        }
        if now - lastPublish >= .milliseconds(100) {
            lastPublish = now
            publish()
        }
    }

    /// Drains and closes the muxer (trailer).
    func finish() {
        do {
            try muxer.close()
        } catch {
            logger.info("program muxer close failed", metadata: ["error": "\(error)"])
        }
        for queue in queues.values { queue.close() }
        if let pending = pendingReply { pending.reply(.abandoned("program stopped")) }
    }

    private func orderedSourcesOnAirFirst() -> [String] {
        guard let current = switcher.onAir.sourceID else { return sourceIDs }
        return [current] + sourceIDs.filter { $0 != current }
    }

    private func superviseDemuxers() {
        for (id, state) in sources {
            if let demuxer = state.demuxer {
                if state.streams == nil { state.streams = demuxer.streams }
                if demuxer.isFinished {
                    for item in demuxer.take() { route(item, from: state) }
                    state.demuxer = nil
                    state.streams = nil
                    state.gop.removeAll()
                }
            }
            if state.demuxer == nil, let queue = queues[id], queue.hasData {
                let demuxer = SourceDemuxer(sourceID: id, queue: queue, logger: logger, wake: wake)
                state.demuxer = demuxer
                demuxer.start()
            }
        }
    }

    private func tick() {
        var lastData: [String: Int64] = [:]
        let now = ContinuousClock.now
        let nowMs = nowMilliseconds
        for (id, state) in sources where state.streams?.video != nil && !state.gop.isEmpty {
            guard let at = queues[id]?.lastDataAt else { continue }
            let ago = now - at
            lastData[id] = nowMs - (ago.components.seconds * 1000 + ago.components.attoseconds / 1_000_000_000_000_000)
        }
        apply(switcher.handle(.tick(at: nowMs, lastData: lastData)))
    }

    // MARK: - Commands

    private func handle(_ command: ProgramCommand) {
        switch command {
        case .cut(let source, let by, let requestedAt, let reply):
            let actions = switcher.handle(.cut(source: source, by: by, at: nowMilliseconds))
            for action in actions {
                if case .refuse(_, let refusal) = action { reply(.refused(refusal)) }
                if case .awaitKeyframe(let target) = action, target == source {
                    if let previous = pendingReply { previous.reply(.abandoned("replaced by a cut to \(source)")) }
                    pendingReply = (source, requestedAt, .now, reply)
                }
            }
            apply(actions.filter { if case .refuse = $0 { return false }; return true })
        case .showCaption(let caption):
            self.caption = caption
            if let graph {
                do {
                    try graph.show(caption)
                } catch {
                    note(error, "caption")
                }
            } else if mode == .passthrough {
                transcodeFromNextFrame()
            }
        case .clearCaption:
            caption = nil
            if let graph {
                do {
                    try graph.hideCaption()
                } catch {
                    note(error, "caption")
                }
            }
        }
        status.caption = caption
    }

    private func apply(_ actions: [ProgramSwitcher.Action]) {
        for action in actions {
            switch action {
            case .switched(let to, let from, let reason):
                // The new input's first picture is the next program frame, instant or not.
                let firstPTS = nextFramePTS
                splice()
                if to == .slate {
                    slateDue = .now
                    mode = .transcode
                } else if configuration.instantCut, !keyframeArriving, let id = to.sourceID, let state = sources[id] {
                    takeInstantly(state)
                }
                log(to: to, from: from, reason: reason)
                defer { publish() }
                if case .operatorCut(let by) = reason, let pending = pendingReply, pending.source == to.sourceID {
                    pendingReply = nil
                    let waited = ContinuousClock.now - pending.at
                    let effect = Date()
                    status.lastCut = CutRecord(
                        source: pending.source, by: by, requestedAt: pending.requestedAt, tookEffectAt: effect,
                        programTimeSeconds: Double(firstPTS) / 90_000)
                    // Published before the reply, so whoever cut sees their cut in the status.
                    publish()
                    pending.reply(.tookEffect(
                        at: effect, waitedMilliseconds: Int(waited.components.seconds * 1000 + waited.components.attoseconds / 1_000_000_000_000_000)))
                }
            case .abandoned(let source, let reason):
                if !reason.isAutomatic, let pending = pendingReply, pending.source == source {
                    pendingReply = nil
                    pending.reply(.abandoned("\(source) fell silent before its next keyframe"))
                }
            case .awaitKeyframe(let source):
                // Instant: the keyframe already cached starts the splice now (its GOP is decoded
                // up to the newest picture); otherwise the source's next keyframe does.
                if configuration.instantCut, let state = sources[source], canTakeInstantly(state) {
                    apply(switcher.handle(.keyframe(source: source, at: nowMilliseconds)))
                }
            case .refuse:
                break
            }
        }
    }

    private func log(to: ProgramInput, from: ProgramInput, reason: SwitchReason) {
        let reasonText: String
        switch reason {
        case .operatorCut(let by): reasonText = "cut by \(by ?? "operator")"
        case .failover: reasonText = "failover"
        case .restore: reasonText = "restore"
        case .firstLive: reasonText = "first_live"
        }
        logger.info("program switched", metadata: ["program.from": "\(from)", "program.to": "\(to)", "program.reason": "\(reasonText)"])
        if reason.isAutomatic {
            status.automaticMoves.append(AutomaticMove(at: Date(), from: from.description, to: to.description, reason: reasonText))
            if status.automaticMoves.count > 50 { status.automaticMoves.removeFirst() }
        }
    }

    /// A new segment: the next on-air packet follows the last output by one frame; a new
    /// decoder and filter graph start with it when transcoding.
    private func splice() {
        rebaser.splice()
        videoDecoder = nil
        graph = nil
        forceKeyframe = true
        segmentNeedsKeyframe = true
        holding = false
    }

    private var segmentNeedsKeyframe = true
    /// The on-air source can be encoded without scaling or rate conversion.
    private var segmentMatchesProfile = false
    /// Set while a keyframe that just arrived is switching the program to its source.
    private var keyframeArriving = false
    /// The last picture is being repeated (the on-air source sent nothing in time).
    private var holding = false

    // MARK: - Packets

    private func route(_ item: DemuxedPacket, from state: SourceState) {
        if item.isKeyframe {
            state.gop.removeAll(keepingCapacity: true)
        }
        if !state.gop.isEmpty || item.isKeyframe { state.gop.append(item) }
        if state.gop.count > 600 { state.gop.removeAll() }
        if item.isKeyframe, switcher.pending?.source == state.id {
            // This keyframe itself starts the splice: nothing cached to decode first.
            keyframeArriving = true
            apply(switcher.handle(.keyframe(source: state.id, at: nowMilliseconds)))
            keyframeArriving = false
        }
        guard switcher.onAir == .source(state.id), let streams = state.streams else { return }
        onAir(item, streams: streams, input: .source(state.id))
    }

    /// A packet of what is on air: video remuxed or transcoded, audio decoded into the FIFO.
    private func onAir(_ item: DemuxedPacket, streams: SourceStreams, input: ProgramInput) {
        switch item.kind {
        case .audio:
            guard !segmentNeedsKeyframe else { return }
            decodeAudio(item.packet, streams: streams, input: input)
        case .video:
            holding = false
            if segmentNeedsKeyframe {
                guard item.isKeyframe else { return }
                segmentNeedsKeyframe = false
            }
            if item.isKeyframe { chooseMode(streams: streams) }
            guard let stream = streams.video else { return }
            // A new reference: the GOP cache keeps the source's own timestamps.
            guard let packet = try? item.packet.clone() else { return }
            let (pts, dts) = rebaser.rebase(pts: packet.pts == noTimestamp ? nil : packet.pts, dts: packet.dts)
            // Source time bases are 90 kHz in MPEG-TS; anything else is rescaled first.
            let tb = stream.timeBase
            packet.pts = tb.num == 1 && tb.den == 90_000 ? pts : av_rescale_q(pts, tb, AVRational(num: 1, den: 90_000))
            packet.dts = tb.num == 1 && tb.den == 90_000 ? dts : av_rescale_q(dts, tb, AVRational(num: 1, den: 90_000))
            switch mode {
            case .passthrough:
                packet.streamIndex = videoStream
                packet.duration = profile.frameTicks
                writeVideo(packet)
            case .transcode:
                transcode(packet, stream: stream)
            }
        }
    }

    /// At a keyframe of what is on air: passthrough if it matches the profile and no caption
    /// is on, transcode otherwise. A change starts a new segment at this keyframe.
    private func chooseMode(streams: SourceStreams) {
        let matches = streams.videoFormat.map { profile.matches($0) } ?? false
        segmentMatchesProfile = matches
        let wanted: ProgramStatus.Mode = caption == nil && matches ? .passthrough : .transcode
        guard wanted != mode else { return }
        mode = wanted
        rebaser.splice()
        videoDecoder = nil
        graph = nil
        forceKeyframe = true
        logger.info("program mode", metadata: ["program.mode": "\(wanted.rawValue)"])
    }

    private func writeVideo(_ packet: Packet) {
        if let last = lastVideoDTS, packet.dts <= last {
            status.packetsDropped += 1
            return
        }
        lastVideoDTS = packet.dts
        lastVideoPTS = max(lastVideoPTS ?? packet.pts, packet.pts)
        let sinceStart = elapsedTicks(.now)
        lead = max(lead ?? packet.pts - sinceStart, packet.pts - sinceStart)
        rebaser.noteOutput(packet.dts)
        do {
            try muxer.write(packet)
            status.videoPacketsWritten += 1
        } catch {
            note(error, "video write")
        }
        pumpAudio(upTo: packet.dts)
        muxer.flush()
    }

    private func transcode(_ packet: Packet, stream: InputStream) {
        do {
            if videoDecoder == nil { videoDecoder = try Decoder(parameters: stream.parameters, timeBase: AVRational(num: 1, den: 90_000)) }
            guard let decoder = videoDecoder else { return }
            try decoder.send(packet)
            let frame = try Frame()
            while try decoder.receive(into: frame) {
                frame.pts = frame.pointer.pointee.best_effort_timestamp
                try emitSourcePicture(frame)
                frame.unref()
            }
        } catch {
            note(error, "transcode")
        }
    }

    /// A decoded picture of the on-air source (pts on the program timeline) to the encoder:
    /// straight when it already has the profile's size and rate and no caption is on (a bridge
    /// back to passthrough, no filter delay), else through scale/fps/caption.
    private func emitSourcePicture(_ frame: Frame) throws(FFmpegError) {
        let direct = caption == nil && segmentMatchesProfile && frame.width == Int32(profile.width)
            && frame.height == Int32(profile.height) && frame.format == AV_PIX_FMT_YUV420P.rawValue
        if direct {
            // A later caption starts a fresh graph: a stale fps filter would fill the gap.
            graph = nil
            try encodePicture(frame)
            return
        }
        if graph == nil || graph?.accepts(frame) == false {
            graph = try FilterGraph(
                input: frame, timeBase: AVRational(num: 1, den: 90_000), profile: profile, font: configuration.font, caption: caption)
        }
        guard let graph else { return }
        try graph.push(frame)
        let filtered = try Frame()
        while try graph.pull(into: filtered) {
            filtered.pts = av_rescale_q(filtered.pts, graph.outputTimeBase, AVRational(num: 1, den: 90_000))
            try encodePicture(filtered)
            filtered.unref()
        }
    }

    /// Encodes one program picture (kept for repeats). Pictures not after the last frame out
    /// are dropped: the timeline never goes back.
    private func encodePicture(_ frame: Frame) throws(FFmpegError) {
        if let last = lastVideoDTS, frame.pts <= last { return }
        if videoEncoder == nil { videoEncoder = try Encoder.h264(profile: profile) }
        frame.pointer.pointee.pict_type = forceKeyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE
        forceKeyframe = false
        let kept = try Frame()
        try check(av_frame_ref(kept.pointer, frame.pointer), "av_frame_ref")
        lastPicture = kept
        try encodeVideo(frame)
    }

    /// The next program frame's PTS: one frame after the last one out.
    private var nextFramePTS: Int64 { lastVideoDTS.map { $0 + profile.frameTicks } ?? Self.startTicks }

    // MARK: - Instant cut, repeats, slate

    /// Whether `state` has a cached GOP that starts on an IDR, so it can go on air now.
    private func canTakeInstantly(_ state: SourceState) -> Bool {
        state.streams?.video != nil && state.gop.first?.isKeyframe == true
    }

    /// Puts a source on air from its newest cached picture: its GOP is decoded from the IDR (no
    /// output), the newest picture is encoded as the next program frame, and the source's
    /// following packets are decoded and encoded (a bridge) until its next IDR, where
    /// `chooseMode` returns to passthrough if the source matches the profile.
    private func takeInstantly(_ state: SourceState) {
        guard let picture = decodeCachedGOP(state) else { return }
        do {
            try emitSourcePicture(picture)
        } catch {
            note(error, "instant cut")
        }
    }

    /// A caption put on air in passthrough: the on-air source's cached GOP is decoded up to its
    /// newest picture (already out), so its next picture is decoded, captioned and encoded. The
    /// caption shows from the next frame, not from the source's next IDR.
    private func transcodeFromNextFrame() {
        guard let id = switcher.onAir.sourceID, let state = sources[id], let last = lastVideoDTS else { return }
        _ = decodeCachedGOP(state, newestAt: last)
    }

    /// Decodes `state`'s cached GOP into a fresh decoder whose timestamps are on the program
    /// timeline: its newest picture at program DTS `anchor`, or, without one, on the next
    /// program frame (a new segment). Leaves the program in transcode mode with that decoder,
    /// and returns the newest picture.
    private func decodeCachedGOP(_ state: SourceState, newestAt anchor: Int64? = nil) -> Frame? {
        guard canTakeInstantly(state), let stream = state.streams?.video,
            let newest = state.gop.last(where: { $0.kind == .video })?.packet
        else { return nil }
        let newestProgramDTS: Int64
        if let anchor {
            newestProgramDTS = anchor
        } else {
            rebaser.splice()
            newestProgramDTS = rebaser.rebase(pts: newest.pts == noTimestamp ? nil : newest.pts, dts: newest.dts).dts
        }
        let newestDTS = newest.dts
        do {
            let decoder = try Decoder(parameters: stream.parameters, timeBase: AVRational(num: 1, den: 90_000))
            var latest: Frame?
            for item in state.gop where item.kind == .video {
                let packet = try item.packet.clone()
                let pts = packet.pts == noTimestamp ? packet.dts : packet.pts
                packet.dts = newestProgramDTS + TimestampRebaser.signedDifference(packet.dts, newestDTS)
                packet.pts = newestProgramDTS + TimestampRebaser.signedDifference(pts, newestDTS)
                try decoder.send(packet)
                let frame = try Frame()
                while try decoder.receive(into: frame) {
                    frame.pts = frame.pointer.pointee.best_effort_timestamp
                    if latest == nil || frame.pts >= latest?.pts ?? .min {
                        let kept = try Frame()
                        try check(av_frame_ref(kept.pointer, frame.pointer), "av_frame_ref")
                        latest = kept
                    }
                    frame.unref()
                }
            }
            videoDecoder = decoder
            graph = nil
            mode = .transcode
            segmentMatchesProfile = state.streams?.videoFormat.map { profile.matches($0) } ?? false
            segmentNeedsKeyframe = false
            forceKeyframe = true
            return latest
        } catch {
            note(error, "GOP decode")
            return nil
        }
    }

    /// While the on-air source sends no picture for `holdAfter`, the last picture is repeated
    /// at the profile rate (from the last one out on), so delivery keeps pace with the wall
    /// clock; the source's next packets start a new segment after the repeats. In passthrough
    /// there is no decoded picture: the source's GOP is decoded first, and its packets are then
    /// bridged (encoded) until its next IDR.
    private func holdLastPicture(now: ContinuousClock.Instant) {
        // Behind the program clock by more than holdAfter; once holding, every frame as it
        // falls due.
        guard let lead, let lastPTS = lastVideoPTS else { return }
        let due = lead + elapsedTicks(now)
        let holdTicks = Int64(Self.holdAfter.components.attoseconds / 1_000_000_000_000_000) * 90 + Self.holdAfter.components.seconds * 90_000
        guard due - lastPTS >= (holding ? profile.frameTicks : holdTicks) else { return }
        holding = true
        if mode == .passthrough || lastPicture == nil {
            if let id = switcher.onAir.sourceID, let state = sources[id], let picture = decodeCachedGOP(state) {
                // The newest picture already went out in passthrough: it is the one to repeat.
                lastPicture = picture
            } else {
                // Nothing of the source left to decode (its demuxer ended): the slate's picture
                // holds the place, and the source restarts on its next IDR.
                do {
                    lastPicture = try slate.picture(pts: nextFramePTS)
                } catch {
                    note(error, "slate")
                    return
                }
                mode = .transcode
                forceKeyframe = true
                segmentNeedsKeyframe = true
                videoDecoder = nil
            }
        }
        guard let picture = lastPicture else { return }
        do {
            // Up to the program clock: the program never runs ahead of the wall clock.
            for _ in 0..<Int(profile.framesPerSecond) where nextFramePTS <= due {
                picture.pts = nextFramePTS
                try encodePicture(picture)
                status.repeatedFrames += 1
            }
        } catch {
            note(error, "repeat")
        }
        // The source's next packet follows the repeats; a fresh graph so its fps filter does
        // not fill the gap again.
        rebaser.splice()
        graph = nil
    }

    /// The slate pictures due by `now`, at the profile rate.
    private func showSlate(now: ContinuousClock.Instant) {
        if now - slateDue > .seconds(1) { slateDue = now }
        do {
            while slateDue <= now {
                try encodePicture(try slate.picture(pts: nextFramePTS))
                slateDue += frameDuration
            }
        } catch {
            note(error, "slate")
        }
    }

    /// A program this far behind its clock gets the last picture repeated: longer than the
    /// bursts a source's packets arrive in through SRT and the demuxer (a few hundred ms), half
    /// the default failover threshold.
    static let holdAfter: Duration = .milliseconds(500)

    private func elapsedTicks(_ now: ContinuousClock.Instant) -> Int64 {
        let elapsed = now - clockStart
        return elapsed.components.seconds * 90_000 + elapsed.components.attoseconds / 11_111_111_111_111
    }

    private func encodeVideo(_ frame: Frame?) throws(FFmpegError) {
        guard let encoder = videoEncoder else { return }
        try encoder.send(frame)
        while true {
            let packet = try Packet()
            guard try encoder.receive(into: packet) else { break }
            packet.streamIndex = videoStream
            packet.duration = profile.frameTicks
            writeVideo(packet)
        }
    }

    // MARK: - Audio

    private func decodeAudio(_ packet: Packet, streams: SourceStreams, input: ProgramInput) {
        guard let stream = streams.audio else { return }
        do {
            if audioDecoder == nil || audioDecoderInput != input {
                audioDecoder = try Decoder(parameters: stream.parameters, timeBase: stream.timeBase)
                audioDecoderInput = input
            }
            guard let decoder = audioDecoder else { return }
            try decoder.send(packet)
            let frame = try Frame()
            while try decoder.receive(into: frame) {
                if resampler == nil || resampler?.accepts(frame) == false {
                    resampler = try Resampler(from: frame, outputRate: Int32(profile.audioSampleRate))
                }
                try resampler?.convert(frame, into: audioFIFO)
                frame.unref()
            }
        } catch {
            note(error, "audio decode")
        }
    }

    /// Encodes audio up to the video's time: the FIFO's samples, silence where it has none,
    /// so the program always carries audio on one unbroken sample clock.
    private func pumpAudio(upTo videoDTS: Int64) {
        let rate = Int64(profile.audioSampleRate)
        let frameSize = Int64(max(audioEncoder.frameSize, 1024))
        // Keep at most 300 ms queued: audio that ran ahead (a source burst) is dropped.
        audioFIFO.trim(keeping: Int32(rate * 3 / 10))
        do {
            while audioStart + (audioSamplesEncoded + frameSize) * 90_000 / rate <= videoDTS {
                let frame = try audioFIFO.read(Int32(frameSize), sampleRate: Int32(rate))
                frame.pts = audioSamplesEncoded
                audioSamplesEncoded += frameSize
                try audioEncoder.send(frame)
                while true {
                    let packet = try Packet()
                    guard try audioEncoder.receive(into: packet) else { break }
                    packet.pts = audioStart + packet.pts * 90_000 / rate
                    packet.dts = audioStart + packet.dts * 90_000 / rate
                    packet.duration = frameSize * 90_000 / rate
                    packet.streamIndex = audioStream
                    if let last = lastAudioDTS, packet.dts <= last {
                        status.packetsDropped += 1
                        continue
                    }
                    lastAudioDTS = packet.dts
                    try muxer.write(packet)
                    status.audioPacketsWritten += 1
                }
            }
        } catch {
            note(error, "audio encode")
        }
    }

    // MARK: - Status

    private func note(_ error: FFmpegError, _ context: String) {
        status.packetsDropped += 1
        status.lastError = "\(context): \(error)"
        logger.debug("program error", metadata: ["program.context": "\(context)", "error": "\(error)"])
    }

    private func publish() {
        status.onAir = switcher.onAir.description
        status.pendingCut = switcher.pending?.source
        status.mode = mode
        status.caption = caption
        status.outputBytes = output.totalBytes
        status.programTimeSeconds = lastVideoPTS.map { Double($0) / 90_000 }
        let nowMs = nowMilliseconds
        status.sources = sourceIDs.map { id in
            let state = sources[id]
            let rule = configuration.rule(for: id)
            let live = switcher.isLive(id, at: nowMs)
            return SourceReadiness(
                id: id, live: live, readyToCut: live && state?.streams?.video != nil && state?.gop.isEmpty == false,
                matchesProfile: state?.streams?.videoFormat.map { profile.matches($0) },
                backup: rule.backup, failoverMilliseconds: rule.thresholdMilliseconds)
        }
        publishStatus(status)
    }
}
