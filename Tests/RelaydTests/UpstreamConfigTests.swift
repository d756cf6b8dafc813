import Foundation
import Testing
import VideoRelay
@testable import relayd

/// `pull:` sources and `site:` in the configuration: read, checked, secrets read at start.
@Suite struct UpstreamConfigTests {
    private static let base = """
        site:
          id: npa
          name: 警察庁
        sources:
          - id: shizuoka
            kind: relay
            label: 静岡県警察本部
            pull:
              address: 127.0.0.1:9100
              streamid: "#!::r=program,m=request,u=npa"
              passphrase: npa-secret-123
              latency_ms: 300
          - id: heli-1
            kind: helicopter
        """

    @Test func aPullSourceAndTheSiteAreRead() throws {
        let configuration = try RelaydConfiguration.parse(yaml: Self.base)
        let upstream = try #require(configuration.relay.source("shizuoka")?.upstream)
        #expect(upstream == UpstreamConfiguration(
            address: HostPort(host: "127.0.0.1", port: 9100), streamID: "#!::r=program,m=request,u=npa",
            passphrase: "npa-secret-123", latencyMilliseconds: 300))
        #expect(configuration.relay.source("heli-1")?.upstream == nil)
        #expect(configuration.site == SiteIdentity(id: "npa", name: "警察庁"))
        #expect(configuration.program.serviceProvider == "警察庁")
        #expect(try RelaydConfiguration.parse(yaml: "sources: []").program.serviceProvider == "relayd")
    }

    @Test func pullErrorsNameTheirPaths() {
        let errors = RelaydConfiguration.errors(in: """
            site:
              id: "n p a"
              name: \(String(repeating: "長", count: 30))
            users:
              - name: team
                passphrase: team-secret-1
                publish: [c]
            sources:
              - id: a
                kind: relay
                pull:
                  address: nowhere
                  streamid: "\(String(repeating: "x", count: 513))"
                  passphrase: short
                  latency_ms: 5
                  colour: red
              - id: b
                kind: relay
                pull:
                  streamid: "#!::r=program,m=request"
              - id: c
                kind: relay
                pull:
                  address: 127.0.0.1:9000
                  passphrase: long-enough-secret
                  passphrase_env: UPSTREAM_SECRET
              - id: d
                kind: relay
                pull:
                  address: 127.0.0.1:9000
                  passphrase_file: relative/secret
              - id: e
                kind: relay
                pull:
                  address: 127.0.0.1:9000
                  passphrase_env: "not a name"
            """)
        let expected = [
            "site.id: may hold only letters",
            "site.name: must fit 79 bytes",
            "sources[0].pull.address: must be host:port",
            "sources[0].pull.streamid: must be 1 to 512 bytes",
            "sources[0].pull.passphrase: must be 10 to 79 characters",
            "sources[0].pull.latency_ms: must be between 20 and 8000",
            "sources[0].pull.colour: unknown key",
            "sources[1].pull.address: is required",
            "sources[2].pull: give one of passphrase, passphrase_file and passphrase_env",
            "sources[3].pull.passphrase_file: must be an absolute path",
            "sources[4].pull.passphrase_env: must be an environment variable name",
            "users: [0].publish names \"c\", which is fed from upstream",
        ]
        for prefix in expected {
            #expect(errors.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(errors)")
        }
    }

    @Test func passphrasesKeptOutsideTheFileAreReadAtStart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("upstream-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("secret")
        try "file-secret-123\n".write(to: file, atomically: true, encoding: .utf8)
        let configuration = try RelaydConfiguration.parse(yaml: """
            sources:
              - id: a
                kind: relay
                pull:
                  address: 127.0.0.1:9000
                  passphrase_file: \(file.path)
              - id: b
                kind: relay
                pull:
                  address: 127.0.0.1:9001
                  passphrase_env: UPSTREAM_B
            """)
        #expect(configuration.relay.source("a")?.upstream?.passphrase == nil, "not read while checking the file")
        let resolved = try configuration.resolvingUpstreamSecrets(environment: ["UPSTREAM_B": "env-secret-456"])
        #expect(resolved.relay.source("a")?.upstream?.passphrase == "file-secret-123")
        #expect(resolved.relay.source("b")?.upstream?.passphrase == "env-secret-456")

        try "short\n".write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try configuration.resolvingUpstreamSecrets(environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains("sources[0].pull.passphrase_file: the passphrase must be 10 to 79 characters")
                && text.contains("sources[1].pull.passphrase_env: the environment variable UPSTREAM_B is not set")
        }
    }
}
