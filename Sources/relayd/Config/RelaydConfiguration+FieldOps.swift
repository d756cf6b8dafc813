import Foundation

/// The FieldOps settings (the `fieldops:` section).
///
/// ```yaml
/// fieldops:
///   # A PostgreSQL shared by several relayd; without it, fieldops.sqlite in the data directory.
///   database: postgres://fieldops@db.example:5432/fieldops
///   # The role's password: a file holding it (one line), or an environment variable.
///   password_file: /etc/relayd/fieldops-password
///   # password_env: RELAYD_FIELDOPS_PASSWORD
///   map:
///     # The agency's own tile server; without it the map draws the coastline shipped with
///     # relayd and loads nothing from the network.
///     tile_url: https://gis.example/{z}/{x}/{y}.png
/// ```
struct FieldOpsSettings: Sendable, Equatable {
    /// The shared PostgreSQL, or nil for SQLite in the data directory.
    var postgres: FieldOpsPostgresSettings?
    var map = FieldOpsMapSettings()
}

/// Where the map's base layer comes from.
struct FieldOpsMapSettings: Sendable, Equatable {
    /// A tile server, or nil for the shipped coastline.
    var tiles: TileServer?

    /// A slippy-map tile URL template and the origin the pages must be allowed to load images from.
    struct TileServer: Sendable, Equatable {
        /// The template as Leaflet takes it: `{z}`, `{x}`, `{y}` (and optionally `{-y}`, `{r}`).
        var template: String
        /// `scheme://host[:port]`, the one origin added to the Content-Security-Policy's img-src.
        var origin: String

        /// The placeholders Leaflet fills in without further options; any other would make it
        /// throw on the first tile.
        static let placeholders = ["{z}", "{x}", "{y}", "{-y}", "{r}"]

        /// Parses a template, or answers why it is refused. The origin goes into a response
        /// header, so only a plain host name, IPv4 or bracketed IPv6 address and a port pass.
        static func parse(_ text: String) -> Result<TileServer, TileURLError> {
            var filled = text
            for placeholder in placeholders { filled = filled.replacingOccurrences(of: placeholder, with: "0") }
            guard !filled.contains("{"), !filled.contains("}") else {
                return .failure(TileURLError("may use only the placeholders \(placeholders.joined(separator: ", ")) (one host: no {s})"))
            }
            guard ["{z}", "{x}"].allSatisfy(text.contains), text.contains("{y}") || text.contains("{-y}") else {
                return .failure(TileURLError("must contain {z}, {x} and {y}"))
            }
            guard !filled.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F || "\"'<>\\^`|;,".unicodeScalars.contains($0) }) else {
                return .failure(TileURLError("must be a plain URL: no spaces, quotes, commas, semicolons or non-ASCII characters"))
            }
            guard let url = URLComponents(string: filled), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme) else {
                return .failure(TileURLError("must be an http or https URL such as https://gis.example/{z}/{x}/{y}.png"))
            }
            guard url.user == nil, url.password == nil else { return .failure(TileURLError("must not carry a user name or password")) }
            // URLComponents may or may not keep an IPv6 host's brackets; the origin always has them.
            let host = (url.host ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            guard isPlainHost(host) else {
                return .failure(TileURLError("must name a host (a DNS name, an IPv4 address or a bracketed IPv6 address)"))
            }
            var origin = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)"
            if let port = url.port {
                guard (1...65535).contains(port) else { return .failure(TileURLError("has a port out of range")) }
                origin += ":\(port)"
            }
            return .success(TileServer(template: text, origin: origin))
        }

        private static func isPlainHost(_ host: String) -> Bool {
            guard !host.isEmpty, !host.hasPrefix("."), !host.hasPrefix("-") else { return false }
            if host.contains(":") { return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
            return host.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." }
        }
    }

    /// Why a tile URL was refused.
    struct TileURLError: Error, Equatable {
        var message: String
        init(_ message: String) { self.message = message }
    }

    /// Origins the pages may load images from besides their own.
    var imageOrigins: [String] { tiles.map { [$0.origin] } ?? [] }
}

extension RelaydConfiguration {
    static func readFieldOps(_ root: ConfigNode) -> FieldOpsSettings {
        var settings = FieldOpsSettings()
        let fieldOps = root.child("fieldops")
        settings.postgres = readFieldOpsDatabase(fieldOps)
        let map = fieldOps.child("map")
        if let text = map.string("tile_url"), !text.isEmpty {
            switch FieldOpsMapSettings.TileServer.parse(text) {
            case .success(let tiles): settings.map.tiles = tiles
            case .failure(let error): map.child("tile_url").error("\(error.message), got \"\(text)\"")
            }
        }
        map.rejectUnknownKeys()
        fieldOps.rejectUnknownKeys()
        return settings
    }
}
