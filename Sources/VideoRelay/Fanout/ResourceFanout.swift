/// One resource's fan-out (a source, or the program): what its stream carries, its latest GOP
/// for joiners, and the targets it hands every payload to. Confined to the relay thread; holding
/// the target list here means a payload costs no lookup by name.
final class ResourceFanout {
    let resource: String
    private(set) var inspector = TransportStreamInspector()
    private(set) var gop: GOPCache
    private(set) var targets: [any DeliveryTarget] = []
    private let useGOPCache: Bool
    /// Told when a target failed, after it was detached: its owner releases what it holds.
    private let failed: (any DeliveryTarget, DeliveryFailure) -> Void

    /// - Parameter gopLimitBytes: a GOP larger than this is not cached (a joiner waits for the
    ///   next keyframe instead).
    init(
        resource: String, gopLimitBytes: Int, useGOPCache: Bool, failed: @escaping (any DeliveryTarget, DeliveryFailure) -> Void
    ) {
        self.resource = resource
        gop = GOPCache(limitBytes: gopLimitBytes)
        self.useGOPCache = useGOPCache
        self.failed = failed
    }

    /// Reads what the payload holds (valid MPEG-TS, a keyframe) and learns the stream's tables.
    func inspect(_ payload: ArraySlice<UInt8>) -> TransportStreamInspector.Inspection {
        inspector.inspect(payload)
    }

    /// Caches the payload in the GOP and hands it to every target.
    func publish(_ payload: ArraySlice<UInt8>, keyframeOffset: Int?, now: ContinuousClock.Instant) {
        if let keyframeOffset {
            gop.start(with: payload[(payload.startIndex + keyframeOffset)...])
        } else {
            gop.append(payload)
        }
        forward(payload, keyframeOffset: keyframeOffset, programTables: inspector.programTables, now: now)
    }

    /// Hands a payload of another resource's stream to every target, without caching it here
    /// (the program passing a source through: joiners use the source's cache).
    func forward(_ payload: ArraySlice<UInt8>, keyframeOffset: Int?, programTables: [UInt8], now: ContinuousClock.Instant) {
        for target in targets {
            do {
                try target.deliver(payload, keyframeOffset: keyframeOffset, programTables: programTables, now: now)
            } catch {
                detach(target)
                failed(target, error)
            }
        }
    }

    /// Adds a target, started on `origin`'s GOP (this resource's own unless it passes another's
    /// stream through; nil: nothing to join, wait for a keyframe).
    func attach(_ target: any DeliveryTarget, joining origin: ResourceFanout?, now: ContinuousClock.Instant) {
        targets.append(target)
        guard let origin else { return target.restartOnNextKeyframe() }
        do {
            try target.join(origin.gop, programTables: origin.inspector.programTables, useCache: useGOPCache, now: now)
        } catch {
            detach(target)
            failed(target, error)
        }
    }

    func detach(_ target: any DeliveryTarget) {
        targets.removeAll { $0 === target }
    }

    /// A new stream begins (a new publisher): its tables and GOPs are its own, and every target
    /// resumes on its first keyframe.
    func restart() {
        inspector = TransportStreamInspector()
        gop.reset()
        restartTargets()
    }

    /// Every target resumes on the next keyframe (the stream it gets changes).
    func restartTargets() {
        for target in targets { target.restartOnNextKeyframe() }
    }

    /// The stream ended: nothing is left to join.
    func clearCache() {
        gop.reset()
    }
}
