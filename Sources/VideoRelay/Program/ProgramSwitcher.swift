/// What the program shows.
public enum ProgramInput: Sendable, Equatable, Hashable, CustomStringConvertible {
    case source(String)
    /// 映像途絶 / NO SIGNAL.
    case slate

    public var sourceID: String? {
        if case .source(let id) = self { return id }
        return nil
    }

    public var description: String { sourceID ?? "slate" }
}

/// Why the program moved.
public enum SwitchReason: Sendable, Equatable {
    /// An operator cut.
    case operatorCut(by: String?)
    /// The on-air source fell silent.
    case failover(from: String)
    /// The primary is healthy again after a failover.
    case restore
    /// Nothing was on air and this source went live (start-up).
    case firstLive
    /// relayd restarted and the source on air before is live again.
    case resume

    /// The reason as the log, the status and the control room name it.
    public var name: String {
        switch self {
        case .operatorCut(let by): "cut by \(by ?? "operator")"
        case .failover: "failover"
        case .restore: "restore"
        case .firstLive: "first_live"
        case .resume: "resume"
        }
    }

    public var isAutomatic: Bool {
        if case .operatorCut = self { return false }
        return true
    }
}

/// The switching decisions, as a pure state machine: events in, actions out, no I/O, times in
/// milliseconds of a monotonic clock (STYLE 10). The pipeline feeds it operator cuts, keyframe
/// arrivals and the sources' health, and carries out what it returns.
///
/// Rules: a cut to a source lands on that source's next keyframe. A source silent longer than
/// its threshold, or in a picture-health state its rule names (`failoverOn`: frozen, black,
/// silent), hands the program to the slate at once and to its backup (if live) at the
/// backup's next keyframe. Once the primary is live again the program returns to it, unless an
/// operator cut since the failover.
public struct ProgramSwitcher: Sendable, Equatable {
    public enum Event: Sendable, Equatable {
        /// An operator asks for a source.
        case cut(source: String, by: String?, at: Int64)
        /// A video keyframe of `source` is ready to be the first picture of a splice.
        case keyframe(source: String, at: Int64)
        /// Periodic health: for each source ready to cut, when its data last arrived.
        case tick(at: Int64, lastData: [String: Int64])
        /// The picture-health states holding now, per source (sources with none left out). A
        /// source in a state its rule's `failoverOn` names counts as dead until the state ends.
        case health(conditions: [String: Set<HealthCondition>], at: Int64)
    }

    public enum Refusal: Sendable, Equatable {
        case unknownSource
        case offline
        /// Live, but in a picture-health state its rule fails over on (frozen, black, silent).
        case unhealthy
    }

    public enum Action: Sendable, Equatable {
        case refuse(source: String, Refusal)
        /// The cut is accepted and waits for the source's next keyframe.
        case awaitKeyframe(source: String)
        /// The program now shows `to` (from the packet that carried the keyframe, or at once for
        /// the slate).
        case switched(to: ProgramInput, from: ProgramInput, reason: SwitchReason)
        /// A waiting cut will not happen (replaced by another, or its source fell silent).
        case abandoned(source: String, reason: SwitchReason)
    }

    public let sources: [String]
    public let rules: [String: FailoverRule]
    public private(set) var onAir: ProgramInput = .slate
    public private(set) var pending: (source: String, reason: SwitchReason)?
    /// The source a failover left, to return to while no operator has cut since.
    public private(set) var failedOverFrom: String?
    /// Whether an operator has ever cut (until then, the first live source is taken).
    public private(set) var operatorHasCut = false
    /// The source `failedOverFrom` names was on air before relayd restarted (not a failover).
    public private(set) var resuming = false
    private var lastData: [String: Int64] = [:]
    private var conditions: [String: Set<HealthCondition>] = [:]

    /// - Parameter resuming: the source on air before relayd stopped. The program returns to it
    ///   as soon as it is live, and meanwhile shows its backup or the slate, as after a failover;
    ///   the first live source is not taken instead.
    public init(sources: [String], rules: [String: FailoverRule] = [:], resuming: String? = nil) {
        self.sources = sources
        self.rules = rules
        if let resuming, sources.contains(resuming) {
            failedOverFrom = resuming
            operatorHasCut = true
            self.resuming = true
        }
    }

