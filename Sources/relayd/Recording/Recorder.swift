import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import VideoRelay

/// Records every configured resource into keyframe-aligned MPEG-TS segments under
/// `<data-dir>/recordings/<resource>/<UTC date>/`, each entered into the resource's hash-chained
/// manifest with a signed head (`RecordingChain`).
///
/// The relay hands events to `queue` (its `RecordingFeed`) and never waits; one writer thread
/// (`recorder`) takes them, lets `SegmentPlanner` decide the cuts and carries them out. Starts,
/// stops, gaps and drops go to the audit trail through `run()`, in the order they happened.
final class Recorder: Service, Sendable {
    let queue: RecordingQueue
    private let settings: RecordingSettings
    private let recordings: URL
    private let key: AuditTrailSigningKey
    private let auditTrail: AuditTrail?
    private let logger: Logger
    private let audit: AsyncStream<AuditTrail.Record>
    private let auditSink: AsyncStream<AuditTrail.Record>.Continuation
    private let completion = ThreadCompletion()
    private let started = Atomic<Bool>(false)
    private let stats = Mutex(Statistics())
    /// Clip exports asked for over HTTP, cut from these recordings.
    let exports: ClipExportJobs
    /// Called after each segment entered or deleted (from the writer thread).
    private let listeners = Mutex<[@Sendable () -> Void]>([])

    /// Counters for /metrics.
    struct Statistics: Sendable {
        var segments: [String: Int] = [:]
        var bytes: [String: Int] = [:]
        var writeErrors: [String: Int] = [:]
        /// Segments deleted by retention.
        var deleted: [String: Int] = [:]
        /// Paused because the disk is nearly full (`recording.min_free_mb`).
        var pausedForSpace = false
    }

    init(settings: RecordingSettings, dataDirectory: URL, key: AuditTrailSigningKey, auditTrail: AuditTrail?, logger: Logger) {
        self.settings = settings
        recordings = dataDirectory.appendingPathComponent("recordings", isDirectory: true)
        self.key = key
        self.auditTrail = auditTrail
        self.logger = logger
        queue = RecordingQueue(resources: settings.resources, limitBytes: settings.queueBytes)
        exports = ClipExportJobs(
            exporter: ClipExporter(recordings: recordings, key: key, maximum: settings.maximumExport),
            directory: dataDirectory.appendingPathComponent("exports", isDirectory: true), auditTrail: auditTrail, logger: logger)
        let (stream, continuation) = AsyncStream.makeStream(of: AuditTrail.Record.self)
        audit = stream
        auditSink = continuation
    }

    var statistics: Statistics { stats.withLock { $0 } }

    /// Grows with every segment entered in a manifest or deleted by retention, so a page
    /// reads the catalog again only when it changed.
    var revision: Int {
        stats.withLock { $0.segments.values.reduce(0, +) + $0.deleted.values.reduce(0, +) }
    }

    /// Calls `listener` whenever `revision` grows.
    func onChange(_ listener: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.append(listener) }
    }

    private func changed() {
        for listener in listeners.withLock({ $0 }) { listener() }
    }

    /// What has been recorded so far, read from the manifests.
    var catalog: RecordingCatalog {
        RecordingCatalog(
            recordings: recordings,
            retention: Dictionary(uniqueKeysWithValues: settings.resources.map { ($0, RecordingCatalog.Retention(settings.retention(for: $0))) }))
    }

    /// Starts the writer thread (once).
    func start() {
        guard !started.exchange(true, ordering: .relaxed) else { return }
        let thread = Thread { [self] in
            nameCurrentThread("recorder")
            var writer = RecorderWriter(recorder: self)
            writer.run()
            auditSink.finish()
            completion.finish()
        }
        thread.start()
    }

    /// Closes the queue, lets the writer finish every open segment, and returns once it has.
    func stop() async {
        queue.close()
        guard started.load(ordering: .relaxed) else { return }
        await completion.wait()
    }

    /// Service entry point: writes until graceful shutdown (after the relay has stopped: place
    /// it before the relay in the service group), appending audit events as they come.
    func run() async throws {
        start()
        await withGracefulShutdownHandler {
            for await record in audit {
                do {
                    try await auditTrail?.append([record])
                } catch {
                    logger.error("cannot audit a recording event", metadata: ["recording.action": "\(record.action)", "error": "\(error)"])
                }
            }
        } onGracefulShutdown: {
            self.queue.close()
        }
        // Also when cancelled rather than shut down: the writer finishes its segments either way.
        queue.close()
        await completion.wait()
    }

    // MARK: - For the writer thread

    fileprivate func chain(for resource: String) throws -> RecordingChain {
        try RecordingChain(recordings: recordings, resource: resource, key: key, tracksKept: !settings.retention(for: resource).isUnlimited)
    }

    fileprivate var segmentDuration: Duration { settings.segmentDuration }

    fileprivate var minimumFreeBytes: Int64 { settings.minimumFreeBytes }

    fileprivate func retention(for resource: String) -> RecordingRetention { settings.retention(for: resource) }

    /// The configured resources that have recordings on disk.
    fileprivate var recordedResources: [String] {
        settings.resources.sorted().filter { FileManager.default.fileExists(atPath: recordings.appendingPathComponent($0).path) }
    }

    fileprivate func count(deletionOf resource: String) {
        stats.withLock { $0.deleted[resource, default: 0] += 1 }
        changed()
    }

    fileprivate var freeBytes: Int64? { DiskSpaceGuard.freeBytes(at: recordings) }

    fileprivate func setPausedForSpace(_ paused: Bool) {
        stats.withLock { $0.pausedForSpace = paused }
    }

    fileprivate func audit(_ action: String, _ details: [String: String]) {
        auditSink.yield(AuditTrail.Record(actor: "relayd", action: action, details: details))
    }

    fileprivate func log(_ message: Logger.Message, level: Logger.Level = .info, _ metadata: Logger.Metadata) {
        logger.log(level: level, message, metadata: metadata)
    }

    /// A segment that could not be entered in its manifest (a full disk).
    fileprivate func count(writeErrorOf resource: String) {
        stats.withLock { $0.writeErrors[resource, default: 0] += 1 }
    }

    fileprivate func count(segmentOf resource: String, bytes: Int, failed: Bool) {
        stats.withLock { stats in
            stats.segments[resource, default: 0] += 1
            stats.bytes[resource, default: 0] += bytes
            if failed { stats.writeErrors[resource, default: 0] += 1 }
        }
        changed()
    }
}

