import Testing
import VideoRelay
@testable import relayd

@Suite struct ProgramConfigTests {
    @Test func programProfilePresetsAndFailoverAreRead() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - {id: heli-1, kind: helicopter, backup: drone-1, failover_ms: 1500}
              - {id: drone-1, kind: drone}
            program:
              slate: /srv/slate.ts
              font: Noto Sans CJK JP
              profile: {width: 1920, height: 1080, fps: 25, video_bitrate: 6000000, gop_frames: 25, x264_preset: faster}
              presets:
                - {name: breaking, text: 速報, position: top, style: banner}
                - {name: place, text: "東京都千代田区"}
            """)
        let program = configuration.program
        #expect(program.profile.width == 1920 && program.profile.height == 1080 && program.profile.frameRate == .fps25)
        #expect(program.profile.x264Preset == "faster")
        #expect(program.slatePath == "/srv/slate.ts")
        #expect(program.rule(for: "heli-1") == FailoverRule(backup: "drone-1", thresholdMilliseconds: 1500))
        #expect(program.rule(for: "drone-1") == FailoverRule(backup: nil, thresholdMilliseconds: 1000))
        #expect(program.preset("breaking")?.caption == Caption(text: "速報", position: .top, style: .banner))
        #expect(program.preset("place")?.caption == Caption(text: "東京都千代田区"))
        #expect(program.instantCut, "instant cuts are the default")
    }

    @Test func instantCutsCanBeTurnedOffAndOnlyWithABoolean() throws {
        let sources = "sources:\n  - {id: heli-1, kind: helicopter}\n"
        #expect(try RelaydConfiguration.parse(yaml: sources + "program: {instant_cut: false}").program.instantCut == false)
        #expect(try RelaydConfiguration.parse(yaml: sources + "program: {instant_cut: true}").program.instantCut)
        #expect(RelaydConfiguration.embeddedDefault.program.instantCut)
        #expect {
            _ = try RelaydConfiguration.parse(yaml: sources + "program: {instant_cut: soon}")
        } throws: { error in
            (error as? InvalidConfiguration)?.errors.contains { $0.path == "program.instant_cut" } == true
        }
    }

    @Test func theEmbeddedDefaultHasTheIssuesProfile() {
        let program = RelaydConfiguration.embeddedDefault.program
        #expect(program.profile == ProgramProfile())
        #expect(program.profile.width == 1920 && program.profile.height == 1080 && program.profile.gopFrames == 30)
        #expect(program.profile.frameRate == FrameRate(30_000, 1001) && program.profile.scan == .progressive, "1080p29.97")
    }

    @Test func programErrorsNameTheirPaths() {
        let yaml = """
            sources:
              - {id: heli-1, kind: helicopter, backup: sat-9, failover_ms: 5}
              - {id: drone-1, kind: drone, backup: drone-1}
            program:
              colour: red
              profile: {width: 1281, x264_preset: warp}
              presets:
                - {name: a, text: x, position: middle, style: huge, size: 3}
                - {name: a, text: y}
            """
        do {
            _ = try RelaydConfiguration.parse(yaml: yaml)
            Issue.record("expected errors")
        } catch let error as InvalidConfiguration {
            let paths = error.errors.map(\.path)
            #expect(paths.contains("sources[0].failover_ms"))
            #expect(error.errors.contains { $0.path == "sources" && $0.message.contains("[0].backup names unknown source \"sat-9\"") })
            #expect(error.errors.contains { $0.path == "sources" && $0.message.contains("[1].backup names the source itself") })
            #expect(paths.contains("program.colour"))
            #expect(paths.contains("program.profile.x264_preset"))
            #expect(error.errors.contains { $0.path == "program.profile" && $0.message.contains("1920x1080 or 1280x720, got 1281x1080") })
            #expect(paths.contains("program.presets[0].position"))
            #expect(paths.contains("program.presets[0].style"))
            #expect(paths.contains("program.presets[0].size"))
            #expect(error.errors.contains { $0.path == "program" && $0.message.contains("\"a\" appears more than once") })
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ("30000/1001", FrameRate(30_000, 1001)), ("29.97", FrameRate(30_000, 1001)), ("60000/1001", FrameRate(60_000, 1001)),
        ("59.94", FrameRate(60_000, 1001)), ("30", FrameRate(30)), ("25", FrameRate(25)), ("50", FrameRate(50)),
    ])
    func broadcastFrameRatesAreReadAsExactFractions(text: String, rate: FrameRate) throws {
        let configuration = try RelaydConfiguration.parse(yaml: "sources:\n  - {id: heli-1, kind: helicopter}\nprogram: {profile: {fps: \"\(text)\"}}")
        #expect(configuration.program.profile.frameRate == rate)
        #expect(configuration.program.profile.frameRate.numerator == rate.numerator, "kept as written, not reduced to a decimal")
    }

    @Test func anInterlacedProfileIs1080iWithFramesOfTwoFields() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - {id: heli-1, kind: helicopter}
            program: {profile: {width: 1920, height: 1080, fps: 30000/1001, scan: interlaced}}
            """)
        #expect(configuration.program.profile.scan == .interlaced)
        #expect(configuration.program.profile.summary == "1920x1080i@30000/1001")
    }

    @Test func profileFormatErrorsSayWhatIsAccepted() {
        let cases: [(String, String, String)] = [
            ("{fps: 29.976}", "program.profile.fps", "must be one of 30000/1001, 60000/1001, 30, 25, 50"),
            ("{fps: 24}", "program.profile.fps", "got \"24\""),
            ("{fps: 30/0}", "program.profile.fps", "must be one of"),
            ("{scan: psf}", "program.profile.scan", "must be one of progressive, interlaced, got \"psf\""),
            ("{width: 1024, height: 576}", "program.profile", "1920x1080 or 1280x720, got 1024x576"),
            ("{width: 1280, height: 720, scan: interlaced}", "program.profile.scan", "interlaced profiles are 1920x1080"),
            ("{fps: 60000/1001, scan: interlaced}", "program.profile.fps", "frames of two fields"),
        ]
        for (profile, path, message) in cases {
            #expect {
                _ = try RelaydConfiguration.parse(yaml: "sources:\n  - {id: heli-1, kind: helicopter}\nprogram: {profile: \(profile)}")
            } throws: { error in
                (error as? InvalidConfiguration)?.errors.contains { $0.path == path && $0.message.contains(message) } == true
            }
        }
    }
}
