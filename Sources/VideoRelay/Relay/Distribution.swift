import Logging

/// The fan-out of the relay thread: each source's payload is counted and inspected, cached for
/// joiners, and handed to the source's targets and the tap (whose demuxers also feed a program
/// pipeline). Without a program feed the passthrough hands the on-air source's payloads to
/// program targets as they are; with one, the feed's output is fanned out like a source's.
final class Distribution {
    let sources: [SourceRuntime]
    private let sourcesByID: [String: SourceRuntime]
    /// The `program` resource's targets (and, with a program feed, its stream's cache).
    let program: ResourceFanout
    private let programFeed: ProgramFeed?
    private let tap: PayloadTap?
    private var passthrough: PassthroughSelection
    /// Without a program feed: the source whose payloads the program carries.
    private var onAir: SourceRuntime?
    private let invalidPayloadLimit: Int
    private let logger: Logger
    /// A source's first data arrived: the passthrough should look now, not at its next tick.
    private(set) var programNeedsTick = false

    /// - Parameters:
    ///   - failoverRules: without a program feed, the passthrough's rules per source (backup,
    ///     silence threshold); sources without one leave the program after the stall limit.
    ///   - recording: records the resources it names, attached to each like a reader.
    ///   - failed: told when a target failed (it is already detached).
    init(
        configuration: RelayConfiguration, programFeed: ProgramFeed?, tap: PayloadTap?, failoverRules: [String: FailoverRule] = [:],
        recording: (any RecordingFeed)? = nil,
        logger: Logger, now: ContinuousClock.Instant, failed: @escaping (any DeliveryTarget, DeliveryFailure) -> Void
    ) {
        // A GOP may use at most half a reader's queue, so a joiner's burst never overflows it.
        let gopLimit = configuration.fanout.queueBytes / 2
        let useCache = configuration.fanout.gopCache
        sources = configuration.sources.map { source in
            SourceRuntime(
                configuration: source,
                fanout: ResourceFanout(resource: source.id, gopLimitBytes: gopLimit, useGOPCache: useCache, failed: failed))
        }
        sourcesByID = Dictionary(uniqueKeysWithValues: sources.map { ($0.id, $0) })
        program = ResourceFanout(
            resource: RelayConfiguration.programResource, gopLimitBytes: gopLimit, useGOPCache: useCache, failed: failed)
        self.programFeed = programFeed
        self.tap = tap
        passthrough = PassthroughSelection(
            sources: configuration.sources.map(\.id), rules: failoverRules, silence: .milliseconds(configuration.fanout.sourceStallMilliseconds), origin: now)
        invalidPayloadLimit = configuration.fanout.invalidPayloadLimit
        self.logger = logger
        if let recording {
            for fanout in sources.map(\.fanout) + [program] where recording.records(fanout.resource) {
                fanout.attach(RecordingTarget(resource: fanout.resource, feed: recording), joining: nil, now: now)
            }
        }
    }

    func source(_ id: String) -> SourceRuntime? { sourcesByID[id] }

    /// The source the program passes through right now (nil with a program feed).
    var programSource: String? { onAir?.id }

    // MARK: - Targets

    func fanout(of resource: String) -> ResourceFanout? {
        resource == RelayConfiguration.programResource ? program : sourcesByID[resource]?.fanout
    }

    /// Adds a target to a resource, started on its cached GOP.
    func attach(_ target: any DeliveryTarget, to resource: String, now: ContinuousClock.Instant) {
        guard let fanout = fanout(of: resource) else { return }
        let origin = fanout !== program || programFeed != nil ? fanout : onAir?.fanout
        fanout.attach(target, joining: origin, now: now)
    }

    func detach(_ target: any DeliveryTarget, from resource: String) {
        fanout(of: resource)?.detach(target)
    }

    // MARK: - Payloads

    /// One payload from a source's publisher. Returns why the publisher must be cut off, if it
    /// must (it keeps sending something that is not MPEG-TS; garbage never reaches a reader).
    func ingest(_ payload: ArraySlice<UInt8>, from source: SourceRuntime, now: ContinuousClock.Instant) -> String? {
        let firstData = source.lastValidPayloadAt == nil
        guard let inspection = source.take(payload, now: now) else {
            guard source.invalidStreak >= invalidPayloadLimit else { return nil }
            source.invalidPayloadDisconnects += 1
            return "payload is not MPEG-TS (\(source.invalidStreak) payloads in a row)"
        }
        source.fanout.publish(payload, keyframeOffset: inspection.keyframeOffset, now: now)
        tap?.observe(resource: source.id, payload: payload, keyframeOffset: inspection.keyframeOffset)
        // The program feed reads the sources from their demuxers (the tap).
        if programFeed != nil { return nil }
        if firstData { programNeedsTick = true }
        if inspection.keyframeOffset != nil, passthrough.awaitsKeyframe(of: source.id),
            let input = passthrough.keyframe(of: source.id, now: now)
        {
            putOnAir(input)
        }
        if onAir === source {
            program.forward(payload, keyframeOffset: inspection.keyframeOffset, programTables: source.fanout.inspector.programTables, now: now)
            tap?.observe(resource: RelayConfiguration.programResource, payload: payload, keyframeOffset: inspection.keyframeOffset)
        }
        return nil
    }

    /// One payload of the program feed's output: to program targets exactly as a source's
    /// payloads go to its targets (keyframe joins, GOP cache, own queues).
    func ingestProgramOutput(_ payload: ArraySlice<UInt8>, now: ContinuousClock.Instant) {
        let inspection = program.inspect(payload)
        guard inspection.isTransportStream else { return }
        program.publish(payload, keyframeOffset: inspection.keyframeOffset, now: now)
        tap?.observe(resource: RelayConfiguration.programResource, payload: payload, keyframeOffset: inspection.keyframeOffset)
    }

    // MARK: - Passthrough program

    /// Sources' health for the passthrough: a silent on-air source leaves the program, a live one
    /// is taken (at its next keyframe) when nothing is on air.
    func tickProgram(now: ContinuousClock.Instant) {
        programNeedsTick = false
        guard programFeed == nil else { return }
        var lastData: [String: ContinuousClock.Instant] = [:]
        for source in sources { if let last = source.lastValidPayloadAt { lastData[source.id] = last } }
        if let input = passthrough.tick(now: now, lastData: lastData) { putOnAir(input) }
    }

    private func putOnAir(_ input: ProgramInput) {
        onAir = input.sourceID.flatMap { sourcesByID[$0] }
        // Program targets start the new source's stream (its tables) at its keyframe.
        program.restartTargets()
        logger.info("program source changed", metadata: ["program.source": "\(onAir?.id ?? "none")"])
    }
}
