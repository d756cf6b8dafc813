/// What the program machine answers without changing: readiness, the filter's need, and when
/// it next wants the clock.
extension ProgramMachine {
    /// Whether decoded pictures of the on-air source go to the encoder as they are (when they
    /// have the profile's size and format): no caption, and the source matches the profile.
    var picturesNeedNoFilter: Bool {
        guard !captionOn else { return false }
        switch feed {
        case .transcode(let matches), .holding(resume: .transcode(let matches)): return matches
        default: return false
        }
    }

    /// Whether `source` is live and can be cut to at once.
    func isReady(_ source: String, at now: Duration) -> Bool {
        switcher.isLive(source, at: now.wholeMilliseconds) && tracks[source]?.isReady == true
    }

    /// When the machine next needs a `clock` event, given the time now: the next health check,
    /// the next slate or repeated picture, or a cut's timeout. Packets and commands in between
    /// are events of their own.
    func nextDeadline(after now: Duration) -> Duration {
        var deadline = (lastHealthCheck ?? now) + settings.healthInterval
        if awaitsOwedPictures(at: now), let owedSince { deadline = max(deadline, owedSince + settings.owedWait) }
        if let pending = pendingReply { deadline = min(deadline, pending.at + settings.cutTimeout) }
        if let deferred = deferredCut { deadline = min(deadline, deferred.at + settings.owedWait) }
        switch (switcher.onAir, feed) {
        case (.slate, _):
            // Due when the program clock reaches the next frame (at once before the first).
            deadline = min(deadline, lead.map { .ticks(nextFramePTS - $0) } ?? now)
        case (.source, .holding):
            if let lead { deadline = min(deadline, .ticks(nextFramePTS - lead)) }
        case (.source, _):
            guard let lead, let lastPTS else { break }
            var hold = Duration.ticks(lastPTS + settings.holdAfter.ticks - lead)
            if feed == .passthrough, let videoAt = onAirVideoAt { hold = max(hold, videoAt + settings.holdAfter) }
            deadline = min(deadline, hold)
        }
        return max(deadline, now)
    }

    /// Whether `packet` (video of the source on air) is one of the pictures it owes: shown
    /// before the newest picture out.
    func isOwed(_ packet: Packet) -> Bool {
        guard let newest = owed.newest, let at = rebaser.programTime(ofSource: packet.pts ?? packet.dts) else { return false }
        return at < newest
    }

    /// When the program handled the on-air source's latest video packet.
    var onAirVideoAt: Duration? {
        switcher.onAir.sourceID.flatMap { tracks[$0]?.lastVideoAt }
    }

    /// Whether the source on air in passthrough owes B-frames that are on their way: it sent a
    /// P before them less than `owedWait` ago. Health checks (and the moves they make: a restore,
    /// a failover) wait for them, so a move away leaves no hole. A source silent past its
    /// failover threshold sent its last P long before: it is not waited for.
    func awaitsOwedPictures(at now: Duration) -> Bool {
        guard feed == .passthrough, let owedSince else { return false }
        return now - owedSince < settings.owedWait
    }

    /// The cached audio of a source that just went on air with its cached GOP, on the
    /// program timeline: what comes before the cut is dropped where it is placed.
    func cachedSound(of source: String) -> [Action] {
        (tracks[source]?.recentAudio ?? []).compactMap { packet in
            rebaser.programTime(ofSource: packet.pts ?? packet.dts).map { .decodeAudio(packet.payload, source: source, at: $0) }
        }
    }

    /// When each ready source's data last arrived, in milliseconds: what the switcher judges by.
    func lastData() -> [String: Int64] {
        var lastData: [String: Int64] = [:]
        for (id, track) in tracks where track.isReady {
            if let at = track.lastDataAt { lastData[id] = at.wholeMilliseconds }
        }
        return lastData
    }

    /// Where the program clock is: lead + elapsed, or the next frame before anything went out.
    func due(at now: Duration) -> Int64 {
        lead.map { $0 + now.ticks } ?? nextFramePTS
    }
}
