/// The one format the program is delivered in. Passthrough keeps a source's own packets when
/// they already match it; everything else is encoded to it.
public struct ProgramProfile: Sendable, Equatable, Codable {
    /// How each frame is scanned.
    public enum Scan: String, Sendable, Codable, CaseIterable {
        /// Whole pictures (1080p, 720p).
        case progressive
        /// Two fields per frame, the top field first (1080i: 29.97 frames, 59.94 fields).
        case interlaced
    }

    public var width: Int
    public var height: Int
    /// Frames per second, exact (for an interlaced profile: frames, each of two fields).
    public var frameRate: FrameRate
    public var scan: Scan
    public var videoBitsPerSecond: Int
    /// Keyframe interval in frames (about 1 s by default).
    public var gopFrames: Int
    /// libx264 preset (speed against quality).
    public var x264Preset: String
    public var audioSampleRate: Int
    public var audioBitsPerSecond: Int

    /// The default is what the field sends and the HQs want: 1080p at 29.97.
    public init(
        width: Int = 1920, height: Int = 1080, frameRate: FrameRate = .ntsc30, scan: Scan = .progressive,
        videoBitsPerSecond: Int = 6_000_000, gopFrames: Int = 30, x264Preset: String = "veryfast",
        audioSampleRate: Int = 48_000, audioBitsPerSecond: Int = 128_000
    ) {
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.scan = scan
        self.videoBitsPerSecond = videoBitsPerSecond
        self.gopFrames = gopFrames
        self.x264Preset = x264Preset
        self.audioSampleRate = audioSampleRate
        self.audioBitsPerSecond = audioBitsPerSecond
    }

    /// One frame in 90 kHz ticks, rounded down (see `FrameRate.frameTicks`).
    public var frameTicks: Int64 { frameRate.frameTicks }

    /// How the profile is written in logs: `1920x1080p@30000/1001`.
    public var summary: String { "\(width)x\(height)\(scan == .progressive ? "p" : "i")@\(frameRate)" }

    /// libx264 private options: low latency (no lookahead, no B-frames, sliced threads), a fixed
    /// GOP with no scene-cut keyframes, and parameter sets repeated in every keyframe so a
    /// joiner can start anywhere. Interlaced profiles code fields top first.
    var x264Options: [String: String] {
        let interlacing = scan == .interlaced ? ":tff=1" : ""
        return ["preset": x264Preset, "tune": "zerolatency", "forced-idr": "1",
                "x264-params": "scenecut=0:repeat-headers=1\(interlacing)"]
    }

    /// Whether a source's video can be passed through unchanged: H.264 of the profile's size,
    /// rate and scan. B-frames are fine: passthrough keeps each packet's DTS and PTS apart.
    func matches(_ video: VideoFormat) -> Bool {
        video.isH264 && video.width == width && video.height == height && video.interlaced == (scan == .interlaced)
            && !video.bottomFieldFirst
            && (video.frameRate.map { frameRate.matches(numerator: $0.numerator, denominator: $0.denominator) } ?? false)
    }
}

/// What a source's video is, as far as passthrough cares.
public struct VideoFormat: Sendable, Equatable {
    public var isH264: Bool
    public var width: Int
    public var height: Int
    /// From the stream's average frame rate (frames, not fields), nil when unknown.
    public var frameRate: FrameRate?
    /// Coded as fields (either order).
    public var interlaced: Bool
    /// Interlaced with the bottom field first: never passed through, as profiles are top field
    /// first and the fields would need swapping.
    public var bottomFieldFirst: Bool

    public init(isH264: Bool, width: Int, height: Int, frameRate: FrameRate?, interlaced: Bool = false, bottomFieldFirst: Bool = false) {
        self.isH264 = isH264
        self.width = width
        self.height = height
        self.frameRate = frameRate
        self.interlaced = interlaced
        self.bottomFieldFirst = bottomFieldFirst
    }
}

/// A caption (テロップ) burnt into the program.
public struct Caption: Sendable, Equatable, Codable {
    /// Where on the picture.
    public enum Position: String, Sendable, Codable, CaseIterable { case bottom, top }
    /// How it looks.
    public enum Style: String, Sendable, Codable, CaseIterable {
        /// White on a translucent black box: place names, source labels.
        case label
        /// White on a red box, larger: 速報 (breaking news).
        case banner
        /// Yellow on a translucent black box, smaller: secondary information.
        case note
    }

    public var text: String
    public var position: Position
    public var style: Style

