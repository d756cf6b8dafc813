import Testing
@testable import VideoRelay

/// How a source's pictures are converted to the profile, decided without libav.
@Suite struct PictureConversionTests {
    static let p1080 = ProgramProfile()

    static func filters(_ conversion: PictureConversion) -> [String] { conversion.steps.map(\.filter) }

    @Test func a1080iSourceIsDeinterlacedBeforeScalingOnePicturePerFrameForA2997Program() {
        let conversion = PictureConversion(
            width: 1920, height: 1080, sampleAspect: (1, 1), interlaced: true, frameRate: .ntsc30, profile: Self.p1080)
        #expect(conversion.deinterlace == .perFrame)
        #expect(Self.filters(conversion) == ["bwdif", "scale", "setsar", "fps", "format"], "bwdif first, no pad")
        #expect(conversion.steps[0].options.contains { $0 == ("mode", "send_frame") })
    }

    @Test func a5994ProgramGetsOnePicturePerField() {
        let conversion = PictureConversion(
            width: 1920, height: 1080, sampleAspect: (1, 1), interlaced: true, frameRate: .ntsc30,
            profile: ProgramProfile(width: 1280, height: 720, frameRate: .ntsc60))
        #expect(conversion.deinterlace == .perField)
        #expect(conversion.steps[0].options.contains { $0 == ("mode", "send_field") })
    }

    @Test func anInterlacedProfileKeepsTheFieldsAndScalesThemApart() {
        let conversion = PictureConversion(
            width: 1440, height: 1080, sampleAspect: (4, 3), interlaced: true, frameRate: .ntsc30, profile: ProgramProfile(scan: .interlaced))
        #expect(conversion.deinterlace == .none && conversion.keepsFields)
        #expect(!Self.filters(conversion).contains("bwdif"))
        #expect(conversion.steps.first { $0.filter == "scale" }?.options.contains { $0 == ("interl", "1") } == true)
        // HDV's 1440x1080 with 4:3 pixels is 16:9: the whole frame, no bars.
        #expect(conversion.width == 1920 && conversion.height == 1080 && !conversion.isBoxed)
    }

    @Test func aVerticalPhonePictureIsPillarboxedAtFullHeight() {
        let conversion = PictureConversion(
            width: 720, height: 1280, sampleAspect: (1, 1), interlaced: false, frameRate: .ntsc30, profile: Self.p1080)
        #expect(conversion.deinterlace == .none)
        // 1080 × 9/16 = 607.5: 608 wide, centred with 656 black columns each side.
        #expect(conversion.width == 608 && conversion.height == 1080 && conversion.x == 656 && conversion.y == 0)
        #expect(Self.filters(conversion) == ["scale", "setsar", "pad", "fps", "format"])
        #expect(conversion.steps.first { $0.filter == "pad" }?.options.contains { $0 == ("color", "black") } == true)
    }

    @Test func fourByThreeIsPillarboxedAndCinemaScopeLetterboxed() {
        let standard = PictureConversion(width: 640, height: 480, sampleAspect: (1, 1), interlaced: false, frameRate: nil, profile: Self.p1080)
        #expect(standard.width == 1440 && standard.height == 1080 && standard.x == 240)
        let wide = PictureConversion(width: 1920, height: 800, sampleAspect: (1, 1), interlaced: false, frameRate: nil, profile: Self.p1080)
        #expect(wide.width == 1920 && wide.height == 800 && wide.y == 140)
        let sd = PictureConversion(width: 720, height: 480, sampleAspect: (0, 1), interlaced: false, frameRate: nil, profile: Self.p1080)
        #expect(sd.width == 1620 && sd.height == 1080, "unknown pixel aspect is square")
    }

    @Test func aMatching16By9SourceIsScaledWithoutBars() {
        let conversion = PictureConversion(
            width: 1280, height: 720, sampleAspect: (1, 1), interlaced: false, frameRate: .fps25, profile: Self.p1080)
        #expect(!conversion.isBoxed)
        #expect(Self.filters(conversion) == ["scale", "setsar", "fps", "format"])
        #expect(conversion.steps.first { $0.filter == "fps" }?.options.contains { $0 == ("fps", "30000/1001") } == true)
    }

    /// drawtext writes into its picture: after fps, which still holds the picture it hands on,
    /// every picture would be copied first. Before fps when fps drops nothing.
    @Test func theCaptionIsDrawnBeforeTheRateFilterUnlessTheSourceIsFaster() {
        let caption = FilterChain.Step(filter: "drawtext", options: [], name: "caption")
        func order(interlaced: Bool, rate: FrameRate?, profile: ProgramProfile) -> [String] {
            PictureConversion(width: 1920, height: 1080, sampleAspect: (1, 1), interlaced: interlaced, frameRate: rate, profile: profile)
                .steps(caption: caption).map(\.filter)
        }
        #expect(order(interlaced: true, rate: .ntsc30, profile: Self.p1080) == ["bwdif", "scale", "setsar", "format", "drawtext", "fps"])
        #expect(order(interlaced: false, rate: .fps25, profile: Self.p1080) == ["scale", "setsar", "format", "drawtext", "fps"], "fps repeats")
        #expect(order(interlaced: true, rate: .ntsc30, profile: ProgramProfile(width: 1280, height: 720, frameRate: .ntsc60)).suffix(2) == ["drawtext", "fps"],
                "one picture per field: as many as the program shows")
        #expect(order(interlaced: false, rate: .ntsc60, profile: Self.p1080).suffix(2) == ["format", "drawtext"], "59.94 to 29.97: fps drops first")
        #expect(order(interlaced: false, rate: .fps30, profile: Self.p1080).suffix(2) == ["format", "drawtext"], "30 is faster than 29.97")
        #expect(order(interlaced: false, rate: nil, profile: Self.p1080).last == "drawtext", "unknown rate: after fps")
    }
}
