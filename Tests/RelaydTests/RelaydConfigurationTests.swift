import Foundation
import Testing
import VideoRelay
@testable import relayd

@Suite struct RelaydConfigurationTests {
    @Test func embeddedDefaultIsTheDesignCardsDefault() throws {
        let configuration = try RelaydConfiguration.parse(yaml: RelaydConfiguration.embeddedDefaultYAML)
        #expect(configuration.relay.srtListen == HostPort(host: "127.0.0.1", port: 9000))
        #expect(configuration.httpListen == HostPort(host: "127.0.0.1", port: 8080))
        #expect(configuration.relay.sources.map(\.id) == ["heli-1", "drone-1", "mobile-1"])
        #expect(configuration.relay.sources.map(\.kind) == [.helicopter, .drone, .mobile])
        #expect(configuration.relay.sources.allSatisfy { !$0.isProtected })
        #expect(configuration.relay.sinks.map(\.id) == ["hq", "npa", "kantei"])
        #expect(configuration.relay.sinks.map(\.name) == ["警察本部", "警察庁", "首相官邸"])
        #expect(configuration.relay.sinks.allSatisfy { $0.feed == "program" })
    }

    @Test func everyErrorIsReportedWithItsPath() {
        let yaml = """
            srt:
              listen: nowhere
              latency_ms: 5
              key_length: 20
              colour: blue
            sources:
              - id: heli-1
                kind: submarine
              - id: drone-1
                kind: drone
                passphrase: short
                extra: 1
            sinks:
              - id: hq
                mode: pull
                user: ghost
              - id: npa
                mode: push
            """
        do {
            _ = try RelaydConfiguration.parse(yaml: yaml)
            Issue.record("invalid configuration accepted")
        } catch let error as InvalidConfiguration {
            let text = error.errors.map(\.description)
            let expected = [
                "srt.listen: must be host:port",
                "srt.latency_ms: must be between 20 and 8000, got 5",
                "srt.key_length: must be 16, 24 or 32",
                "srt.colour: unknown key",
                "sources[0].kind: must be one of helicopter, drone, mobile, relay",
                "sources[1].passphrase: must be 10 to 79 characters",
                "sources[1].extra: unknown key",
                "sinks: [0].user names unknown user \"ghost\"",
                "sinks[1].address: is required for a push sink",
            ]
            for line in expected {
                #expect(text.contains { $0.hasPrefix(line) }, "missing: \(line)\nall: \(text)")
            }
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aSourceNamedExportsIsRefusedBecauseTheExportsListWouldShadowItsRecordings() {
        let errors = RelaydConfiguration.errors(in: """
            sources:
              - {id: exports, kind: drone}
              - {id: heli-1, kind: helicopter}
            """)
        #expect(errors.contains { $0.hasPrefix("sources: \"exports\" is reserved: /api/recordings/exports lists clip exports") }, "\(errors)")
        #expect(RelaydConfiguration.errors(in: "sources:\n  - {id: exports-2, kind: drone}\n").isEmpty, "only the exact id is reserved")
    }

    @Test func bindingBeyondLoopbackWithoutCredentialsIsRefused() {
        let yaml = """
            srt:
              listen: 0.0.0.0:9000
            sources:
              - id: heli-1
                kind: helicopter
              - id: drone-1
                kind: drone
                passphrase: drone-passphrase
            """
        #expect {
            try RelaydConfiguration.parse(yaml: yaml)
        } throws: { error in
            let text = (error as? InvalidConfiguration)?.description ?? ""
            return text.contains("(heli-1) has no passphrase or users") && !text.contains("(drone-1)")
                && text.contains("program: needs a passphrase or users")
        }
    }

    @Test func protectedEverywhereMayBindBeyondLoopback() throws {
        let yaml = """
            srt:
              listen: 0.0.0.0:9000
              key_length: 32
            sources:
              - id: heli-1
                kind: helicopter
                passphrase: heli-passphrase-1
            users:
              - name: hq
                passphrase: hq-passphrase-01
                request: [program]
            program:
              users: [hq]
            sinks:
              - id: hq
                user: hq
            """
        let configuration = try RelaydConfiguration.parse(yaml: yaml)
        #expect(configuration.relay.keyLength == 32)
        #expect(configuration.relay.program.allowedUsers == ["hq"])
    }
}
