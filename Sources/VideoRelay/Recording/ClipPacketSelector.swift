/// Decides, packet by packet in stream order, which demuxed packets of recorded segments go into
/// a clip: from the last video keyframe at or before `startOffset` up to `endOffset`, both on the
/// stream's 90 kHz clock counted from the first video packet's PTS. Pure; the remuxer feeds it
/// every packet and carries out what it answers.
///
/// Until the start is known, packets from the latest keyframe at or before `startOffset` on are
/// held (at most one GOP): the first video packet decoded after `startOffset`, or the end of the
/// input, shows that the held keyframe is the one to start from. Video stops at the first packet decoded after
/// `endOffset` (so what is kept decodes without it); audio outside the video's span is left out.
public struct ClipPacketSelector: Sendable {
    /// The packet's media: one video stream is copied, and every audio stream.
    public enum Kind: Sendable, Equatable { case video, audio }

    /// One demuxed packet as the selector needs to see it (timestamps in 90 kHz ticks, as demuxed).
    public struct Packet: Sendable, Equatable {
        /// Video or audio.
        public var kind: Kind
        /// Which stream it belongs to (each audio stream ends on its own).
        public var stream: Int
        /// Whether the demuxer flagged it a keyframe.
        public var isKeyframe: Bool
        /// Presentation and decoding time (90 kHz ticks).
        public var pts: Int64
        public var dts: Int64

        /// A packet as seen by the selector.
        public init(kind: Kind, stream: Int = 0, isKeyframe: Bool, pts: Int64, dts: Int64) {
            self.kind = kind
            self.stream = stream
            self.isKeyframe = isKeyframe
            self.pts = pts
            self.dts = dts
        }
    }

    /// What the remuxer does with a packet.
    public enum Action: Sendable, Equatable {
        /// Keep the packet back: it may start the clip.
        case hold
        /// Forget what was held (a later keyframe still lies at or before the start), then hold this one.
        case replaceHeld
        /// Leave the packet out.
        case drop
        /// The start is found: write what is held, then this packet (unless `thenDrop`).
        case writeHeld(thenDrop: Bool)
        /// Write the packet.
        case write
        /// Everything the clip needs has been seen: stop reading.
        case finish
    }

    /// The requested start and end (90 kHz ticks after the first video PTS; never below zero).
    public let startOffset: Int64
    public let endOffset: Int64
    /// The number of audio streams copied: reading stops once each has passed the end.
    public let audioStreams: Int

    /// The first video packet's PTS: offsets count from it.
    public private(set) var origin: Int64?
    /// The held keyframe's, then the clip's first keyframe's, offset and DTS offset.
    public private(set) var startKeyframe: (pts: Int64, dts: Int64)?
    /// Whether the start keyframe is settled (held packets have been or are being written).
    public private(set) var started = false
    /// The latest end (PTS + duration unknown: PTS) of a written video packet, as an offset.
    public private(set) var lastVideoOffset: Int64?
    private var videoDone = false
    private var audioDone: Set<Int> = []

    /// A selector for one clip; an end before the start is taken as the start.
    public init(startOffset: Int64, endOffset: Int64, audioStreams: Int) {
        self.startOffset = max(0, startOffset)
        self.endOffset = max(self.startOffset, endOffset)
        self.audioStreams = audioStreams
    }

    /// What to do with the next packet.
    public mutating func next(_ packet: Packet) -> Action {
        if origin == nil {
            // Audio ahead of the first video packet cannot belong to a clip that starts on video.
            guard packet.kind == .video else { return .drop }
            origin = packet.pts
        }
        let offset = packet.pts - (origin ?? 0)
        let dtsOffset = packet.dts - (origin ?? 0)
        guard started else { return seek(packet, offset: offset, dtsOffset: dtsOffset) }
        return take(packet, offset: offset, dtsOffset: dtsOffset)
    }

    private mutating func seek(_ packet: Packet, offset: Int64, dtsOffset: Int64) -> Action {
        if packet.kind == .video, packet.isKeyframe {
            if offset <= startOffset {
                startKeyframe = (offset, dtsOffset)
                return .replaceHeld
            }
            // A keyframe after the start: the held one starts the clip, or this one if none is held.
            if startKeyframe == nil { startKeyframe = (offset, dtsOffset) }
            started = true
            return .writeHeld(thenDrop: take(packet, offset: offset, dtsOffset: dtsOffset) != .write)
        }
        guard startKeyframe != nil else { return .drop }
        // DTS only grows and a keyframe's PTS is at least its DTS: past the start in decode
        // order, no later keyframe can lie at or before it, so the held one starts the clip.
        if packet.kind == .video, dtsOffset > startOffset {
            started = true
            return .writeHeld(thenDrop: take(packet, offset: offset, dtsOffset: dtsOffset) != .write)
        }
        // Held packets are written later; whether each belongs is decided then (`admits`).
        return .hold
    }

    /// The input ended while packets were held: the held keyframe starts the clip (true: write
    /// the held packets, each through `admits`).
    public mutating func endOfInput() -> Bool {
        guard !started, startKeyframe != nil else { return false }
        started = true
        return true
    }

    /// Whether a held packet belongs in the clip, once the start is known.
    public mutating func admits(_ packet: Packet) -> Bool {
        let offset = packet.pts - (origin ?? 0)
        return take(packet, offset: offset, dtsOffset: packet.dts - (origin ?? 0)) == .write
    }

    private mutating func take(_ packet: Packet, offset: Int64, dtsOffset: Int64) -> Action {
        switch packet.kind {
        case .video:
            if videoDone || dtsOffset > endOffset {
                videoDone = true
                return allDone ? .finish : .drop
            }
            lastVideoOffset = max(lastVideoOffset ?? offset, offset)
            return .write
        case .audio:
            let start = startKeyframe?.dts ?? 0
            if offset > endOffset {
                audioDone.insert(packet.stream)
                return allDone ? .finish : .drop
            }
            return offset < start ? .drop : .write
        }
    }

    /// The video and every audio stream have passed the end.
    private var allDone: Bool { videoDone && audioDone.count >= audioStreams }

    /// The offset the clip's timestamps are moved by so it starts at zero: the first keyframe's DTS.
    public var timestampBase: Int64 { (origin ?? 0) + (startKeyframe?.dts ?? 0) }
}
