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
        #expect(program.profile.width == 1920 && program.profile.height == 1080 && program.profile.framesPerSecond == 25)
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
        #expect(program.profile.width == 1280 && program.profile.videoBitsPerSecond == 4_000_000 && program.profile.gopFrames == 30)
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
            #expect(paths.contains("program.profile"), "odd width")
            #expect(paths.contains("program.presets[0].position"))
            #expect(paths.contains("program.presets[0].style"))
            #expect(paths.contains("program.presets[0].size"))
            #expect(error.errors.contains { $0.path == "program" && $0.message.contains("\"a\" appears more than once") })
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