    public init(text: String, position: Position = .bottom, style: Style = .label) {
        self.text = text
        self.position = position
        self.style = style
    }

    /// drawtext option values for this caption on a picture `pictureHeight` lines high (not
    /// escaped: for av_opt_set or, escaped, for a `reinit` command). `th` includes ascent and
    /// descent of the font. Sizes are designed on 720 lines and scale with the height, so a
    /// caption covers the same share of a 1080 picture as of a 720 one.
    func drawtextOptions(pictureHeight: Int) -> [(String, String)] {
        let (size, colour, box): (Int, String, String) = switch style {
        case .label: (44, "white", "black@0.6")
        case .banner: (52, "white", "0xc00000@0.9")
        case .note: (36, "yellow", "black@0.6")
        }
        let scaled = { (designed: Int) in String(TextSize.scaled(designed, toHeight: pictureHeight)) }
        let margin = scaled(40)
        return [
            ("text", text), ("fontsize", scaled(size)), ("fontcolor", colour), ("boxcolor", box),
            ("boxborderw", scaled(12)), ("borderw", scaled(2)),
            ("x", "(w-tw)/2"), ("y", position == .bottom ? "h-th-\(margin)" : margin),
        ]
    }
}

/// Captions are designed on a 720-line picture and scale with the picture's height.
enum TextSize {
    /// A length designed for a 720-line picture, on a picture `height` lines high (rounded).
    static func scaled(_ designed: Int, toHeight height: Int) -> Int {
        (designed * max(height, 1) + 360) / 720
    }
}

/// A caption an operator puts on air by name (configured).
public struct CaptionPreset: Sendable, Equatable, Codable {
    public var name: String
    public var caption: Caption

    public init(name: String, caption: Caption) {
        self.name = name
        self.caption = caption
    }
}

/// Failover for one source: where to go when it falls silent, and after how long.
public struct FailoverRule: Sendable, Equatable {
    /// The source to take when this one is silent; nil means the slate.
    public var backup: String?
    /// Silence after which the program leaves this source.
    public var thresholdMilliseconds: Int
    /// Picture-health states in which the source counts as dead (`failover_on`).
    public var failoverOn: Set<HealthCondition>

    public init(backup: String? = nil, thresholdMilliseconds: Int = 1000, failoverOn: Set<HealthCondition> = []) {
        self.backup = backup
        self.thresholdMilliseconds = thresholdMilliseconds
        self.failoverOn = failoverOn
    }
}

/// Everything the program pipeline is configured with.
public struct ProgramConfiguration: Sendable, Equatable {
    public var profile: ProgramProfile
    public var presets: [CaptionPreset]
    /// Per source id; sources without a rule fail over to the slate after 1 s.
    public var failover: [String: FailoverRule]
    /// The slate clip: its first picture is the slate's background, with the wall-clock time
    /// drawn on it. Without one (or unreadable), a dark picture with 映像途絶 / NO SIGNAL.
    public var slatePath: String?
    /// The CJK-capable font drawtext uses, by fontconfig name.
    public var font: String
    /// Whether relayd runs the pipeline at all; without it `program` passes the first live
    /// source through (the plain relay, used as the benchmark's baseline).
    public var enabled = true
    /// Cuts and automatic moves show the new source on the next program frame (its cached GOP
    /// decoded, a bridge encoded until its next IDR). Off, they wait for the source's next IDR
    /// and cost no encoding: for a host too short of CPU to run x264 beside its sources.
    public var instantCut = true
    /// The SDT's service provider: the site's name, so a downstream site sees whose program it
    /// receives (the service name is the source on air).
    public var serviceProvider = "relayd"
    /// The site's id, carried in the program's delay stamps (`DelayStamp`).
    public var siteID = "relayd"
    /// The source on air before relayd stopped (persisted by relayd): the program returns to it
    /// once it is live, showing its backup or the slate until then.
    public var resumeSource: String?

    public init(
        profile: ProgramProfile = ProgramProfile(), presets: [CaptionPreset] = [], failover: [String: FailoverRule] = [:],
        slatePath: String? = "Media/slate.ts", font: String = "Noto Sans CJK JP"
    ) {
        self.profile = profile
        self.presets = presets
        self.failover = failover
        self.slatePath = slatePath
        self.font = font
    }

    public func rule(for source: String) -> FailoverRule { failover[source] ?? FailoverRule() }
    public func preset(_ name: String) -> CaptionPreset? { presets.first { $0.name == name } }
}
