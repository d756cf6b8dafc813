/// The program's decisions as a pure state machine (STYLE 10): what each demuxed packet, cut,
/// caption change and clock reading does to the program feed. No libav, no clock reads: times
/// come in the events (a `Duration` since the program started), and the program thread carries
/// out the actions with its decoders, filter graph, encoders and muxer (`ProgramEngine`).
///
/// It owns the program timeline (a `TimestampRebaser` plus the last picture out and the clock's
/// lead), each source's cached GOP, and what feeds the program's video right now (`Feed`). Which
/// input is on air is decided by the `ProgramSwitcher` inside it; this machine turns the
/// switcher's moves into splices, instant cuts and replies.
///
/// `Payload` is whatever carries a packet's bytes (a libav packet in the engine, a number in the
/// tests): the machine only stores and hands it back.
struct ProgramMachine<Payload> {
    let settings: Settings
    private(set) var switcher: ProgramSwitcher
    private(set) var tracks: [String: Track]
    private(set) var feed: Feed = .slate
    private(set) var captionOn = false
    private(set) var pendingReply: PendingReply?
    private(set) var rebaser: TimestampRebaser
    /// The DTS and the largest PTS of the video out (nil before the first).
    private(set) var lastDTS: Int64?
    private(set) var lastPTS: Int64?
    /// The program's frames on their exact rational grid, from the latest picture shown.
    private(set) var grid: FrameGrid?
    /// The program clock's lead: the largest (PTS out - ticks since start) seen. The program is
    /// due at lead + elapsed: frames that arrived on time set it, so a late burst from a source
    /// does not count as the program falling behind.
    private(set) var lead: Int64?
    /// Numbers the segments (each starts with an IDR); `encodedSegment` is the segment of the
    /// last encoded picture, so the first picture of a new one is encoded as a keyframe.
    private var segment = 1, encodedSegment = 0
    /// Whether the engine holds a last picture (anything was encoded).
    private(set) var hasLastPicture = false
    private(set) var lastHealthCheck: Duration?
    private(set) var fadingSound: FadingSound?
    /// The on-air source's sound from before its pictures paused (a hold): placed with the
    /// mapping those pictures had, not shifted past the repeats.
    private(set) var heldSound: FadingSound?
    /// What the source in passthrough still owes, and an operator's cut waiting for it.
    private(set) var owed = OwedPictures()
    private(set) var deferredCut: Cut?
    /// Since when the source in passthrough has owed pictures (nil: it owes none).
    private(set) var owedSince: Duration?
    /// Skips a converted source's stale packets when the conversion falls behind.
    private(set) var stayingLive = StayingLive()

    init(settings: Settings, sources: [String], rules: [String: FailoverRule] = [:], resuming: String? = nil) {
        self.settings = settings
        switcher = ProgramSwitcher(sources: sources, rules: rules, resuming: resuming)
        tracks = Dictionary(uniqueKeysWithValues: sources.map { ($0, Track()) })
        rebaser = TimestampRebaser(start: ProgramTime.startTicks, frameTicks: settings.frameRate.frameTicks)
    }

    /// Passthrough or transcode, as the status reports it.
    var mode: ProgramStatus.Mode { feed.mode }

    /// The next program frame's PTS: one frame after the last one shown, on the exact grid.
    var nextFramePTS: Int64 { grid?.next ?? ProgramTime.startTicks }

