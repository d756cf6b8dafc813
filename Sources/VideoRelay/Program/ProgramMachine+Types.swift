
/// What the program machine reads and answers: its settings, events, actions and the state
/// it keeps per source.
extension ProgramMachine {
    /// Fixed facts about the program.
    struct Settings: Sendable, Equatable {
        /// The program's exact frame rate.
        var frameRate: FrameRate
        /// One program frame in 90 kHz ticks, rounded down (gaps and durations only).
        var frameTicks: Int64 { frameRate.frameTicks }
        /// Cuts decode the target's cached GOP and go on air at once instead of waiting for
        /// its next IDR.
        var instantCut: Bool
        /// A program this far behind its clock gets the last picture repeated: longer than the
        /// bursts a source's packets arrive in through SRT and the demuxer (a few hundred ms),
        /// half the default failover threshold.
        var holdAfter: Duration = .milliseconds(500)
        /// How often the sources' health is checked.
        var healthInterval: Duration = .milliseconds(50)
        /// A cut whose source sends no keyframe for this long is answered "abandoned".
        var cutTimeout: Duration = .seconds(5)
        /// A move away from a source in passthrough waits at most this long for the B-frames
        /// the source still owes: six frames at 29.97, as they come a frame apart and the demuxer
        /// releases each a frame late, in bursts.
        var owedWait: Duration = .milliseconds(200)
        /// A cached GOP longer than this many video packets is dropped (no IDR for too long).
        var maximumCachedPackets = 600

        init(frameRate: FrameRate, instantCut: Bool) {
            self.frameRate = frameRate
            self.instantCut = instantCut
        }

        init(profile: ProgramProfile, instantCut: Bool) {
            self.init(frameRate: profile.frameRate, instantCut: instantCut)
        }
    }

    /// A demuxed packet of a source, timestamps in 90 kHz.
    struct Packet {
        enum Kind: Sendable, Equatable { case video, audio }
        var source: String
        var kind: Kind
        var isKeyframe: Bool
        /// Nil when the packet carries none (taken to equal the DTS).
        var pts: Int64?
        var dts: Int64
        var payload: Payload
        /// When it reached the relay (program clock; nil: unknown, taken as when it is handled).
        var arrivedAt: Duration? = nil
    }

    /// A cached video packet, with the source's own timestamps.
    struct CachedPacket {
        var pts: Int64?
        var dts: Int64
        var payload: Payload
    }

    /// What a decoded cached GOP is for.
    enum GOPUse: Sendable, Equatable {
        /// An instant cut: its newest picture is the next program frame.
        case show
        /// The on-air source fell silent: its newest picture (already out) is repeated.
        case hold
        /// A caption went on air in passthrough: the decoder is brought up to the newest
        /// picture (already out) so the next one can be decoded and captioned.
        case caption
    }

    enum Event {
        /// A source's demuxer opened: whether it has video, and whether that video can be
        /// passed through (it matches the program profile).
        case opened(source: String, hasVideo: Bool, matchesProfile: Bool)
        /// A source's demuxer ended (the publisher went away or stayed silent).
        case ended(source: String)
        case packet(Packet, at: Duration)
        /// The newest packet of a source left its demuxer at `at`, whether or not the program
        /// has handled it yet: a program thread that falls behind still sees a link go quiet
        /// (and fails over) when it does, and sees a busy link as live.
        case arrived(source: String, at: Duration)
        /// An operator asks for a source; `ticket` names the reply.
        case cut(source: String, by: String?, ticket: Int, at: Duration)
        /// A caption went on (or was replaced) or off.
        case caption(on: Bool)
        /// The time now: health checks, repeated and slate pictures that fell due, cut timeouts.
        case clock(at: Duration)
        /// The sources' picture-health states changed (sources with none left out).
        case health([String: Set<HealthCondition>], at: Duration)
        /// A picture (a decoded or filtered source picture) is ready for the encoder.
        case picture(pts: Int64, at: Duration)
        /// A cached GOP could not be decoded.
        case cachedGOPFailed(GOPUse)
        /// The program is stopping.
        case stop
    }