/// The writer thread's state: the planner, each resource's open segment and manifest chain.
private struct RecorderWriter {
    let recorder: Recorder
    var planner: SegmentPlanner
    var segments: [String: SegmentFile] = [:]
    var chains: [String: RecordingChain] = [:]
    /// Resources whose last segment ended with a gap (or never started): the next open is a start.
    var resumed: Set<String> = []
    /// When each resource's last segment ended: a rotation's next segment starts at that very
    /// time (two readings of the wall clock for one instant can differ by a millisecond).
    var lastEnds: [String: (at: ContinuousClock.Instant, date: Date)] = [:]
    var space: DiskSpaceGuard
    var nextSweep = ContinuousClock.now

    init(recorder: Recorder) {
        self.recorder = recorder
        planner = SegmentPlanner(segmentDuration: recorder.segmentDuration)
        space = DiskSpaceGuard(minimumFreeBytes: recorder.minimumFreeBytes)
    }

    mutating func run() {
        while true {
            // Wake for the next idle check, and at least once a second.
            let wait = min(planner.nextDeadline.map { ContinuousClock.now.duration(to: $0) } ?? .seconds(1), .seconds(1))
            let (items, closed) = recorder.queue.take(until: .now() + .milliseconds(max(0, Int(wait / .milliseconds(1)))))
            for item in items {
                if item.droppedBefore > 0 {
                    recorder.log("recording queue full: data dropped", level: .warning, ["recording.resource": "\(item.event.resource)", "recording.dropped_events": "\(item.droppedBefore)"])
                    recorder.audit("recording.dropped", ["resource": item.event.resource, "events": String(item.droppedBefore)])
                }
                perform(planner.handle(item.event, dropped: item.droppedBefore > 0))
            }
            perform(planner.tick(now: .now))
            sweepIdleResources()
            if closed { break }
        }
        perform(planner.stop())
    }

    private mutating func perform(_ actions: [SegmentPlanner.Action]) {
        for action in actions {
            switch action {
            case .open(let resource, let at, let tables):
                open(resource, at: at, programTables: tables)
            case .write(let resource, let bytes):
                segments[resource]?.write(bytes)
            case .close(let resource, let at, let reason):
                close(resource, at: at, reason: reason)
            }
        }
    }

    private mutating func open(_ resource: String, at: ContinuousClock.Instant, programTables: [UInt8]) {
        guard hasSpace() else {
            // Nothing is written until a segment opens again; the next start is audited.
            resumed.remove(resource)
            return
        }
        do {
            let known = chains[resource]
            let chain = try known ?? recorder.chain(for: resource)
            chains[resource] = chain
            // What aged out while relayd was stopped goes before the first new segment.
            if known == nil { applyRetention(chain) }
            let start = lastEnds[resource].flatMap { $0.at == at ? $0.date : nil } ?? Self.wallClock(at)
            let segment = try SegmentFile(
                directory: chain.directory, relativePath: RecordingManifest.segmentFile(seq: chain.nextSeq, start: start), start: start)
            segment.write(programTables[...])
            segments[resource] = segment
            if !resumed.contains(resource) {
                resumed.insert(resource)
                recorder.audit("recording.started", ["resource": resource, "segment": String(chain.nextSeq)])
            }
        } catch {
            recorder.log("cannot open a recording segment", level: .error, ["recording.resource": "\(resource)", "error": "\(error)"])
            recorder.audit("recording.failed", ["resource": resource, "error": "\(error)"])
        }
    }

