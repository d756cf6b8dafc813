import Glibc

/// Everything the relay needs to run, already validated. relayd builds it from YAML; tests build
/// it directly.
public struct RelayConfiguration: Sendable, Equatable {
    /// Where the SRT listener binds.
    public var srtListen: HostPort
    /// Link settings of every connection (`srt.*`); sources, users and push sinks override them.
    public var link: LinkSettings
    /// SRT receive latency in milliseconds of connections that do not override it.
    public var latencyMilliseconds: Int32 {
        get { link.latencyMilliseconds }
        set { link.latencyMilliseconds = newValue }
    }
    /// AES key length in bytes (16, 24 or 32) for encrypted connections.
    public var keyLength: Int32
    /// Field sources in the order operators see them.
    public var sources: [SourceConfiguration]
    /// Credentials for the `u` stream id key.
    public var users: [UserConfiguration]
    /// Who may request the program, and with which passphrase.
    public var program: ProgramAccess
    /// Headquarters deliveries.
    public var sinks: [SinkConfiguration]
    /// Per-reader queue and stall limits.
    public var fanout: FanoutLimits

    public init(
        srtListen: HostPort = HostPort(host: "127.0.0.1", port: 9000),
        latencyMilliseconds: Int32 = 120,
        keyLength: Int32 = 16,
        sources: [SourceConfiguration] = [],
        users: [UserConfiguration] = [],
        program: ProgramAccess = ProgramAccess(),
        sinks: [SinkConfiguration] = [],
        fanout: FanoutLimits = FanoutLimits()
    ) {
        self.srtListen = srtListen
        self.link = LinkSettings(latencyMilliseconds: latencyMilliseconds)
        self.keyLength = keyLength
        self.sources = sources
        self.users = users
        self.program = program
        self.sinks = sinks
        self.fanout = fanout
    }

    /// The resource name readers use for the program feed.
    public static let programResource = "program"

    /// Looks a source up by id.
    public func source(_ id: String) -> SourceConfiguration? { sources.first { $0.id == id } }

    /// Looks a user up by name.
    public func user(_ name: String) -> UserConfiguration? { users.first { $0.name == name } }

    /// The credentials of one resource (a source id or `program`), or nil for an unknown name.
    /// Each resource has its own: an open source does not borrow the program's passphrase.
    public func access(to resource: String) -> ResourceAccess? {
        resource == Self.programResource ? program.access : source(resource)?.access
    }

    /// Every resource name a caller may use: the source ids, then `program`.
    public var resources: [String] { sources.map(\.id) + [Self.programResource] }
}

/// One resource's own credentials.
public struct ResourceAccess: Sendable, Equatable {
    /// The secret of callers that have no passphrase of their own (no `u`, or a user without one).
    public var passphrase: String?
    /// Users allowed on the resource; empty means any caller.
    public var allowedUsers: [String]
    /// For sources: whether a new publisher replaces a live one.
    public var allowTakeover: Bool

    public init(passphrase: String? = nil, allowedUsers: [String] = [], allowTakeover: Bool = false) {
        self.passphrase = passphrase
        self.allowedUsers = allowedUsers
        self.allowTakeover = allowTakeover
    }

    /// Whether the resource asks for credentials at all. A protected resource is reached only with
    /// a secret: a user's name alone authenticates nothing.
    public var isProtected: Bool { passphrase != nil || !allowedUsers.isEmpty }
}

/// A host and port to bind or call.
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses "host:port" (IPv4 literal or name).
    public static func parse(_ text: String) -> HostPort? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : HostPort(host: host, port: port)
    }

    /// True only when nobody else can reach the address: an IPv4 literal in 127.0.0.0/8, the IPv6
    /// loopback `::1` (also written `[::1]` or IPv4-mapped `::ffff:127.x.x.x`), or `localhost`.
    /// Decided on the parsed address, so a name such as `127.example.net` is not loopback.
    public var isLoopback: Bool { Self.isLoopback(host: host) }

    /// See `isLoopback`.
    public static func isLoopback(host: String) -> Bool {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.lowercased() == "localhost" { return true }
        var ipv4 = in_addr()
        if inet_pton(AF_INET, name, &ipv4) == 1 { return UInt32(bigEndian: ipv4.s_addr) >> 24 == 127 }
        var ipv6 = in6_addr()
        guard inet_pton(AF_INET6, name, &ipv6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: ipv6) { Array($0) }
        let loopback = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
        let mappedIPv4Loopback = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
        return loopback || mappedIPv4Loopback
    }

    public var description: String { "\(host):\(port)" }
}

