/// A condition of a live source's picture or sound that the link itself does not show: the
/// encoder keeps sending, but what it sends is useless.
public enum HealthCondition: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    /// The picture has not changed.
    case frozen
    /// The picture is black.
    case black
    /// The sound is below the silence level.
    case silent

    public static func < (a: HealthCondition, b: HealthCondition) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}

/// When a source's picture and sound count as frozen, black or silent (`health:` of a source).
public struct PictureHealthSettings: Sendable, Equatable {
    /// An unchanged picture for this long is frozen; nil: not watched.
    public var frozenAfter: Duration?
    /// A black picture for this long is black; nil: not watched.
    public var blackAfter: Duration?
    /// Sound below `silenceLevel` for this long is silent; nil: not watched.
    public var silentAfter: Duration?
    /// A condition must be absent this long before its state ends, so a state does not flap on
    /// one odd picture or one loud click.
    public var clearAfter: Duration = .seconds(2)
    /// Peak level in dBFS below which sound is silence.
    public var silenceLevel: Double = -60
    /// Sound must rise this many dB above `silenceLevel` to end silence (level hysteresis).
    public var silenceMargin: Double = 6
    /// Mean luma (0...255, full range) at or below which a picture may be black...
    public var blackLevel: Double = 12
    /// ...when no part of it (one signature cell) is brighter than this.
    public var blackBrightest: Double = 32
    /// A black picture must rise this much above `blackLevel` to end black (level hysteresis).
    public var blackMargin: Double = 6
    /// Two pictures whose signatures differ by at most this mean luma step per cell are the same
    /// picture. Re-encoding one still frame moves cells by well under one step; sensor noise of a
    /// camera looking at a still scene by about one; any motion by many.
    public var frozenDifference: Double = 0.5

    public init(frozenAfter: Duration? = .seconds(5), blackAfter: Duration? = .seconds(3), silentAfter: Duration? = .seconds(10)) {
        self.frozenAfter = frozenAfter
        self.blackAfter = blackAfter
        self.silentAfter = silentAfter
    }

    /// Whether anything is watched at all (a source with nothing watched is not decoded).
    public var watchesAnything: Bool { frozenAfter != nil || blackAfter != nil || silentAfter != nil }
}

/// What a source's stream is: compared stream by stream and keyframe by keyframe to report a
/// format change.
public struct MediaFormat: Sendable, Equatable, Codable, CustomStringConvertible {
    public var codec: String
    public var width: Int
    public var height: Int
    /// Frames per second as "num/den"; nil when the stream does not say.
    public var frameRate: String?

    public init(codec: String, width: Int, height: Int, frameRate: String?) {
        self.codec = codec
        self.width = width
        self.height = height
        self.frameRate = frameRate
    }

    public var description: String { "\(codec) \(width)x\(height)" + (frameRate.map { " @\($0)" } ?? "") }

    /// Whether the picture size is known: a demuxer that opens a stream without having seen its
    /// parameters (a publisher's first packets lost, relayd stalled for a moment) reports 0x0.
    public var sizeKnown: Bool { width > 0 && height > 0 }
}

/// The decisions of picture health for one source, as a pure state machine (STYLE 10): what the
/// health thread measured goes in (a keyframe's `PictureSignature`, a decoded audio frame's peak
/// level, the stream's format, the stream's end), the states that start and end come out. Times
/// are a monotonic clock's `Duration` since any fixed origin.
///
/// Rules:
/// - A condition's state starts once the condition has held without a break for its threshold;
///   it counts from the first observation that showed it (for frozen: the earlier of the two
///   matching pictures, since the picture has not changed from then on).
/// - It ends once the condition has been absent without a break for `clearAfter` (and, for black
///   and silent, the level has risen past the margin): one differing picture or one click
///   does not end it, and it does not flap.
/// - A black picture is not also frozen: black says more, and black never changes.
/// - A format change (codec, size, frame rate differing from the last format seen, also across a
///   reconnect) is an event, not a state. A format of unknown size (0x0) is not a format seen.
/// - The stream's end ends every state: a source that sends nothing is offline, not frozen.
public struct PictureHealth: Sendable, Equatable {
    public enum Observation: Sendable, Equatable {
        /// A decoded keyframe's statistics.
        case picture(PictureSignature, at: Duration)
        /// The peak level of a decoded audio frame, in dBFS (-infinity for digital silence).
        case audioLevel(Double, at: Duration)
        /// The format of the stream now (at its opening, and at each decoded keyframe).
        case format(MediaFormat, at: Duration)
        /// The stream ended (the publisher went away or stayed silent).
        case streamEnded(at: Duration)
    }