    private mutating func close(_ resource: String, at: ContinuousClock.Instant, reason: SegmentPlanner.CloseReason) {
        guard let segment = segments.removeValue(forKey: resource), let chain = chains[resource] else { return }
        let digest = segment.finish()
        let end = Self.wallClock(at)
        lastEnds[resource] = (at, end)
        do {
            let entry = try chain.append(segment: segment, digest: digest, end: end)
            recorder.count(segmentOf: resource, bytes: entry.size, failed: segment.failure != nil || chain.headFailure != nil)
            if let failure = segment.failure {
                recorder.log("recording segment cut short by a write error", level: .error, ["recording.resource": "\(resource)", "error": "\(failure)"])
                recorder.audit("recording.write_failed", ["resource": resource, "segment": String(entry.seq), "error": failure.description])
            }
            if let failure = chain.headFailure {
                // The entry is in the manifest; the next segment's entry signs the head again.
                recorder.log("cannot sign the recording head", level: .error, ["recording.resource": "\(resource)", "error": "\(failure)"])
                recorder.audit("recording.write_failed", ["resource": resource, "segment": String(entry.seq), "error": failure.description])
            }
        } catch {
            // Not entered: the file stays on disk, outside the chain (verify does not vouch for it).
            recorder.count(writeErrorOf: resource)
            recorder.log("cannot enter a recording segment in its manifest", level: .error, [
                "recording.resource": "\(resource)", "recording.file": "\(segment.relativePath)", "error": "\(error)",
            ])
            recorder.audit("recording.failed", ["resource": resource, "file": segment.relativePath, "error": "\(error)"])
        }
        applyRetention(chain)
        guard reason != .rotated else { return }
        resumed.remove(resource)
        recorder.audit("recording.stopped", ["resource": resource, "reason": reason.rawValue, "segment": String(chain.seq)])
    }

    /// Once a minute, applies `recording.max_age_h` to resources not recording now (those
    /// recording apply it after each segment), so an idle resource's old segments go too.
    private mutating func sweepIdleResources() {
        guard ContinuousClock.now >= nextSweep else { return }
        nextSweep = .now + .seconds(60)
        for resource in recorder.recordedResources where segments[resource] == nil && recorder.retention(for: resource).maxAge != nil {
            do {
                let chain = try chains[resource] ?? recorder.chain(for: resource)
                chains[resource] = chain
                applyRetention(chain)
            } catch {
                recorder.log("cannot open a recording manifest for retention", level: .error, ["recording.resource": "\(resource)", "error": "\(error)"])
            }
        }
    }

    /// Deletes the segments the retention limits no longer keep, oldest first, each entered in
    /// the manifest as a tombstone (why, when) before its file goes.
    private func applyRetention(_ chain: RecordingChain) {
        let retention = recorder.retention(for: chain.resource)
        guard !retention.isUnlimited else { return }
        let now = Date()
        let segments = chain.kept.compactMap { entry in
            RecordingManifest.parseTimestamp(entry.end).map { RecordingRetention.Segment(seq: entry.seq, size: entry.size, end: $0) }
        }
        for deletion in retention.deletions(segments, now: now) {
            do {
                try chain.delete(seq: deletion.seq, reason: deletion.reason, at: now)
                recorder.count(deletionOf: chain.resource)
            } catch {
                recorder.log("cannot delete a recording segment", level: .error, ["recording.resource": "\(chain.resource)", "error": "\(error)"])
                recorder.audit("recording.failed", ["resource": chain.resource, "error": "\(error)"])
                return
            }
        }
    }

    /// Checks the free space before each segment: pauses recording (audited, logged, in
    /// /metrics) when the disk is nearly full, and resumes it once there is room again.
    private mutating func hasSpace() -> Bool {
        guard let free = recorder.freeBytes, let change = space.check(freeBytes: free) else { return !space.isPaused }
        let details = ["free_bytes": String(free), "min_free_bytes": String(space.minimumFreeBytes)]
        switch change {
        case .paused:
            recorder.log("recording paused: the disk is nearly full", level: .error, ["recording.free_bytes": "\(free)"])
            recorder.audit("recording.paused", details.merging(["reason": "disk nearly full"]) { $1 })
        case .resumed:
            recorder.log("recording resumed: there is room on the disk again", ["recording.free_bytes": "\(free)"])
            recorder.audit("recording.resumed", details)
        }
        recorder.setPausedForSpace(space.isPaused)
        return !space.isPaused
    }

    /// The wall-clock time of a monotonic instant (the relay stamps events with the monotonic clock).
    static func wallClock(_ instant: ContinuousClock.Instant) -> Date {
        let ago = instant.duration(to: .now)
        return Date(timeIntervalSinceNow: -(Double(ago.components.seconds) + Double(ago.components.attoseconds) / 1e18))
    }
}
