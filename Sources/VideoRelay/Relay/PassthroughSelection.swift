/// Without a program pipeline the `program` resource passes one live source through. Which one
/// is `ProgramSwitcher`'s decision, as with the pipeline: the first source to go live once
/// nothing is on air, taken at its next keyframe; a source silent past its threshold leaves the
/// program (to its backup if one is configured and live); the source that failed comes back at
/// its next keyframe once it is live again.
///
/// One rule more than the pipeline's: a relay without a pipeline has no operator to cut and no
/// slate, so the program never stays dark while a source is live. When the switcher shows
/// nothing and waits for nothing (the on-air source fell silent and its backup, if any, is not
/// live), the first live source in configuration order stands in, from its next keyframe, until
/// the switcher takes a source again (the primary's return, or its backup going live) or the
/// stand-in itself falls silent.
///
/// Pure: times are instants of a monotonic clock, turned into the switcher's milliseconds.
struct PassthroughSelection {
    private var switcher: ProgramSwitcher
    private let origin: ContinuousClock.Instant
    /// The source carried while the switcher shows nothing; `onAir` false until its keyframe.
    private var standIn: (source: String, onAir: Bool)?

    /// - Parameters:
    ///   - sources: source ids in operator order (the first live one is taken at start).
    ///   - rules: per source (`program.failover`); sources without one leave the program after
    ///     `silence` and have no backup.
    init(sources: [String], rules: [String: FailoverRule] = [:], silence: Duration, origin: ContinuousClock.Instant) {
        let threshold = Int(silence / .milliseconds(1))
        var allRules = rules
        for source in sources where allRules[source] == nil { allRules[source] = FailoverRule(thresholdMilliseconds: threshold) }
        switcher = ProgramSwitcher(sources: sources, rules: allRules)
        self.origin = origin
    }

    /// The source on the program, nil for none.
    var onAir: String? {
        if let source = switcher.onAir.sourceID { return source }
        if let standIn, standIn.onAir { return standIn.source }
        return nil
    }

    /// Whether the program waits for the next keyframe of `source` to take it.
    func awaitsKeyframe(of source: String) -> Bool {
        if switcher.pending?.source == source { return true }
        if let standIn, !standIn.onAir, standIn.source == source { return true }
        return false
    }

    /// Health: when each source's data last arrived (sources without a publisher left out).
    /// Returns what the program now shows when it changes (`.slate`: nothing passes through).
    mutating func tick(now: ContinuousClock.Instant, lastData: [String: ContinuousClock.Instant]) -> ProgramInput? {
        let before = onAir
        let at = milliseconds(now)
        if switchedToSource(switcher.handle(.tick(at: at, lastData: lastData.mapValues(milliseconds)))) { standIn = nil }
        if switcher.onAir == .slate, switcher.pending == nil {
            if let current = standIn, !switcher.isLive(current.source, at: at) { standIn = nil }
            if standIn == nil, let first = switcher.sources.first(where: { switcher.isLive($0, at: at) }) {
                standIn = (first, false)
            }
        } else if let current = standIn, !current.onAir {
            // The switcher waits for a source of its own: no stand-in starts meanwhile.
            standIn = nil
        }
        return change(from: before)
    }

    /// A keyframe of `source` arrived. Returns `.source(source)` when the program takes it.
    mutating func keyframe(of source: String, now: ContinuousClock.Instant) -> ProgramInput? {
        let before = onAir
        if switcher.pending?.source == source {
            if switchedToSource(switcher.handle(.keyframe(source: source, at: milliseconds(now)))) { standIn = nil }
        } else if let current = standIn, !current.onAir, current.source == source {
            standIn = (source, true)
        }
        return change(from: before)
    }

    /// Whether the switcher put a source of its own on air (the stand-in, if any, gives way).
    private func switchedToSource(_ actions: [ProgramSwitcher.Action]) -> Bool {
        actions.contains { if case .switched(let to, _, _) = $0 { to.sourceID != nil } else { false } }
    }

    private func change(from before: String?) -> ProgramInput? {
        let after = onAir
        guard after != before else { return nil }
        return after.map(ProgramInput.source) ?? .slate
    }

    private func milliseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        Int64((instant - origin) / .milliseconds(1))
    }
}