    public static func == (a: ProgramSwitcher, b: ProgramSwitcher) -> Bool {
        a.onAir == b.onAir && a.pending?.source == b.pending?.source && a.pending?.reason == b.pending?.reason
            && a.failedOverFrom == b.failedOverFrom && a.operatorHasCut == b.operatorHasCut && a.resuming == b.resuming
            && a.lastData == b.lastData && a.conditions == b.conditions
    }

    func rule(_ source: String) -> FailoverRule { rules[source] ?? FailoverRule() }

    /// Whether the source's data arrived within its threshold and it is in no picture-health
    /// state its rule fails over on.
    public func isLive(_ source: String, at now: Int64) -> Bool {
        isReceiving(source, at: now) && !isUnhealthy(source)
    }

    /// Whether the source's data arrived within its threshold.
    func isReceiving(_ source: String, at now: Int64) -> Bool {
        guard let last = lastData[source] else { return false }
        return now - last <= Int64(rule(source).thresholdMilliseconds)
    }

    /// Whether the source is in a picture-health state its rule fails over on.
    public func isUnhealthy(_ source: String) -> Bool {
        !rule(source).failoverOn.isDisjoint(with: conditions[source] ?? [])
    }

    /// Takes the sources' picture-health states without acting on them: the next `tick` does.
    public mutating func note(_ conditions: [String: Set<HealthCondition>]) {
        self.conditions = conditions
    }

    /// Takes when each source's data last arrived without acting on it: the next `tick` does.
    /// A cut judges the source by this, so it must be as fresh as the caller can make it.
    public mutating func note(lastData: [String: Int64]) {
        self.lastData = lastData
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .cut(let source, let by, let now):
            guard sources.contains(source) else { return [.refuse(source: source, .unknownSource)] }
            guard isReceiving(source, at: now) else { return [.refuse(source: source, .offline)] }
            guard !isUnhealthy(source) else { return [.refuse(source: source, .unhealthy)] }
            operatorHasCut = true
            failedOverFrom = nil
            resuming = false
            var actions: [Action] = []
            if let pending { actions.append(.abandoned(source: pending.source, reason: pending.reason)) }
            pending = (source, .operatorCut(by: by))
            actions.append(.awaitKeyframe(source: source))
            return actions

        case .keyframe(let source, _):
            guard let pending, pending.source == source else { return [] }
            self.pending = nil
            let from = onAir
            onAir = .source(source)
            if pending.reason == .restore || pending.reason == .resume {
                failedOverFrom = nil
                resuming = false
            }
            return [.switched(to: onAir, from: from, reason: pending.reason)]

        case .tick(let now, let data):
            lastData = data
            return checkHealth(at: now)

        case .health(let conditions, let now):
            self.conditions = conditions
            return checkHealth(at: now)
        }
    }

    private mutating func checkHealth(at now: Int64) -> [Action] {
        var actions: [Action] = []
        if let pending, !isLive(pending.source, at: now) {
            self.pending = nil
            actions.append(.abandoned(source: pending.source, reason: pending.reason))
        }
        if case .source(let current) = onAir, !isLive(current, at: now) {
            // Silent: slate now, the backup at its next keyframe.
            onAir = .slate
            if failedOverFrom == nil { failedOverFrom = current }
            actions.append(.switched(to: .slate, from: .source(current), reason: .failover(from: current)))
            if let backup = rule(current).backup, backup != current, isLive(backup, at: now), pending == nil {
                pending = (backup, .failover(from: current))
                actions.append(.awaitKeyframe(source: backup))
            }
        }
        guard pending == nil else { return actions }
        if let primary = failedOverFrom, onAir != .source(primary), isLive(primary, at: now) {
            pending = (primary, resuming ? .resume : .restore)
            actions.append(.awaitKeyframe(source: primary))
        } else if onAir == .slate, let primary = failedOverFrom, let backup = rule(primary).backup,
            backup != primary, isLive(backup, at: now)
        {
            // The backup went live after the failover.
            pending = (backup, .failover(from: primary))
            actions.append(.awaitKeyframe(source: backup))
        } else if onAir == .slate, failedOverFrom == nil, !operatorHasCut,
            let first = sources.first(where: { isLive($0, at: now) })
        {
            pending = (first, .firstLive)
            actions.append(.awaitKeyframe(source: first))
        }
        return actions
    }
}
