/// Without a program pipeline the `program` resource passes one live source through. Which one
/// is `ProgramSwitcher`'s decision, as with the pipeline: the first source to go live once
/// nothing is on air, taken at its next keyframe; a source silent past its threshold leaves the
/// program (to its backup if one is configured and live, else to nothing, the pipeline's
/// slate); the source that failed comes back at its next keyframe once it is live again.
///
/// Pure: times are instants of a monotonic clock, turned into the switcher's milliseconds.
struct PassthroughSelection {
    private var switcher: ProgramSwitcher
    private let origin: ContinuousClock.Instant

    /// - Parameters:
    ///   - sources: source ids in operator order (the first live one is taken at start).
    ///   - rules: per source; sources without one leave the program after `silence`.
    init(sources: [String], rules: [String: FailoverRule] = [:], silence: Duration, origin: ContinuousClock.Instant) {
        let threshold = Int(silence / .milliseconds(1))
        var allRules = rules
        for source in sources where allRules[source] == nil { allRules[source] = FailoverRule(thresholdMilliseconds: threshold) }
        switcher = ProgramSwitcher(sources: sources, rules: allRules)
        self.origin = origin
    }

    /// The source on the program, nil for none.
    var onAir: String? { switcher.onAir.sourceID }

    /// The source whose next keyframe the program waits for, if any.
    var awaitedSource: String? { switcher.pending?.source }

    /// Health: when each source's data last arrived (sources without a publisher left out).
    /// Returns what the program now shows when it changes (`.slate`: nothing passes through).
    mutating func tick(now: ContinuousClock.Instant, lastData: [String: ContinuousClock.Instant]) -> ProgramInput? {
        let actions = switcher.handle(.tick(at: milliseconds(now), lastData: lastData.mapValues(milliseconds)))
        return change(in: actions)
    }

    /// A keyframe of `source` arrived. Returns `.source(source)` when the program takes it.
    mutating func keyframe(of source: String, now: ContinuousClock.Instant) -> ProgramInput? {
        change(in: switcher.handle(.keyframe(source: source, at: milliseconds(now))))
    }

    private func change(in actions: [ProgramSwitcher.Action]) -> ProgramInput? {
        var result: ProgramInput?
        for case .switched(let to, _, _) in actions { result = to }
        return result
    }

    private func milliseconds(_ instant: ContinuousClock.Instant) -> Int64 {
        Int64((instant - origin) / .milliseconds(1))
    }
}