/// A field source: one SRT publisher at a time.
public struct SourceConfiguration: Sendable, Equatable {
    /// What films the feed.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case helicopter, drone, mobile, relay
    }

    public var id: String
    public var kind: Kind
    public var label: String
    /// The source's own secret: for callers that do not name a user, and for users without a
    /// passphrase of their own. Never taken from the program.
    public var passphrase: String?
    /// Users allowed on this source; empty means any caller may use it.
    public var allowedUsers: [String]
    /// Whether a new publisher replaces a live one instead of being refused with 1409.
    public var allowTakeover: Bool
    /// Set when the relay feeds the source itself by calling an upstream SRT listener (another
    /// site's relayd); such a source takes no publishers (1405).
    public var upstream: UpstreamConfiguration?
    /// The publisher's link settings, where they differ from `srt.*`.
    public var link: LinkOverrides

    public init(
        id: String, kind: Kind, label: String, passphrase: String? = nil,
        allowedUsers: [String] = [], allowTakeover: Bool = false, upstream: UpstreamConfiguration? = nil,
        link: LinkOverrides = LinkOverrides()
    ) {
        self.link = link
        self.id = id
        self.kind = kind
        self.label = label
        self.passphrase = passphrase
        self.allowedUsers = allowedUsers
        self.allowTakeover = allowTakeover
        self.upstream = upstream
    }

    /// The source's credentials, as the access policy reads them.
    public var access: ResourceAccess {
        ResourceAccess(passphrase: passphrase, allowedUsers: allowedUsers, allowTakeover: allowTakeover)
    }

    /// Whether any credential protects this source.
    public var isProtected: Bool { access.isProtected }
}

/// A user named by the `u` key: a field team, an HQ, an operator tool.
public struct UserConfiguration: Sendable, Equatable {
    public var name: String
    /// The passphrase this user's connections are encrypted with.
    public var passphrase: String?
    /// Source ids this user may publish; "*" means all.
    public var publish: [String]
    /// Resources (source ids or `program`) this user may request; "*" means all.
    public var request: [String]
    /// The link settings of this user's connections, where they differ from the source's and
    /// `srt.*`.
    public var link: LinkOverrides

    public init(
        name: String, passphrase: String? = nil, publish: [String] = [], request: [String] = [], link: LinkOverrides = LinkOverrides()
    ) {
        self.link = link
        self.name = name
        self.passphrase = passphrase
        self.publish = publish
        self.request = request
    }

    /// Whether the user holds a grant for this resource in this mode.
    public func may(_ mode: StreamID.Mode, _ resource: String) -> Bool {
        let grants = mode == .publish ? publish : request
        return grants.contains("*") || grants.contains(resource)
    }
}

/// Credentials for the program resource.
public struct ProgramAccess: Sendable, Equatable {
    public var passphrase: String?
    public var allowedUsers: [String]

    public init(passphrase: String? = nil, allowedUsers: [String] = []) {
        self.passphrase = passphrase
        self.allowedUsers = allowedUsers
    }

    /// The program's credentials, as the access policy reads them.
    public var access: ResourceAccess { ResourceAccess(passphrase: passphrase, allowedUsers: allowedUsers, allowTakeover: false) }

    public var isProtected: Bool { access.isProtected }
}

/// A headquarters delivery.
public struct SinkConfiguration: Sendable, Equatable {
    /// How the feed reaches the headquarters.
    public enum Delivery: Sendable, Equatable {
        /// The HQ calls in as this user and requests the feed.
        case pull(user: String)
        /// The relay calls the HQ's SRT listener.
        case push(address: HostPort, passphrase: String?, streamID: String?)
    }

    public var id: String
    public var name: String
    /// The resource delivered: `program` or a source id.
    public var feed: String
    public var delivery: Delivery
    /// A push sink's link settings, where they differ from `srt.*` (a pull sink's come from its
    /// user).
    public var link: LinkOverrides

    public init(id: String, name: String, feed: String, delivery: Delivery, link: LinkOverrides = LinkOverrides()) {
        self.link = link
        self.id = id
        self.name = name
        self.feed = feed
        self.delivery = delivery
    }
}

/// Bounds that keep one slow reader from costing anyone else.
public struct FanoutLimits: Sendable, Equatable {
    /// Bytes a reader may have queued before its oldest data is dropped.
    public var queueBytes: Int
    /// How long a reader may make no progress before it is disconnected.
    public var stallMilliseconds: Int
    /// Whether a joining reader gets the current GOP at once.
    public var gopCache: Bool
    /// Consecutive non-MPEG-TS payloads after which a publisher is disconnected.
    public var invalidPayloadLimit: Int
    /// Silence after which a connected publisher counts as stalled.
    public var sourceStallMilliseconds: Int
    /// First and longest wait between push-sink reconnect attempts.
    public var reconnectInitialMilliseconds: Int
    public var reconnectMaximumMilliseconds: Int

    public init(
        queueBytes: Int = 8 << 20, stallMilliseconds: Int = 3000, gopCache: Bool = true,
        invalidPayloadLimit: Int = 200, sourceStallMilliseconds: Int = 1000,
        reconnectInitialMilliseconds: Int = 500, reconnectMaximumMilliseconds: Int = 10_000
    ) {
        self.queueBytes = queueBytes
        self.stallMilliseconds = stallMilliseconds
        self.gopCache = gopCache
        self.invalidPayloadLimit = invalidPayloadLimit
        self.sourceStallMilliseconds = sourceStallMilliseconds
        self.reconnectInitialMilliseconds = reconnectInitialMilliseconds
        self.reconnectMaximumMilliseconds = reconnectMaximumMilliseconds
    }
}
