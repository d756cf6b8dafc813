import Foundation
import VideoRelay

/// A secret kept outside the configuration file, read when relayd starts.
enum ExternalSecret: Sendable, Equatable {
    /// A file whose first line is the secret (mode 0600, owned by relayd's user).
    case file(String)
    /// An environment variable holding it.
    case environment(String)

    /// Reads the secret; the message names what could not be read, never the value.
    func read(environment variables: [String: String] = ProcessInfo.processInfo.environment) -> Result<String, ConfigErrorMessage> {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init("cannot read \(path)")) }
            let secret = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            return secret.isEmpty ? .failure(.init("\(path) is empty")) : .success(secret)
        case .environment(let name):
            guard let secret = variables[name], !secret.isEmpty else { return .failure(.init("the environment variable \(name) is not set")) }
            return .success(secret)
        }
    }
}

/// Why a secret could not be read.
struct ConfigErrorMessage: Error, Equatable {
    var text: String
    init(_ text: String) { self.text = text }
}

extension RelaydConfiguration {
    /// A source's `pull:` section: the relay feeds the source by calling an upstream SRT
    /// listener. `address` (host:port) is required; `streamid` (at most 512 bytes, SRT's limit),
    /// a passphrase (10 to 79 characters) given inline as `passphrase` or kept outside the file
    /// as `passphrase_file` / `passphrase_env`, and `latency_ms` are optional.
    static func readUpstream(_ node: ConfigNode) -> (UpstreamConfiguration, ExternalSecret?)? {
        guard node.isPresent else { return nil }
        let address = node.requiredString("address").flatMap { text -> HostPort? in
            guard !text.isEmpty else { return nil }
            guard let parsed = HostPort.parse(text) else {
                node.child("address").error("must be host:port of the upstream SRT listener, got \"\(text)\"")
                return nil
            }
            if parsed.port == 0 { node.child("address").error("needs a port other than 0") }
            return parsed
        }
        let streamID = node.string("streamid")
        if let streamID {
            if streamID.isEmpty || streamID.utf8.count > 512 {
                node.child("streamid").error("must be 1 to 512 bytes (SRT stream id), got \(streamID.utf8.count)")
            } else if streamID.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                node.child("streamid").error("may not hold control characters")
            }
        }
        let latency = node.int("latency_ms", default: 0, range: 20...8000)
        let inline = passphrase(node, "passphrase")
        let file = node.string("passphrase_file")
        let environment = node.string("passphrase_env")
        var secret: ExternalSecret?
        switch (inline, file, environment) {
        case (_, nil, nil):
            break
        case (nil, let path?, nil):
            if path.hasPrefix("/") { secret = .file(path) } else { node.child("passphrase_file").error("must be an absolute path, got \"\(path)\"") }
        case (nil, nil, let name?):
            if !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
                secret = .environment(name)
            } else {
                node.child("passphrase_env").error("must be an environment variable name (letters, digits, _), got \"\(name)\"")
            }
        default:
            node.error("give one of passphrase, passphrase_file and passphrase_env, not several")
        }
        node.rejectUnknownKeys()
        guard let address else { return nil }
        let upstream = UpstreamConfiguration(
            address: address, streamID: streamID, passphrase: inline, latencyMilliseconds: latency == 0 ? nil : Int32(latency))
        return (upstream, secret)
    }

    /// The configuration with every upstream passphrase kept outside the file read in, checked
    /// as SRT needs (10 to 79 characters). Every failure is reported with its key path.
    func resolvingUpstreamSecrets(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RelaydConfiguration {
        var resolved = self
        var errors: [ConfigError] = []
        for (index, source) in relay.sources.enumerated() {
            guard let secret = upstreamSecrets[source.id] else { continue }
            let key: String
            switch secret {
            case .file: key = "passphrase_file"
            case .environment: key = "passphrase_env"
            }
            let path = "sources[\(index)].pull.\(key)"
            switch secret.read(environment: environment) {
            case .failure(let message):
                errors.append(ConfigError(path: path, message: message.text))
            case .success(let passphrase) where !(10...79).contains(passphrase.utf8.count):
                errors.append(ConfigError(path: path, message: "the passphrase must be 10 to 79 characters (SRT passphrase), got \(passphrase.utf8.count)"))
            case .success(let passphrase):
                resolved.relay.sources[index].upstream?.passphrase = passphrase
            }
        }
        guard errors.isEmpty else { throw InvalidConfiguration(errors: errors) }
        resolved.upstreamSecrets = [:]
        return resolved
    }

    /// Sources fed from upstream take no publishers: a user's publish grant naming one is a
    /// mistake.
    static func crossCheckUpstreams(_ configuration: RelaydConfiguration, root: ConfigNode) {
        let upstreamSources = Set(configuration.relay.sources.filter { $0.upstream != nil }.map(\.id))
        for (index, user) in configuration.relay.users.enumerated() {
            for resource in user.publish where upstreamSources.contains(resource) {
                root.child("users").error("[\(index)].publish names \"\(resource)\", which is fed from upstream (pull) and takes no publishers")
            }
        }
    }
}
