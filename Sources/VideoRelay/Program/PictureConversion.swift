/// How a source's pictures become program pictures, decided from the source's format and the
/// profile alone (pure, so it is tested without libav): interlaced sources are deinterlaced
/// before scaling (a scaler would blend the two fields, doubling every moving edge), pictures
/// are fitted into the profile's frame with their display aspect kept (pillarbox or letterbox in
/// black, never stretched), and the frame rate is converted last.
struct PictureConversion: Sendable, Equatable {
    enum Deinterlace: Sendable, Equatable {
        /// Progressive source, or fields kept for an interlaced profile.
        case none
        /// One picture per frame (both fields' time: 1080i29.97 to 1080p29.97).
        case perFrame
        /// One picture per field (1080i29.97 to 59.94p: every field's motion kept).
        case perField
    }

    var deinterlace: Deinterlace
    /// Interlaced in and out: the scaler works on each field on its own.
    var keepsFields: Bool
    /// The picture's size inside the program frame, and where it sits.
    var width: Int
    var height: Int
    var x: Int
    var y: Int
    /// The caption is drawn before the frame-rate filter, which then only passes or repeats
    /// pictures (the source's pictures, or fields, come no faster than the program's). drawtext
    /// writes into its picture, and a picture the fps filter hands on is still held by it (to
    /// repeat it), so a caption drawn after fps copies every picture first; drawn before, it
    /// writes into the deinterlacer's or decoder's picture. With a faster source it stays after
    /// fps, so dropped pictures are not drawn on.
    var captionBeforeRate: Bool
    let profile: ProgramProfile

    /// - Parameters:
    ///   - sampleAspect: the source's pixel aspect as a fraction (0/x when unknown: square).
    ///   - interlaced: the source's pictures are two fields each.
    ///   - frameRate: the source's frame rate (frames, not fields), nil when unknown.
    init(width sourceWidth: Int, height sourceHeight: Int, sampleAspect: (Int, Int), interlaced: Bool, frameRate: FrameRate?, profile: ProgramProfile) {
        self.profile = profile
        if !interlaced {
            deinterlace = .none
            keepsFields = false
        } else if profile.scan == .interlaced {
            deinterlace = .none
            keepsFields = true
        } else {
            // A picture per field when the program shows more pictures a second than the
            // source has frames (by more than half), else a picture per frame.
            let sourceRate = (frameRate ?? profile.frameRate).framesPerSecond
            deinterlace = profile.frameRate.framesPerSecond > sourceRate * 1.5 ? .perField : .perFrame
            keepsFields = false
        }
        if let sourceRate = frameRate?.framesPerSecond {
            let picturesPerSecond = deinterlace == .perField ? sourceRate * 2 : sourceRate
            captionBeforeRate = picturesPerSecond <= profile.frameRate.framesPerSecond * (1 + 1e-9)
        } else {
            captionBeforeRate = false
        }
        let (fitWidth, fitHeight) = Self.fit(
            width: sourceWidth, height: sourceHeight, sampleAspect: sampleAspect, into: (profile.width, profile.height))
        width = fitWidth
        height = fitHeight
        x = (profile.width - fitWidth) / 2 / 2 * 2
        y = (profile.height - fitHeight) / 2 / 2 * 2
    }

    /// The largest even size with the source's display aspect that fits `frame`.
    static func fit(width: Int, height: Int, sampleAspect: (Int, Int), into frame: (Int, Int)) -> (Int, Int) {
        let (sarNum, sarDen) = sampleAspect.0 > 0 && sampleAspect.1 > 0 ? sampleAspect : (1, 1)
        guard width > 0, height > 0 else { return frame }
        // Display width : height = width * sarNum : height * sarDen, compared exactly.
        let displayWidth = width * sarNum
        let displayHeight = height * sarDen
        if displayWidth * frame.1 == frame.0 * displayHeight { return frame }
        if displayWidth * frame.1 > frame.0 * displayHeight {
            // Wider than the frame: full width, black above and below.
            return (frame.0, evenRounded(Double(frame.0) * Double(displayHeight) / Double(displayWidth)))
        }
        // Narrower (4:3, a phone held upright): full height, black left and right.
        return (evenRounded(Double(frame.1) * Double(displayWidth) / Double(displayHeight)), frame.1)
    }

    private static func evenRounded(_ value: Double) -> Int { max(Int((value / 2).rounded()) * 2, 2) }

    /// Whether black bars fill part of the program frame.
    var isBoxed: Bool { width != profile.width || height != profile.height }

    /// The filters with `caption` (drawtext) last, or last before fps when `captionBeforeRate`.
    func steps(caption: FilterChain.Step) -> [FilterChain.Step] {
        var all = steps
        // Drawn after `format`, on the encoder's 4:2:0, so no conversion is added for drawtext.
        guard captionBeforeRate, let rate = all.firstIndex(where: { $0.filter == "fps" }) else { return all + [caption] }
        let fps = all.remove(at: rate)
        return all + [caption, fps]
    }

    /// The conversion's filters, in order, without the caption.
    var steps: [FilterChain.Step] {
        var steps: [FilterChain.Step] = []
        switch deinterlace {
        case .none: break
        case .perFrame: steps.append(.init(filter: "bwdif", options: [("mode", "send_frame"), ("parity", "auto"), ("deint", "all")]))
        case .perField: steps.append(.init(filter: "bwdif", options: [("mode", "send_field"), ("parity", "auto"), ("deint", "all")]))
        }
        steps.append(.init(filter: "scale", options: [("w", "\(width)"), ("h", "\(height)"), ("interl", keepsFields ? "1" : "0")]))
        steps.append(.init(filter: "setsar", options: [("sar", "1")]))
        if isBoxed {
            steps.append(.init(filter: "pad", options: [
                ("w", "\(profile.width)"), ("h", "\(profile.height)"), ("x", "\(x)"), ("y", "\(y)"), ("color", "black"),
            ]))
        }
        steps.append(.init(filter: "fps", options: [("fps", "\(profile.frameRate)")]))
        steps.append(.init(filter: "format", options: [("pix_fmts", "yuv420p")]))
        return steps
    }
}