    // MARK: - Events

    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .opened(let source, let hasVideo, let matches):
            tracks[source]?.matchesProfile = hasVideo ? matches : nil
            tracks[source]?.gop = []
            tracks[source]?.recentAudio = []
            return []
        case .ended(let source):
            if tracks[source] != nil { tracks[source] = Track() }
            return []
        case .packet(let packet, let at):
            return receive(packet, at: at)
        case .arrived(let source, let at):
            tracks[source]?.lastArrivalAt = at
            return []
        case .cut(let source, let by, let ticket, let at):
            let earlier = takeDeferredCut()
            let cut = Cut(source: source, by: by, ticket: ticket, at: at)
            if feed == .passthrough, let onAir = switcher.onAir.sourceID, onAir != source, owed.count(frameTicks: settings.frameTicks) > 0 {
                deferredCut = cut
                return earlier
            }
            return earlier + self.cut(cut)
        case .caption(let on):
            return caption(on: on)
        case .clock(let at):
            return clock(at: at)
        case .health(let conditions, let at):
            // While owed B-frames are on their way, the next health check acts on them.
            guard !awaitsOwedPictures(at: at) else { switcher.note(conditions); return [] }
            return apply(switcher.handle(.health(conditions: conditions, at: at.wholeMilliseconds)), at: at, keyframeArriving: false)
        case .picture(let pts, let at):
            guard let keyframe = admitPicture(pts: pts, at: at) else { return [] }
            return [.encode(pts: pts, keyframe: keyframe)]
        case .cachedGOPFailed(let use):
            return cachedGOPFailed(use)
        case .stop:
            // Every cut still waiting for its reply is answered.
            defer { (deferredCut, pendingReply) = (nil, nil) }
            return [deferredCut?.ticket, pendingReply?.ticket].compactMap { $0 }.map { .cutAbandoned(ticket: $0, reason: "program stopped") }
        }
    }

    // MARK: - Packets

    private mutating func receive(_ packet: Packet, at: Duration) -> [Action] {
        guard var track = tracks[packet.source] else { return [] }
        track.lastPacketAt = at
        let cached = CachedPacket(pts: packet.pts, dts: packet.dts, payload: packet.payload)
        if packet.kind == .audio {
            track.recentAudio.append(cached)
            let newest = cached.pts ?? cached.dts
            track.recentAudio.removeAll {
                TimestampRebaser.signedDifference(newest, $0.pts ?? $0.dts) > ProgramTime.ticksPerSecond
            }
        } else {
            track.lastVideoAt = at
            if packet.isKeyframe {
                track.gop = [cached]
            } else if !track.gop.isEmpty {
                track.gop.append(cached)
                if track.gop.count > settings.maximumCachedPackets { track.gop = [] }
            }
        }
        tracks[packet.source] = track
        var actions: [Action] = []
        let isVideoKeyframe = packet.kind == .video && packet.isKeyframe
        // While owed B-frames are on their way an instant switch waits for the next clock.
        if isVideoKeyframe, switcher.pending?.source == packet.source, !(settings.instantCut && awaitsOwedPictures(at: at)) {
            // This keyframe itself starts the splice: nothing cached to decode first.
            actions += apply(switcher.handle(.keyframe(source: packet.source, at: at.wholeMilliseconds)), at: at, keyframeArriving: true)
        }
        if deferredCut != nil, packet.kind == .video, switcher.onAir == .source(packet.source), !isOwed(packet) {
            // A later picture instead of what the source owed: the owed pictures are not coming.
            actions += takeDeferredCut()
        }
        guard switcher.onAir == .source(packet.source) else { return actions + fading(packet) }
        return actions + onAir(packet, at: at)
    }

    /// A packet of the source on air: video remuxed or decoded, audio decoded.
    private mutating func onAir(_ packet: Packet, at: Duration) -> [Action] {
        if packet.kind == .audio {
            if let held = heldSound, held.source == packet.source, let at = held.rebaser.programTime(ofSource: packet.pts ?? packet.dts), at < held.until {
                return [.decodeAudio(packet.payload, source: packet.source, at: at)]
            }
            switch feed {
            case .awaitingKeyframe, .holding(resume: .awaitingKeyframe), .slate: return []
            case _ where stayingLive.isSkipping(packet.source): return []
            default:
                guard let at = rebaser.programTime(ofSource: packet.pts ?? packet.dts) else { return [] }
                return [.decodeAudio(packet.payload, source: packet.source, at: at)]
            }
        }
        if case .holding(let resume) = feed { feed = resume }
        var actions: [Action] = []
        if case .awaitingKeyframe = feed, !packet.isKeyframe { return [] }
        if case .transcode = feed {
            switch stayingLive.judgeVideo(of: packet.source, isKeyframe: packet.isKeyframe, lag: at - (packet.arrivedAt ?? at)) {
            case .decode: break
            case .skip: return []
            case .fellBehind(let lag): return [.fellBehind(source: packet.source, lag: lag)]
            case .resume:
                // Shown on the next frame, from a fresh decoder (the skipped pictures are not in it).
                splice()
                segment += 1
                actions.append(.newSegment)
            }
        }
        if packet.isKeyframe { actions += chooseMode(matchesProfile: tracks[packet.source]?.matchesProfile ?? false) }
        let (pts, dts) = rebaser.rebase(pts: packet.pts, dts: packet.dts, forDecoding: feed != .passthrough)
        switch feed {
        case .passthrough:
            // The rebaser puts every packet after the last one out (it is told of each).
            noteOutput(pts: pts, dts: dts, at: at)
            let isNewest = owed.note(pts: pts)
            actions.append(.passThrough(packet.payload, pts: pts, dts: dts))
            let owes = owed.count(frameTicks: settings.frameTicks) > 0
            owedSince = !owes ? nil : isNewest ? at : owedSince ?? at
            if !owes { actions += takeDeferredCut() }
            return actions
        default:
            return actions + [.decode(packet.payload, pts: pts, dts: dts)]
        }
    }

    /// Audio of the source heard before the latest cut, up to the cut.
    private mutating func fading(_ packet: Packet) -> [Action] {
        guard packet.kind == .audio, let fading = fadingSound, fading.source == packet.source else { return [] }
        guard let at = fading.rebaser.programTime(ofSource: packet.pts ?? packet.dts), at < fading.until else {
            fadingSound = nil
            return []
        }
        return [.decodeAudio(packet.payload, source: packet.source, at: at)]
    }

    /// At a keyframe of what is on air: passthrough if it matches the profile and no caption
    /// is on, transcode otherwise. A change starts a new segment at this keyframe.
    private mutating func chooseMode(matchesProfile: Bool) -> [Action] {
        let wanted: ProgramStatus.Mode = !captionOn && matchesProfile ? .passthrough : .transcode
        let before = feed.mode
        feed = wanted == .passthrough ? .passthrough : .transcode(matchesProfile: matchesProfile)
        guard wanted != before else { return [] }
        splice()
        segment += 1
        return [.newSegment, .modeChanged(wanted)]
    }

    // MARK: - Switching

    /// The cut held back for owed B-frames, carried out now (none: nothing).
    private mutating func takeDeferredCut() -> [Action] {
        guard let deferred = deferredCut else { return [] }
        deferredCut = nil
        return cut(deferred)
    }

    private mutating func cut(_ cut: Cut) -> [Action] {
        let (source, by, ticket, at) = (cut.source, cut.by, cut.ticket, cut.at)
        // The last health check may be a long step ago (the program thread falls behind when
        // the machine is busy): judge the target by its newest arrival.
        switcher.note(lastData: lastData())
        let moves = switcher.handle(.cut(source: source, by: by, at: at.wholeMilliseconds))
        var actions: [Action] = []
        for move in moves {
            if case .refuse(_, let refusal) = move { actions.append(.cutRefused(ticket: ticket, refusal)) }
            if case .awaitKeyframe(let target) = move, target == source {
                if let previous = pendingReply {
                    actions.append(.cutAbandoned(ticket: previous.ticket, reason: "replaced by a cut to \(source)"))
                }
                pendingReply = PendingReply(ticket: ticket, source: source, at: at)
            }
        }
        return actions + apply(moves, at: at, keyframeArriving: false)
    }

    /// Carries out the switcher's moves. `keyframeArriving`: a keyframe that just arrived is
    /// what put its source on air, so there is nothing cached to decode first.
    private mutating func apply(_ moves: [ProgramSwitcher.Action], at: Duration, keyframeArriving: Bool) -> [Action] {
        var actions: [Action] = []
        for move in moves {
            switch move {
            case .switched(let to, let from, let reason):
                // The new input's first picture is the next program frame, instant or not.
                let firstPTS = nextFramePTS
                fadingSound = from.sourceID.map { FadingSound(source: $0, rebaser: rebaser, until: firstPTS) }
                heldSound = nil
                stayingLive.forget()
                splice()
                segment += 1
                actions += [.newSegment, .soundCut(at: firstPTS, to: to.sourceID)]
                if to == .slate {
                    feed = .slate
                } else {
                    feed = .awaitingKeyframe(mode: feed.mode)
                    if settings.instantCut, !keyframeArriving, let id = to.sourceID, let take = decodeCachedGOP(id, use: .show) {
                        actions.append(take)
                        actions += cachedSound(of: id)
                    }
                }
                actions.append(.switched(to: to, from: from, reason: reason))
                if case .operatorCut(let by) = reason, let pending = pendingReply, pending.source == to.sourceID {
                    pendingReply = nil
                    actions.append(.cutTookEffect(ticket: pending.ticket, source: pending.source, by: by, programPTS: firstPTS, waited: at - pending.at))
                }
            case .abandoned(let source, let reason):
                if !reason.isAutomatic, let pending = pendingReply, pending.source == source {
                    pendingReply = nil
                    actions.append(.cutAbandoned(ticket: pending.ticket, reason: "\(source) fell silent before its next keyframe"))
                }
            case .awaitKeyframe(let source):
                // Instant: the keyframe already cached starts the splice now (its GOP is decoded
                // up to the newest picture); otherwise the source's next keyframe does.
                if settings.instantCut, tracks[source]?.isReady == true {
                    actions += apply(switcher.handle(.keyframe(source: source, at: at.wholeMilliseconds)), at: at, keyframeArriving: false)
                }
            case .refuse:
                break
            }
        }
        return actions
    }

    /// Decodes `source`'s cached GOP with its newest picture on the program timeline: at the
    /// last picture out for a caption (it already went out), else on the next program frame (a
    /// new segment). The program then transcodes the source. Nil without a usable GOP.
    private mutating func decodeCachedGOP(_ source: String, use: GOPUse) -> Action? {
        guard let track = tracks[source], track.isReady, let newest = track.gop.last else { return nil }
        let newestAt: Int64
        if use == .caption, let lastDTS {
            newestAt = lastDTS
        } else {
            // The newest picture (highest PTS; with B-frames not the last packet) is the one
            // shown on the next frame.
            let ahead = track.gop.map { TimestampRebaser.signedDifference($0.pts ?? $0.dts, newest.pts ?? newest.dts) }.max() ?? 0
            rebaser.splice(at: nextFramePTS, earlier: max(ahead, 0))
            newestAt = rebaser.rebase(pts: newest.pts, dts: newest.dts, forDecoding: true).dts
        }
        let matches = track.matchesProfile ?? false
        feed = use == .hold ? .holding(resume: .transcode(matchesProfile: matches)) : .transcode(matchesProfile: matches)
        segment += 1
        return .decodeCachedGOP(source: source, packets: track.gop, newestAt: newestAt, use: use)
    }

    private mutating func cachedGOPFailed(_ use: GOPUse) -> [Action] {
        switch use {
        case .show: feed = .awaitingKeyframe(mode: .transcode)
        case .caption: feed = .passthrough
        case .hold: return holdWithSlate()
        }
        return []
    }

    // MARK: - Captions

    private mutating func caption(on: Bool) -> [Action] {
        captionOn = on
        // In passthrough the caption shows from the next frame, not from the source's next IDR:
        // the cached GOP brings a decoder up to the newest picture.
        guard on, feed == .passthrough, let id = switcher.onAir.sourceID, lastDTS != nil,
            let decode = decodeCachedGOP(id, use: .caption)
        else { return [] }
        return [decode]
    }

    // MARK: - Clock

    private mutating func clock(at now: Duration) -> [Action] {
        var actions: [Action] = []
        if let deferred = deferredCut, now - deferred.at >= settings.owedWait { actions += takeDeferredCut() }
        if lastHealthCheck.map({ now - $0 >= settings.healthInterval }) ?? true, !awaitsOwedPictures(at: now) {
            lastHealthCheck = now
            actions += apply(switcher.handle(.tick(at: now.wholeMilliseconds, lastData: lastData())), at: now, keyframeArriving: false)
        } else {
            // No moves between health checks, but what the status and the next cut read is fresh.
            switcher.note(lastData: lastData())
        }
        if settings.instantCut, !awaitsOwedPictures(at: now), let target = switcher.pending?.source, tracks[target]?.isReady == true {
            actions += apply(switcher.handle(.keyframe(source: target, at: now.wholeMilliseconds)), at: now, keyframeArriving: false)
        }
        if switcher.onAir == .slate {
            actions += slatePictures(at: now)
        } else {
            actions += holdLastPicture(at: now)
        }
        if let pending = pendingReply, now - pending.at > settings.cutTimeout {
            pendingReply = nil
            actions.append(.cutAbandoned(ticket: pending.ticket, reason: "no keyframe from \(pending.source) within \(settings.cutTimeout.wholeMilliseconds / 1000) s"))
        }
        return actions
    }

    /// The slate pictures due by `now`, at most a second's worth at once.
    private mutating func slatePictures(at now: Duration) -> [Action] {
        let due = due(at: now)
        var actions: [Action] = []
        for _ in 0..<settings.frameRate.framesPerSecondRoundedUp where nextFramePTS <= due {
            let pts = nextFramePTS
            guard let keyframe = admitPicture(pts: pts, at: now) else { break }
            actions.append(.encodeSlate(pts: pts, keyframe: keyframe))
        }
        return actions
    }

    /// While the on-air source sends no picture for `holdAfter`, the last picture is repeated
    /// at the frame rate (from the last one out on), so delivery keeps pace with the wall clock;
    /// the source's next packets start a new segment after the repeats. In passthrough there is
    /// no decoded picture: the source's GOP is decoded first, and its packets are then bridged
    /// (encoded) until its next IDR. A source passed through is not silent while its pictures
    /// come, however far the clock ran ahead of them (a conversion fell behind before).
    private mutating func holdLastPicture(at now: Duration) -> [Action] {
        guard lead != nil, let lastPTS else { return [] }
        let due = due(at: now)
        let holding: Bool
        if case .holding = feed { holding = true } else { holding = false }
        guard due - lastPTS >= (holding ? settings.frameTicks : settings.holdAfter.ticks) else { return [] }
        if feed == .passthrough, let videoAt = onAirVideoAt, now - videoAt < settings.holdAfter { return [] }
        var actions: [Action] = []
        if !holding {
            // Sound of the pictures already shown may still come (muxers send it late).
            heldSound = switcher.onAir.sourceID.map { FadingSound(source: $0, rebaser: rebaser, until: lastPTS + settings.frameTicks) }
            if feed.mode == .passthrough || !hasLastPicture {
                if let id = switcher.onAir.sourceID, let decode = decodeCachedGOP(id, use: .hold) {
                    // The newest picture already went out in passthrough: it is the one to repeat.
                    actions.append(decode)
                } else {
                    actions += holdWithSlate()
                }
            } else {
                feed = .holding(resume: feed)
            }
        }
        // Up to the program clock: the program never runs ahead of the wall clock.
        for _ in 0..<settings.frameRate.framesPerSecondRoundedUp where nextFramePTS <= due {
            let pts = nextFramePTS
            guard let keyframe = admitPicture(pts: pts, at: now) else { break }
            actions.append(.repeatLast(pts: pts, keyframe: keyframe))
        }
        // The source's next packet follows the repeats, in a fresh graph so its frame-rate
        // filter does not fill the gap again.
        splice()
        actions.append(.resetFilter)
        return actions
    }

    /// Nothing of the on-air source is left to decode (its demuxer ended): the slate's picture
    /// holds the place, and the source restarts on its next keyframe.
    private mutating func holdWithSlate() -> [Action] {
        feed = .holding(resume: .awaitingKeyframe(mode: .transcode))
        segment += 1
        return [.newSegment, .keepSlateAsLast(pts: nextFramePTS)]
    }

    // MARK: - Timeline

    /// Admits a picture to the encoder at `pts` if it is after the last one out (the timeline
    /// never goes back), noting it as out. Returns whether it starts a segment (a keyframe).
    private mutating func admitPicture(pts: Int64, at: Duration) -> Bool? {
        // An encoded picture is decoded when shown: after every picture already shown.
        if let lastPTS, pts <= lastPTS { return nil }
        let dts = ProgramTime.encodedDTS(pts: pts, after: lastDTS, frameTicks: settings.frameTicks)
        guard noteOutput(pts: pts, dts: dts, at: at) else { return nil }
        hasLastPicture = true
        defer { encodedSegment = segment }
        return encodedSegment != segment
    }

    /// Notes video out at `pts`/`dts`; false (nothing noted) if it is not after the last.
    @discardableResult
    private mutating func noteOutput(pts: Int64, dts: Int64, at: Duration) -> Bool {
        if let lastDTS, dts <= lastDTS { return false }
        lastDTS = dts
        if pts > lastPTS ?? .min {
            lastPTS = pts
            if grid == nil { grid = FrameGrid(rate: settings.frameRate, anchor: pts) } else { grid?.note(pts) }
        }
        lead = max(lead ?? pts - at.ticks, pts - at.ticks)
        rebaser.noteOutput(dts, pts: pts)
        return true
    }

    /// The next source packet starts a new segment, shown at the next frame on the grid.
    private mutating func splice() {
        owed.reset()
        owedSince = nil
        rebaser.splice(at: nextFramePTS)
    }
}
