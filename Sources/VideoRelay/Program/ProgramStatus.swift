import Foundation

/// What the program looks like right now, for the HTTP API. Plain values.
public struct ProgramStatus: Sendable, Codable, Equatable {
    /// Passthrough (remux, no decode) or transcode (decode, caption, encode).
    public enum Mode: String, Sendable, Codable { case passthrough, transcode }

    /// The source on air, or "slate".
    public var onAir: String = "slate"
    /// A cut waiting for its source's keyframe.
    public var pendingCut: String?
    public var mode: Mode = .passthrough
    public var caption: Caption?
    public var profile: ProgramProfile = ProgramProfile()
    public var lastCut: CutRecord?
    public var sources: [SourceReadiness] = []
    /// Failovers, returns and first-live takes, newest last (at most 50).
    public var automaticMoves: [AutomaticMove] = []
    /// Bytes the muxer wrote (the program's MPEG-TS).
    public var outputBytes: UInt64 = 0
    public var videoPacketsWritten: UInt64 = 0
    public var audioPacketsWritten: UInt64 = 0
    /// Of those, the on-air source's own AAC frames copied as they came (it sends the program's
    /// audio format); the rest were encoded (around cuts, the slate, other formats).
    public var audioPacketsCopied: UInt64 = 0
    /// Program payloads (whole TS packets, up to 1316 bytes) dropped before the relay took
    /// them: the program's output queue was over its limit because the relay thread fell behind.
    public var outputPayloadsDropped: UInt64 = 0
    /// Encoded audio packets not written because their time was not after the last one: the
    /// program's timeline never goes back. (Video cannot go back: the timeline admits it.)
    public var audioPacketsDroppedLate: UInt64 = 0
    /// Decoded source samples left out of the program's sound: they came after their time was
    /// encoded, overlapped sound already placed, or carried a timestamp far from the pictures'.
    public var audioSamplesDropped: UInt64 = 0
    /// Failures by where they happened ("video write", "transcode", "caption", "slate",
    /// "instant cut", "GOP decode (hold)", "audio decode", "audio encode", ...): each is a packet,
    /// a picture or a caption change the program could not use. The newest is `lastError`.
    public var errors: [String: UInt64] = [:]
    public var lastError: String?
    public var slateAvailable = false
    /// The program clock: the PTS of the last video frame written, in seconds on the program
    /// timeline (what a recording of the program shows as pts_time). Nil before the first frame.
    public var programTimeSeconds: Double?
    /// Pictures repeated (or slate pictures standing in) because the on-air source sent none
    /// in time; each keeps the program at its frame rate.
    public var repeatedFrames: UInt64 = 0
    /// Times the conversion of the source on air fell more than a second behind it, and the
    /// pictures it skipped each time up to a fresh keyframe to stay live (`StayingLive`).
    public var fellBehind: UInt64 = 0
    public var picturesSkippedToStayLive: UInt64 = 0
    /// The latest time it fell behind, and by how much (what the control room shows).
    public var lastFellBehind: FellBehind?
    /// Delay stamps written into the program (this site's, and upstream sites' re-inserted
    /// after transcoding).
    public var stampsInserted = 0

    public init() {}
}

/// A time the program's conversion fell behind its source.
public struct FellBehind: Sendable, Codable, Equatable {
    public var at: Date
    public var source: String
    public var lagMilliseconds: Int64
}

/// An operator cut.
public struct CutRecord: Sendable, Codable, Equatable {
    public var source: String
    public var by: String?
    public var requestedAt: Date
    public var tookEffectAt: Date
    /// The PTS (seconds on the program timeline) of the first program frame showing the new
    /// source.
    public var programTimeSeconds: Double?
}

/// Whether a source can be cut to.
public struct SourceReadiness: Sendable, Codable, Equatable {
    public var id: String
    /// Data arrived within the failover threshold.
    public var live: Bool
    /// Live, demuxed, and a keyframe seen: a cut will land within a GOP.
    public var readyToCut: Bool
    /// Whether passthrough is possible (the stream matches the profile).
    public var matchesProfile: Bool?
    public var backup: String?
    public var failoverMilliseconds: Int
    /// Packets of this source the program never took: its queue to the program (4 MiB) was
    /// full because the program thread fell that far behind.
    public var packetsDroppedBehind: UInt64 = 0

    public init(
        id: String, live: Bool, readyToCut: Bool, matchesProfile: Bool? = nil, backup: String? = nil,
        failoverMilliseconds: Int, packetsDroppedBehind: UInt64 = 0
    ) {
        (self.id, self.live, self.readyToCut, self.matchesProfile) = (id, live, readyToCut, matchesProfile)
        (self.backup, self.failoverMilliseconds, self.packetsDroppedBehind) = (backup, failoverMilliseconds, packetsDroppedBehind)
    }
}

/// A move the program made by itself.
public struct AutomaticMove: Sendable, Codable, Hashable {
    public var at: Date
    public var from: String
    public var to: String
    /// failover, restore or first_live.
    public var reason: String
}

/// How a cut request ended.
public enum CutOutcome: Sendable, Equatable {
    /// On air from the keyframe that arrived at `at`, `waitedMilliseconds` after the request.
    case tookEffect(at: Date, waitedMilliseconds: Int)
    case refused(ProgramSwitcher.Refusal)
    /// The cut did not happen (another cut replaced it, its source fell silent, or no keyframe
    /// came in time); the program stayed where it was.
    case abandoned(String)
}

/// A caption request the pipeline refused.
public enum CaptionError: Error, Sendable, Equatable {
    case emptyText
    case textTooLong(Int)
    case unknownPreset(String)
}