    public enum Change: Sendable, Equatable {
        /// `condition` holds since `since` (it started being observed then).
        case started(HealthCondition, since: Duration, at: Duration)
        /// `condition` no longer holds; it had held since `since`.
        case ended(HealthCondition, since: Duration, at: Duration)
        case formatChanged(from: MediaFormat, to: MediaFormat, at: Duration)
    }

    public let settings: PictureHealthSettings
    private var trackers: [HealthCondition: ConditionTracker] = [:]
    private var lastPicture: (signature: PictureSignature, at: Duration)?
    /// The last format seen, kept across streams so a reconnect in another format is a change.
    public private(set) var format: MediaFormat?

    public init(settings: PictureHealthSettings = PictureHealthSettings()) {
        self.settings = settings
    }

    public static func == (a: PictureHealth, b: PictureHealth) -> Bool {
        a.settings == b.settings && a.trackers == b.trackers && a.format == b.format
            && a.lastPicture?.signature == b.lastPicture?.signature && a.lastPicture?.at == b.lastPicture?.at
    }

    /// The conditions that hold now, with when each started being observed.
    public var active: [HealthCondition: Duration] {
        trackers.compactMapValues { $0.activeSince }
    }

    public mutating func observe(_ observation: Observation) -> [Change] {
        switch observation {
        case .picture(let signature, let at):
            return picture(signature, at: at)
        case .audioLevel(let level, let at):
            guard let after = settings.silentAfter else { return [] }
            let isActive = trackers[.silent]?.activeSince != nil
            let silent = level < settings.silenceLevel + (isActive ? settings.silenceMargin : 0)
            return track(.silent, holds: silent, from: at, at: at, after: after)
        case .format(let format, let at):
            // An unknown size is no format: the first decoded keyframe tells the real one.
            guard format.sizeKnown else { return [] }
            defer { self.format = format }
            guard let before = self.format, before != format else { return [] }
            return [.formatChanged(from: before, to: format, at: at)]
        case .streamEnded(let at):
            lastPicture = nil
            let changes = trackers.sorted { $0.key < $1.key }.compactMap { condition, tracker in
                tracker.activeSince.map { Change.ended(condition, since: $0, at: at) }
            }
            trackers = [:]
            return changes
        }
    }

    private mutating func picture(_ signature: PictureSignature, at: Duration) -> [Change] {
        var changes: [Change] = []
        let wasBlack = trackers[.black]?.activeSince != nil
        let black = signature.meanLuma <= settings.blackLevel + (wasBlack ? settings.blackMargin : 0)
            && signature.brightestCell <= settings.blackBrightest + (wasBlack ? settings.blackMargin : 0)
        if let after = settings.blackAfter {
            changes += track(.black, holds: black, from: at, at: at, after: after)
        }
        if let after = settings.frozenAfter {
            if let previous = lastPicture, !black, previous.signature.difference(to: signature) <= settings.frozenDifference {
                changes += track(.frozen, holds: true, from: previous.at, at: at, after: after)
            } else if lastPicture != nil || black {
                changes += track(.frozen, holds: false, from: at, at: at, after: after)
            }
        }
        lastPicture = (signature, at)
        return changes
    }

    private mutating func track(_ condition: HealthCondition, holds: Bool, from: Duration, at: Duration, after: Duration) -> [Change] {
        var tracker = trackers[condition] ?? ConditionTracker()
        defer { trackers[condition] = tracker }
        guard let (started, since) = tracker.observe(holds: holds, from: from, at: at, after: after, clearAfter: settings.clearAfter) else {
            return []
        }
        return [started ? .started(condition, since: since, at: at) : .ended(condition, since: since, at: at)]
    }
}

/// One condition's timing: when it began to hold, whether its state is on, and since when it has
/// been absent while on.
struct ConditionTracker: Sendable, Equatable {
    /// The start of the current unbroken run of observations where the condition holds.
    private(set) var holdsSince: Duration?
    /// When the state is on: when its condition began to hold.
    private(set) var activeSince: Duration?
    /// While on: the start of the current unbroken run of observations without the condition.
    private(set) var absentSince: Duration?

    /// Returns (true, since) when the state starts, (false, since) when it ends, nil otherwise.
    mutating func observe(holds: Bool, from: Duration, at: Duration, after: Duration, clearAfter: Duration) -> (Bool, Duration)? {
        if holds {
            absentSince = nil
            let start = holdsSince ?? from
            holdsSince = start
            guard activeSince == nil, at - start >= after else { return nil }
            activeSince = start
            return (true, start)
        }
        holdsSince = nil
        guard let since = activeSince else { return nil }
        let absent = absentSince ?? at
        absentSince = absent
        guard at - absent >= clearAfter else { return nil }
        activeSince = nil
        absentSince = nil
        return (false, since)
    }
}
