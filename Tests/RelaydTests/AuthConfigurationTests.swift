import Foundation
import Testing
@testable import relayd

/// The `accounts:` list of relayd's YAML and the rule that the HTTP API leaves loopback only
/// with accounts.
@Suite struct AuthConfigurationTests {
    static let passwordHash = "pbkdf2-sha256$10000$rmLA3qt04a2bWXSn8ZZoXA==$lqSR0RH+e3oDGxHsRUi4XzeRX8Qco56GP4fujTybXlM="
    static let tokenHash = "sha256$1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62"

    private func errors(_ yaml: String) -> [String] {
        do {
            _ = try RelaydConfiguration.parse(yaml: yaml)
            return []
        } catch let error as InvalidConfiguration {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func accountsWithPasswordsAndTokensAreRead() throws {
        let configuration = try RelaydConfiguration.parse(yaml: """
            http:
              listen: 0.0.0.0:8080
            accounts:
              - name: sato
                role: operator
                password_hash: \(Self.passwordHash)
              - name: ingest.script
                role: viewer
                token_hash: \(Self.tokenHash)
              - name: ito
                role: admin
                password_hash: \(Self.passwordHash)
                token_hash: \(TokenHash(token: "ito's own token"))
            """)
        #expect(configuration.accounts.map(\.name) == ["sato", "ingest.script", "ito"])
        #expect(configuration.accounts.map(\.role) == [.operator, .viewer, .admin])
        #expect(configuration.accounts[0].passwordHash?.verify("secret pass") == true)
        #expect(configuration.accounts[0].tokenHash == nil)
        #expect(configuration.accounts[1].tokenHash?.verify("tok") == true)
        #expect(configuration.accounts[2].passwordHash != nil && configuration.accounts[2].tokenHash != nil)
    }

    @Test func badRolesHashesKeysAndMissingCredentialsAreReportedWithTheirPaths() {
        let found = errors("""
            accounts:
              - name: sato
                role: director
                password_hash: \(Self.passwordHash)
              - name: ito
                role: admin
                password_hash: hunter2
              - name: kato
                role: viewer
                token_hash: \(Self.tokenHash)
                password: secret
              - name: mori
                role: coordinator
              - name: sato
                role: viewer
                token_hash: sha256$abc
            """)
        #expect(found.contains("accounts[0].role: must be one of viewer, operator, coordinator, admin, got \"director\""))
        #expect(found.contains { $0.hasPrefix("accounts[1].password_hash: must be pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>") })
        #expect(found.contains { $0.hasPrefix("accounts[2].password: unknown key") })
        #expect(found.contains("accounts[3]: needs a password_hash or a token_hash (see relayd hash-password)"))
        #expect(found.contains { $0.hasPrefix("accounts[4].token_hash: must be sha256$<64 hex digits>") })
        #expect(found.contains("accounts: [4].name \"sato\" appears more than once"))
        #expect(found.count == 6, "\(found)")
    }

    @Test func httpBeyondLoopbackNeedsAccounts() {
        #expect(errors("http:\n  listen: 0.0.0.0:8080\n") == [
            "http.listen: 0.0.0.0:8080 is beyond loopback, but no accounts are configured; add accounts (see relayd hash-password) or bind it to 127.0.0.1",
        ])
        #expect(errors("http:\n  listen: 127.0.0.1:8080\n").isEmpty, "loopback may run open")
        #expect(RelaydConfiguration.embeddedDefault.accounts.isEmpty, "the embedded default stays open on loopback")
        #expect(RelaydConfiguration.embeddedDefault.httpListen.isLoopback)
    }
}
