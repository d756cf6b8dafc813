import Foundation
import VideoRelay
import Yams

/// relayd's whole configuration: the relay's, plus where the HTTP API listens.
struct RelaydConfiguration: Sendable {
    var relay: RelayConfiguration
    var httpListen: HostPort
    /// Allowed host names, timeouts and the connection cap (the rest of `http:`).
    var httpServer = HTTPServerSettings()
    /// The time zone the pages show times in (`http.display_time_zone`).
    var displayTimeZone = DisplayTimeZone()
    /// The program feed: profile, caption presets, failover (the `program:` section and each
    /// source's `backup` / `failover_ms`).
    var program = ProgramConfiguration()
    /// Control-room and API accounts (`accounts:`); none means open, allowed on loopback only.
    var accounts: [Account] = []
    /// The FieldOps pages' settings (`fieldops:`): the map's tile server.
    var fieldOps = FieldOpsSettings()
    /// Evidence recording (`recording:`, each source's and the program's `record`).
    var recording = RecordingSettings()
    /// Upstream passphrases kept outside the file, by source id; read by
    /// `resolvingUpstreamSecrets()` when relayd starts.
    var upstreamSecrets: [String: ExternalSecret] = [:]
    /// Which site this is (`site:`); its name is the program's service provider.
    var site: SiteIdentity?
    /// Picture health per source id (each source's `health:`).
    var health: [String: PictureHealthSettings] = [:]

    /// Reads and validates YAML. Every error is reported with its key path.
    static func parse(yaml: String) throws -> RelaydConfiguration {
        let errors = ConfigErrors()
        let document: Node?
        do {
            document = try Yams.compose(yaml: yaml)
        } catch {
            throw InvalidConfiguration(errors: [ConfigError(path: "", message: "not valid YAML: \(error)")])
        }
        let root = ConfigNode(document ?? Node.mapping(Node.Mapping([])), path: "", errors: errors)
        let configuration = read(root, errors: errors)
        root.rejectUnknownKeys()
        guard errors.all.isEmpty else { throw InvalidConfiguration(errors: errors.all) }
        return configuration
    }

