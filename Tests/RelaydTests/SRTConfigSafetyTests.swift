import Foundation
import Testing
import VideoRelay
@testable import relayd

/// A configuration that grants anyone an SRT resource without a secret is refused on a
/// listener beyond loopback, by `relayd serve` and by `relayd check-config`, naming the user and
/// the resource; and loopback means a loopback address, not a name that starts like one.
@Suite(.serialized) struct SRTConfigSafetyTests {
    /// Every resource has credentials, yet users without passphrases reach two of them with no
    /// secret: crew on heli-1 (users only) and hq on the program (users only).
    static let namesWithoutSecrets = """
        srt:
          listen: 0.0.0.0:{SRT_PORT}
        http:
          listen: 127.0.0.1:{HTTP_PORT}
        sources:
          - id: heli-1
            kind: helicopter
            users: [crew]
          - id: drone-1
            kind: drone
            passphrase: drone-passphrase-01
        users:
          - name: crew
            publish: [heli-1, drone-1]
          - name: hq
            request: [program, drone-1]
        program:
          users: [hq]
        """

    /// The same with fixed ports, for parsing in process.
    static let namesWithoutSecretsOnPort9000 = namesWithoutSecrets
        .replacingOccurrences(of: "{SRT_PORT}", with: "9000").replacingOccurrences(of: "{HTTP_PORT}", with: "8080")

    @Test func usersWithoutASecretBeyondLoopbackAreNamedWithTheResource() {
        let errors = RelaydConfiguration.errors(in: Self.namesWithoutSecretsOnPort9000)
        #expect(errors.contains { $0.hasPrefix("users: [0] (crew) may publish \"heli-1\" but has no secret for it") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("users: [1] (hq) may request \"program\" but has no secret for it") }, "\(errors)")
        #expect(errors.count == 2, "drone-1 has its own passphrase, which crew and hq use: \(errors)")
    }

    @Test func theSameConfigurationOnLoopbackIsAccepted() throws {
        let configuration = try RelaydConfiguration.parse(yaml: Self.namesWithoutSecretsOnPort9000.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1"))
        // On loopback it starts, and the policy still refuses the secretless ways in.
        let policy = AccessPolicy(configuration: configuration.relay)
        #expect(policy.decide("#!::r=program,m=request,u=hq") == .failure(.unauthorized))
    }

    @Test func aUserWithoutPassphraseOnAResourceWithOneIsSafe() throws {
        // The shape of a common deployment: the program's passphrase covers hq, npa has its own.
        let configuration = try RelaydConfiguration.parse(yaml: """
            srt:
              listen: 0.0.0.0:9000
            sources:
              - id: heli-1
                kind: helicopter
                passphrase: heli-passphrase-01
            users:
              - name: hq
                request: [program]
              - name: npa
                passphrase: npa-passphrase-01
                request: [program]
            program:
              passphrase: program-passphrase-01
              users: [hq, npa]
            """)
        #expect(AccessPolicy(configuration: configuration.relay).grantsWithoutSecret().isEmpty)
    }

    @Test func relaydRefusesToStartAndCheckConfigNamesUserAndResource() async throws {
        let relayd = try RelaydProcess(configYAML: Self.namesWithoutSecrets)
        #expect(try await relayd.waitForExit() == 2)
        #expect(relayd.log.contains("(crew) may publish \"heli-1\" but has no secret for it"), "\(relayd.log)")
        #expect(relayd.log.contains("(hq) may request \"program\" but has no secret for it"), "\(relayd.log)")

        let file = relayd.directory.appendingPathComponent("relayd.yaml")
        let check = try await RelaydProcess.run(["check-config", file.path])
        #expect(check.status == 2)
        #expect(check.output.contains("users: [0] (crew) may publish \"heli-1\" but has no secret for it"), "\(check.output)")
        #expect(check.output.contains("users: [1] (hq) may request \"program\" but has no secret for it"), "\(check.output)")
    }

    @Test func aNameThatStartsWith127IsNotLoopback() async throws {
        // Open sources are allowed on loopback only; a host name that merely starts with "127."
        // resolves wherever its owner likes.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("srt-loopback-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("relayd.yaml")
        try """
            srt:
              listen: 127.attacker.example:9000
            sources:
              - id: heli-1
                kind: helicopter
            """.write(to: file, atomically: true, encoding: .utf8)
        let check = try await RelaydProcess.run(["check-config", file.path])
        #expect(check.status == 2)
        #expect(check.output.contains("(heli-1) has no passphrase or users, but srt.listen 127.attacker.example:9000 is reachable beyond loopback"), "\(check.output)")
        #expect(check.output.contains("program: needs a passphrase or users"), "\(check.output)")
    }

    @Test func theReadmeExampleIsSafeAsWritten() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.range(of: "### Configuration\n"))
        let start = try #require(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let example = String(text[start.upperBound..<end.lowerBound])
        let configuration = try RelaydConfiguration.parse(yaml: example)
        #expect(AccessPolicy(configuration: configuration.relay).grantsWithoutSecret().isEmpty, "no way in but has no secret for it")
        // Moving its SRT listener beyond loopback needs no other change.
        let exposed = example.replacingOccurrences(of: "listen: 127.0.0.1:9000", with: "listen: 0.0.0.0:9000")
        #expect(exposed != example)
        #expect(RelaydConfiguration.errors(in: exposed) == [])
    }
}
