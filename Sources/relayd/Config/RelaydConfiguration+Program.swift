import VideoRelay

/// The program keys of relayd's YAML: `program.profile`, `program.presets`, `program.slate`,
/// `program.font`, and each source's `backup` and `failover_ms`.
///
/// ```yaml
/// program:
///   profile: {width: 1920, height: 1080, fps: 30000/1001, scan: progressive,
///             video_bitrate: 6000000, gop_frames: 30, x264_preset: veryfast,
///             audio_sample_rate: 48000, audio_bitrate: 128000}
///   slate: Media/slate.ts
///   font: Noto Sans CJK JP
///   pipeline: true          # false: program passes the first live source through (no switching)
///   instant_cut: true       # false: cuts wait for the source's next IDR (no bridge encoding)
///   presets:
///     - {name: breaking, text: 速報, position: top, style: banner}
/// sources:
///   - {id: heli-1, kind: helicopter, backup: drone-1, failover_ms: 1500}
/// ```
extension RelaydConfiguration {
    static func readFailoverRule(_ node: ConfigNode) -> FailoverRule {
        FailoverRule(
            backup: node.string("backup"),
            thresholdMilliseconds: node.int("failover_ms", default: 1000, range: 100...60_000))
    }

    static func readProgram(_ node: ConfigNode) -> ProgramConfiguration {
        var program = ProgramConfiguration()
        let profileNode = node.child("profile")
        let defaults = ProgramProfile()
        program.profile = ProgramProfile(
            width: profileNode.int("width", default: defaults.width, range: 160...3840),
            height: profileNode.int("height", default: defaults.height, range: 90...2160),
            frameRate: readFrameRate(profileNode, default: defaults.frameRate),
            scan: readScan(profileNode, default: defaults.scan),
            videoBitsPerSecond: profileNode.int("video_bitrate", default: defaults.videoBitsPerSecond, range: 100_000...50_000_000),
            gopFrames: profileNode.int("gop_frames", default: defaults.gopFrames, range: 1...600),
            x264Preset: profileNode.string("x264_preset") ?? defaults.x264Preset,
            audioSampleRate: profileNode.int("audio_sample_rate", default: defaults.audioSampleRate, range: 8000...96_000),
            audioBitsPerSecond: profileNode.int("audio_bitrate", default: defaults.audioBitsPerSecond, range: 16_000...512_000))
        let presets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"]
        if !presets.contains(program.profile.x264Preset) {
            profileNode.child("x264_preset").error("must be one of \(presets.joined(separator: ", ")), got \"\(program.profile.x264Preset)\"")
        }
        checkPictureFormat(program.profile, profileNode)
        profileNode.rejectUnknownKeys()
        program.presets = node.list("presets").map(readPreset)
        if let slate = node.string("slate") { program.slatePath = slate }
        if let font = node.string("font") { program.font = font }
        program.enabled = node.bool("pipeline", default: true)
        program.instantCut = node.bool("instant_cut", default: true)
        return program
    }

    /// `fps`: one of the broadcast rates, as a fraction or its usual decimal.
    private static func readFrameRate(_ node: ConfigNode, default value: FrameRate) -> FrameRate {
        guard let text = node.string("fps") else { return value }
        guard let rate = FrameRate(parsing: text) else {
            let rates = FrameRate.supported.map(\.description).joined(separator: ", ")
            node.child("fps").error("must be one of \(rates) (or 29.97, 59.94), got \"\(text)\"")
            return value
        }
        return rate
    }

    private static func readScan(_ node: ConfigNode, default value: ProgramProfile.Scan) -> ProgramProfile.Scan {
        guard let text = node.string("scan") else { return value }
        guard let scan = ProgramProfile.Scan(rawValue: text) else {
            let scans = ProgramProfile.Scan.allCases.map(\.rawValue).joined(separator: ", ")
            node.child("scan").error("must be one of \(scans), got \"\(text)\"")
            return value
        }
        return scan
    }

    /// HD as the receivers take it: 1920x1080 or 1280x720; interlaced only as 1080i, with 25,
    /// 29.97 or 30 frames (50, 59.94 or 60 fields) a second.
    private static func checkPictureFormat(_ profile: ProgramProfile, _ node: ConfigNode) {
        let size = (profile.width, profile.height)
        guard size == (1920, 1080) || size == (1280, 720) else {
            node.error("width x height must be 1920x1080 or 1280x720, got \(profile.width)x\(profile.height)")
            return
        }
        guard profile.scan == .interlaced else { return }
        if profile.height != 1080 {
            node.child("scan").error("interlaced profiles are 1920x1080 (1080i), got \(profile.width)x\(profile.height)")
        }
        if ![FrameRate.ntsc30, .fps25, .fps30].contains(profile.frameRate) {
            node.child("fps").error("an interlaced profile counts frames of two fields: 30000/1001, 25 or 30, got \(profile.frameRate)")
        }
    }

    private static func readPreset(_ node: ConfigNode) -> CaptionPreset {
        let name = node.requiredString("name") ?? ""
        let text = node.requiredString("text") ?? ""
        let positionText = node.string("position") ?? Caption.Position.bottom.rawValue
        let styleText = node.string("style") ?? Caption.Style.label.rawValue
        let position = Caption.Position(rawValue: positionText)
        if position == nil {
            node.child("position").error("must be one of \(Caption.Position.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(positionText)\"")
        }
        let style = Caption.Style(rawValue: styleText)
        if style == nil {
            node.child("style").error("must be one of \(Caption.Style.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(styleText)\"")
        }
        node.rejectUnknownKeys()
        return CaptionPreset(name: name, caption: Caption(text: text, position: position ?? .bottom, style: style ?? .label))
    }

    /// Backups name other configured sources; preset names are unique.
    static func crossCheckProgram(_ configuration: RelaydConfiguration, root: ConfigNode) {
        let sourceIDs = configuration.relay.sources.map(\.id)
        for (index, id) in sourceIDs.enumerated() {
            guard let backup = configuration.program.failover[id]?.backup else { continue }
            if backup == id {
                root.child("sources").error("[\(index)].backup names the source itself")
            } else if !sourceIDs.contains(backup) {
                root.child("sources").error("[\(index)].backup names unknown source \"\(backup)\"")
            }
        }
        let names = configuration.program.presets.map(\.name)
        for (index, name) in names.enumerated() where names.firstIndex(of: name) != index {
            root.child("program").error("presets: name \"\(name)\" appears more than once")
        }
    }
}