    /// Reads a configuration file.
    static func load(path: String) throws -> RelaydConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InvalidConfiguration(errors: [ConfigError(path: "", message: "cannot read \(path): \(error.localizedDescription)")])
        }
        return try parse(yaml: text)
    }

    /// The configuration relayd runs with when given none.
    static var embeddedDefault: RelaydConfiguration {
        // The embedded text is part of the program and covered by a test; it cannot fail.
        (try? parse(yaml: embeddedDefaultYAML)) ?? RelaydConfiguration(relay: RelayConfiguration(), httpListen: HostPort(host: "127.0.0.1", port: 8080))
    }

    static let embeddedDefaultYAML = """
        # relayd's embedded default: loopback only, open sources for the sample field units.
        srt:
          listen: 127.0.0.1:9000
          latency_ms: 120
        http:
          listen: 127.0.0.1:8080
        sources:
          - id: heli-1
            kind: helicopter
            label: ヘリ1 (上空)
          - id: drone-1
            kind: drone
            label: ドローン1
          - id: mobile-1
            kind: mobile
            label: 移動カメラ1
        program:
          presets:
            - name: 速報
              text: 速報
              style: banner
              position: top
            - name: 現場上空
              text: 現場上空から中継
            - name: ヘリ1
              text: ヘリ1 (上空) 映像
              style: note
        users:
          - name: hq
            request: [program]
          - name: npa
            request: [program]
          - name: kantei
            request: [program]
        sinks:
          - id: hq
            name: 警察本部
            feed: program
            mode: pull
            user: hq
          - id: npa
            name: 警察庁
            feed: program
            mode: pull
            user: npa
          - id: kantei
            name: 首相官邸
            feed: program
            mode: pull
            user: kantei
        """

    // MARK: - Reading

    private static func read(_ root: ConfigNode, errors: ConfigErrors) -> RelaydConfiguration {
        var relay = RelayConfiguration()
        let srt = root.child("srt")
        relay.srtListen = address(srt, "listen", default: relay.srtListen)
        relay.link = readLinkSettings(srt)
        let keyLength = srt.int("key_length", default: 16, range: 16...32)
        if ![16, 24, 32].contains(keyLength) { srt.child("key_length").error("must be 16, 24 or 32 (AES-128/192/256)") }
        relay.keyLength = Int32(keyLength)
        srt.rejectUnknownKeys()

        let http = root.child("http")
        let httpListen = address(http, "listen", default: HostPort(host: "127.0.0.1", port: 8080))
        let httpServer = readHTTPServer(http)
        let displayTimeZone = readDisplayTimeZone(http)
        http.rejectUnknownKeys()

        relay.users = root.list("users").map(readUser)
        var failover: [String: FailoverRule] = [:]
        var recorded: [String] = []
        var retentionOverrides: [String: RecordingRetention] = [:]
        var upstreamSecrets: [String: ExternalSecret] = [:]
        var health: [String: PictureHealthSettings] = [:]
        relay.sources = root.list("sources").map { node in
            var rule = readFailoverRule(node)
            let sourceHealth = readHealth(node)
            rule.failoverOn = readFailoverOn(node, health: sourceHealth)
            let record = readRecordFlag(node)
            let (source, secret) = readSource(node)
            failover[source.id] = rule
            health[source.id] = sourceHealth
            if record.record { recorded.append(source.id) }
            if !record.retention.isUnlimited { retentionOverrides[source.id] = record.retention }
            if let secret { upstreamSecrets[source.id] = secret }
            return source
        }
        let program = root.child("program")
        let programRecord = readRecordFlag(program)
        if programRecord.record { recorded.append(RelayConfiguration.programResource) }
        if !programRecord.retention.isUnlimited { retentionOverrides[RelayConfiguration.programResource] = programRecord.retention }
        relay.program = ProgramAccess(passphrase: passphrase(program, "passphrase"), allowedUsers: program.strings("users"))
        var programConfiguration = readProgram(program)
        programConfiguration.failover = failover
        let site = readSite(root.child("site"))
        if let site {
            programConfiguration.serviceProvider = site.name
            programConfiguration.siteID = site.id
        }
        program.rejectUnknownKeys()
        relay.sinks = root.list("sinks").map(readSink)
        relay.fanout = readFanout(root.child("fanout"))

        var configuration = RelaydConfiguration(relay: relay, httpListen: httpListen, httpServer: httpServer, program: programConfiguration)
        configuration.accounts = readAccounts(root)
        configuration.fieldOps = readFieldOps(root)
        configuration.displayTimeZone = displayTimeZone
        configuration.recording = readRecording(root.child("recording"), records: recorded)
        configuration.recording.retentionOverrides = retentionOverrides
        configuration.upstreamSecrets = upstreamSecrets
        configuration.site = site
        configuration.health = health
        crossCheck(configuration, root: root)
        crossCheckUpstreams(configuration, root: root)
        crossCheckAccounts(configuration, root: root)
        crossCheckProgram(configuration, root: root)
        crossCheckHealth(configuration, root: root)
        return configuration
    }

    private static func address(_ node: ConfigNode, _ key: String, default value: HostPort) -> HostPort {
        guard let text = node.string(key) else { return value }
        guard let parsed = HostPort.parse(text) else {
            node.child(key).error("must be host:port, got \"\(text)\"")
            return value
        }
        return parsed
    }

    /// SRT passphrases are 10 to 79 characters (libsrt's limit).
    static func passphrase(_ node: ConfigNode, _ key: String) -> String? {
        guard let text = node.string(key) else { return nil }
        guard (10...79).contains(text.utf8.count) else {
            node.child(key).error("must be 10 to 79 characters (SRT passphrase), got \(text.utf8.count)")
            return nil
        }
        return text
    }

    static func identifier(_ node: ConfigNode, _ key: String) -> String {
        let value = node.requiredString(key) ?? ""
        if !value.isEmpty, value.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) || value.contains(",") {
            node.child(key).error("may hold only letters, digits, - and _, got \"\(value)\"")
        }
        return value
    }

    private static func readSource(_ node: ConfigNode) -> (SourceConfiguration, ExternalSecret?) {
        let id = identifier(node, "id")
        let kindText = node.requiredString("kind") ?? ""
        let kind = SourceConfiguration.Kind(rawValue: kindText)
        if kind == nil && !kindText.isEmpty {
            node.child("kind").error("must be one of \(SourceConfiguration.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(kindText)\"")
        }
        let upstream = readUpstream(node.child("pull"))
        let source = SourceConfiguration(
            id: id, kind: kind ?? .mobile, label: node.string("label") ?? id,
            passphrase: passphrase(node, "passphrase"), allowedUsers: node.strings("users"),
            allowTakeover: node.bool("takeover", default: false), upstream: upstream?.0,
            link: readLinkOverrides(node, sending: false))
        node.rejectUnknownKeys()
        return (source, upstream?.1)
    }

    private static func readUser(_ node: ConfigNode) -> UserConfiguration {
        let user = UserConfiguration(
            name: identifier(node, "name"), passphrase: passphrase(node, "passphrase"),
            publish: node.strings("publish"), request: node.strings("request"), link: readLinkOverrides(node, sending: true))
        node.rejectUnknownKeys()
        return user
    }

    private static func readSink(_ node: ConfigNode) -> SinkConfiguration {
        let id = identifier(node, "id")
        let name = node.string("name") ?? id
        let feed = node.string("feed") ?? RelayConfiguration.programResource
        let mode = node.string("mode") ?? "pull"
        let delivery: SinkConfiguration.Delivery
        switch mode {
        case "pull":
            delivery = .pull(user: node.requiredString("user") ?? "")
        case "push":
            let target = address(node, "address", default: HostPort(host: "", port: 0))
            if target.host.isEmpty { node.child("address").error("is required for a push sink (host:port of the HQ's SRT listener)") }
            delivery = .push(address: target, passphrase: passphrase(node, "passphrase"), streamID: node.string("streamid"))
        default:
            node.child("mode").error("must be pull or push, got \"\(mode)\"")
            delivery = .pull(user: "")
        }
        let link = readLinkOverrides(node, sending: true)
        if case .pull(let user) = delivery, !link.isEmpty {
            node.error("link settings (latency_ms, overhead_percent, fec, peer_idle_timeout_ms) of a pull sink belong to its user \"\(user)\": the HQ calls in as that user")
        }
        node.rejectUnknownKeys()
        return SinkConfiguration(id: id, name: name, feed: feed, delivery: delivery, link: link)
    }

    private static func readFanout(_ node: ConfigNode) -> FanoutLimits {
        let limits = FanoutLimits(
            queueBytes: node.int("queue_bytes", default: 8 << 20, range: (256 << 10)...(256 << 20)),
            stallMilliseconds: node.int("stall_ms", default: 3000, range: 500...60_000),
            gopCache: node.bool("gop_cache", default: true),
            invalidPayloadLimit: node.int("invalid_payload_limit", default: 200, range: 1...100_000),
            sourceStallMilliseconds: node.int("source_stall_ms", default: 1000, range: 100...60_000),
            reconnectInitialMilliseconds: node.int("reconnect_initial_ms", default: 500, range: 50...60_000),
            reconnectMaximumMilliseconds: node.int("reconnect_max_ms", default: 10_000, range: 100...600_000))
        node.rejectUnknownKeys()
        return limits
    }

    /// Rules that span sections: names resolve, ids are unique, and nothing is reachable beyond
    /// loopback without credentials.
    private static func crossCheck(_ configuration: RelaydConfiguration, root: ConfigNode) {
        let relay = configuration.relay
        let sourceIDs = relay.sources.map(\.id)
        let userNames = Set(relay.users.map(\.name))
        let resources = Set(sourceIDs + [RelayConfiguration.programResource])
        for (index, id) in sourceIDs.enumerated() where sourceIDs.firstIndex(of: id) != index {
            root.child("sources").error("source id \"\(id)\" appears more than once")
        }
        if sourceIDs.contains(RelayConfiguration.programResource) {
            root.child("sources").error("\"program\" is reserved for the program feed")
        }
        if sourceIDs.contains(RecordingCatalog.exportsName) {
            root.child("sources").error("\"\(RecordingCatalog.exportsName)\" is reserved: /api/recordings/\(RecordingCatalog.exportsName) lists clip exports, so its recordings could not be reached; choose another id")
        }
        for (index, source) in relay.sources.enumerated() {
            for user in source.allowedUsers where !userNames.contains(user) {
                root.child("sources").error("[\(index)].users names unknown user \"\(user)\"")
            }
        }
        for (index, user) in relay.users.enumerated() {
            for resource in user.publish where resource != "*" && !sourceIDs.contains(resource) {
                root.child("users").error("[\(index)].publish names unknown source \"\(resource)\"")
            }
            for resource in user.request where resource != "*" && !resources.contains(resource) {
                root.child("users").error("[\(index)].request names unknown resource \"\(resource)\"")
            }
        }
        for (index, sink) in relay.sinks.enumerated() {
            if !resources.contains(sink.feed) {
                root.child("sinks").error("[\(index)].feed names unknown resource \"\(sink.feed)\"")
            }
            if case .pull(let user) = sink.delivery, !user.isEmpty {
                if let config = relay.user(user) {
                    if !config.may(.request, sink.feed) {
                        root.child("sinks").error("[\(index)].user \"\(user)\" may not request \"\(sink.feed)\"; add it to that user's request list")
                    }
                } else {
                    root.child("sinks").error("[\(index)].user names unknown user \"\(user)\"")
                }
            }
        }
        if !relay.srtListen.isLoopback { refuseOpenSRTAccess(relay, root: root) }
    }
}