    enum Action {
        /// Write this on-air video packet to the muxer with these program timestamps.
        case passThrough(Payload, pts: Int64, dts: Int64)
        /// Decode this on-air video packet (a fresh decoder if there is none) with these
        /// program timestamps, and offer its pictures (`Event.picture`).
        case decode(Payload, pts: Int64, dts: Int64)
        /// Decode this on-air audio packet into the program's sound; its PTS is at program
        /// time `at`.
        case decodeAudio(Payload, source: String, at: Int64)
        /// From program time `at` the program hears `to` (nil: silence): the old sound ends
        /// there, the new one starts there.
        case soundCut(at: Int64, to: String?)
        /// Decode a source's cached GOP into a fresh decoder (dropping the filter graph), its
        /// newest picture at program DTS `newestAt`, and use the newest picture as `use` says.
        case decodeCachedGOP(source: String, packets: [CachedPacket], newestAt: Int64, use: GOPUse)
        /// A new segment: drop the video decoder and the filter graph.
        case newSegment
        /// Drop the filter graph (its frame-rate filter would fill a gap the program already
        /// filled).
        case resetFilter
        /// Encode the picture just offered, at `pts`.
        case encode(pts: Int64, keyframe: Bool)
        /// Encode the last picture again, at `pts`.
        case repeatLast(pts: Int64, keyframe: Bool)
        /// Keep the slate picture as the last picture, to be repeated in place of a source that
        /// left nothing to decode.
        case keepSlateAsLast(pts: Int64)
        /// Encode the slate picture for `pts`.
        case encodeSlate(pts: Int64, keyframe: Bool)
        /// The program moved (for the log and the list of automatic moves).
        case switched(to: ProgramInput, from: ProgramInput, reason: SwitchReason)
        /// Passthrough or transcode from this keyframe on (for the log).
        case modeChanged(ProgramStatus.Mode)
        /// The cut `ticket` is on air from the picture at `programPTS`, `waited` after it was
        /// asked for.
        case cutTookEffect(ticket: Int, source: String, by: String?, programPTS: Int64, waited: Duration)
        case cutRefused(ticket: Int, ProgramSwitcher.Refusal)
        case cutAbandoned(ticket: Int, reason: String)
        /// The conversion of `source` fell `lag` behind it: its packets are skipped up to a
        /// fresh keyframe (see `StayingLive`).
        case fellBehind(source: String, lag: Duration)
    }

    /// What makes the program's video now.
    indirect enum Feed: Equatable {
        /// The slate, at the program's frame rate.
        case slate
        /// The on-air source's first keyframe is awaited (its packets before it are not used);
        /// `mode` is the mode before, kept until that keyframe chooses.
        case awaitingKeyframe(mode: ProgramStatus.Mode)
        /// The source's packets are remuxed.
        case passthrough
        /// The source's packets are decoded and encoded; `matchesProfile`: its pictures need no
        /// scaling or rate conversion.
        case transcode(matchesProfile: Bool)
        /// The source sent nothing in time: the last picture is repeated at the frame rate until
        /// its next packet, which continues as `resume`.
        case holding(resume: Feed)

        var mode: ProgramStatus.Mode {
            switch self {
            case .passthrough: .passthrough
            case .awaitingKeyframe(let mode): mode
            case .slate, .transcode, .holding: .transcode
            }
        }
    }

    /// A source as the machine knows it.
    struct Track {
        /// Whether its demuxer found video, and whether that video matches the profile (nil:
        /// no demuxer open, or no video).
        var matchesProfile: Bool?
        /// Video packets since its latest keyframe (empty until one arrived).
        var gop: [CachedPacket] = []
        /// Its latest second of audio packets: an instant cut starts its sound with the
        /// picture it shows, not with the next packet to arrive.
        var recentAudio: [CachedPacket] = []
        /// When the program handled its latest packet, and its latest video packet.
        var lastPacketAt: Duration?
        var lastVideoAt: Duration?
        /// When its newest packet left the demuxer (`Event.arrived`).
        var lastArrivalAt: Duration?
        /// When data last came: the demuxer's newest packet when known (the engine always
        /// tells it), else the latest packet handled.
        var lastDataAt: Duration? { lastArrivalAt ?? lastPacketAt }

        /// Demuxed, with a cached GOP that starts on a keyframe: it can go on air now.
        var isReady: Bool { matchesProfile != nil && !gop.isEmpty }
    }

    /// A source's sound from before a cut or a hold: what arrives after it (muxers send audio
    /// late) is placed with the mapping its pictures had, up to `until`.
    struct FadingSound {
        var source: String
        var rebaser: TimestampRebaser
        var until: Int64
    }

    /// An operator's cut, as asked: held back while the source on air owes B-frames.
    struct Cut: Equatable {
        var source: String
        var by: String?
        var ticket: Int
        var at: Duration
    }

    /// The cut waiting for its reply.
    struct PendingReply: Equatable {
        var ticket: Int
        var source: String
        var at: Duration
    }
}

extension ProgramMachine.Packet: Equatable where Payload: Equatable {}
extension ProgramMachine.CachedPacket: Equatable where Payload: Equatable {}
extension ProgramMachine.Action: Equatable where Payload: Equatable {}
