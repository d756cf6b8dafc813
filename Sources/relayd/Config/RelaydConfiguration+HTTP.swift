import VideoRelay

/// What the HTTP server accepts from the network, beyond its listen address (the rest of the
/// `http:` section).
///
/// ```yaml
/// http:
///   listen: 0.0.0.0:8080
///   allowed_hosts: [relay.example.org, "192.0.2.10:8080"]   # besides the loopback names
///   idle_timeout_ms: 10000    # request head, each body read, and keep-alive idle
///   max_connections: 2048     # default: derived from the open-file limit
/// ```
struct HTTPServerSettings: Sendable, Equatable {
    /// Host names served besides the loopback names and the listen address.
    var allowedHosts: [AllowedHosts.Entry] = []
    /// A connection is closed when it has not finished its request head, sent nothing of its
    /// body, or sat idle between requests for this long. Answers in progress (the control
    /// room's event stream) are not cut.
    var idleTimeout: Duration = .seconds(10)
    /// Open connections at most; nil derives it from the open-file limit at start.
    var maximumConnections: Int?
}

extension RelaydConfiguration {
    static func readHTTPServer(_ http: ConfigNode) -> HTTPServerSettings {
        var settings = HTTPServerSettings()
        let hosts = http.child("allowed_hosts")
        for (index, text) in http.strings("allowed_hosts").enumerated() {
            if let entry = AllowedHosts.Entry.parse(text) {
                settings.allowedHosts.append(entry)
            } else {
                hosts.error("[\(index)] must be a host name, an IPv4 address or a bracketed IPv6 address, with an optional :port; got \"\(text)\"")
            }
        }
        settings.idleTimeout = .milliseconds(http.int("idle_timeout_ms", default: 10_000, range: 1_000...600_000))
        if http.child("max_connections").isPresent {
            settings.maximumConnections = http.int("max_connections", default: 0, range: 16...1_000_000)
        }
        return settings
    }
}
