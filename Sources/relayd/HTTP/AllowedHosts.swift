import Hummingbird
import VideoRelay

/// The host names relayd answers to. A browser names the host of the page's URL in `Host`, so a
/// page on `evil.example` whose name was re-pointed at 127.0.0.1 (DNS rebinding) still says
/// `Host: evil.example`; refusing names relayd is not known by keeps such a page from driving
/// the API, whatever the Origin.
///
/// The loopback names (`localhost`, `127.0.0.1`, `[::1]`) and the listen address are always
/// allowed; `http.allowed_hosts` adds the names relayd is reached by beyond loopback (the
/// reverse proxy's public name, the machine's address). An entry without a port matches the
/// name alone or with the listen port; an entry with a port matches only that port.
struct AllowedHosts: Sendable, Equatable {
    /// One allowed name, lowercased, with an optional port.
    struct Entry: Sendable, Equatable, CustomStringConvertible {
        var host: String
        var port: UInt16?

        var description: String { port.map { "\(host):\($0)" } ?? host }

        /// Parses `name`, `name:port`, an IPv4 literal or a bracketed IPv6 literal (`[::1]:8080`).
        /// Wildcards are not accepted: every allowed name is written out.
        static func parse(_ text: String) -> Entry? {
            guard let (host, port) = AllowedHosts.split(text.lowercased()) else { return nil }
            guard isHostName(host) || isBracketedIPv6(host) else { return nil }
            return Entry(host: host, port: port)
        }

        private static func isHostName(_ host: String) -> Bool {
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            return host.utf8.count <= 253 && labels.allSatisfy { label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
            }
        }

        private static func isBracketedIPv6(_ host: String) -> Bool {
            guard host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 else { return false }
            let inner = host.dropFirst().dropLast()
            return inner.contains(":") && inner.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
        }
    }

    /// The names every relayd answers to.
    static let loopbackNames = ["localhost", "127.0.0.1", "[::1]"]

    let entries: [Entry]
    let listenPort: UInt16

    /// Loopback names, the listen address, then `configured`.
    init(listen: HostPort, configured: [Entry] = []) {
        listenPort = listen.port
        var entries = Self.loopbackNames.map { Entry(host: $0, port: nil) }
        if let listenHost = Entry.parse(listen.host), !entries.contains(listenHost) { entries.append(listenHost) }
        entries += configured.filter { !entries.contains($0) }
        self.entries = entries
    }

    /// Whether a request naming `authority` (the Host header) is served. A missing Host is
    /// refused: every HTTP/1.1 client sends one.
    func allows(authority: String?) -> Bool {
        guard let authority, let (host, port) = Self.split(authority.lowercased()) else { return false }
        // "localhost." names the same host as "localhost" (a fully qualified name).
        let name = host.hasSuffix(".") && host.count > 1 ? String(host.dropLast()) : host
        return entries.contains { entry in
            // Listening on port 0 (a free port picked at start), any port stands for it.
            entry.host == name && (entry.port.map { $0 == port } ?? (port == nil || port == listenPort || listenPort == 0))
        }
    }

    /// Splits `host[:port]` and `[v6]:port`; nil when the port is not a number.
    fileprivate static func split(_ text: String) -> (host: String, port: UInt16?)? {
        var host = Substring(text)
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[...close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (String(host), nil) }
        guard let port = UInt16(portText), port > 0 else { return nil }
        return (String(host), port)
    }
}

/// Answers 421 Misdirected Request to a request for a host name relayd does not serve, before
/// anything else looks at it (authentication included), in every mode.
struct AllowedHostsMiddleware<Context: RequestContext>: RouterMiddleware {
    let hosts: AllowedHosts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard hosts.allows(authority: request.head.authority) else {
            let named = request.head.authority.map { "Host \"\($0.prefix(100))\" is" } ?? "a request without Host is"
            throw APIError(.misdirectedRequest, "misdirected request", detail: "\(named) not served here (see http.allowed_hosts)")
        }
        return try await next(request, context)
    }
}
