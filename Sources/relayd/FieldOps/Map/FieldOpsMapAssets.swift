import Foundation
import Logging
import NIOCore

/// The files the map needs besides relayd's own: Leaflet from Debian's `libjs-leaflet`, and the
/// coastline shipped in `Media/map/`. Both are read once at start; a missing one is reported on
/// the map page (and in the log) rather than failing relayd, whose other pages do not need it.
struct FieldOpsMapAssets: Sendable {
    /// A file as served.
    struct File: Sendable {
        var bytes: ByteBuffer
        var contentType: String
    }

    /// Leaflet's files by their path below /static/leaflet/ ("leaflet.js", "images/layers.png").
    var leaflet: [String: File] = [:]
    /// Why Leaflet cannot be served, in words for the operator; nil when it can.
    var leafletProblem: String?
    /// The land and coastline layer (GeoJSON) drawn when no tile server is configured.
    var coastline: File?
    /// Why the coastline cannot be served; nil when it can.
    var coastlineProblem: String?

    /// Where Debian's libjs-leaflet installs Leaflet.
    static let leafletDirectory = URL(fileURLWithPath: "/usr/share/javascript/leaflet", isDirectory: true)
    /// The files the map page links to or Leaflet's style sheet refers to.
    static let leafletFiles = [
        "leaflet.js", "leaflet.css", "images/layers.png", "images/layers-2x.png",
        "images/marker-icon.png", "images/marker-icon-2x.png", "images/marker-shadow.png",
    ]
    /// The shipped coastline, relative to the project's root.
    static let coastlineFile = "Media/map/japan-land.geojson"

    /// Reads Leaflet from `leafletDirectory` and the coastline from the first of `coastlineCandidates` that exists.
    static func load(leafletDirectory: URL = leafletDirectory, coastlineCandidates: [URL] = defaultCoastlineCandidates()) -> FieldOpsMapAssets {
        var assets = FieldOpsMapAssets()
        for name in leafletFiles {
            let url = leafletDirectory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                if name == "leaflet.js" || name == "leaflet.css" {
                    assets.leafletProblem = "\(url.path) cannot be read: install Debian's libjs-leaflet (scripts/install-deps) and restart relayd"
                    assets.leaflet = [:]
                    break
                }
                continue  // an image Leaflet's style sheet names but the map does not use
            }
            assets.leaflet[name] = File(bytes: ByteBuffer(bytes: withoutSourceMapComment(data, name: name)), contentType: contentType(name))
        }
        if let url = coastlineCandidates.first(where: { FileManager.default.isReadableFile(atPath: $0.path) }),
           let data = FileManager.default.contents(atPath: url.path) {
            assets.coastline = File(bytes: ByteBuffer(bytes: data), contentType: "application/geo+json")
        } else {
            assets.coastlineProblem = "\(coastlineFile) was not found in the working directory nor beside relayd's executable: run relayd from the project's folder"
        }
        return assets
    }

    /// The working directory, then the folders above the executable (`.build/<triple>/debug/relayd`
    /// sits three levels below the project's root).
    static func defaultCoastlineCandidates() -> [URL] {
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(coastlineFile)]
        if var folder = Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent() {
            for _ in 0..<5 {
                candidates.append(folder.appendingPathComponent(coastlineFile))
                folder = folder.deletingLastPathComponent()
            }
        }
        return candidates
    }

    /// Logs what the map page will show as missing.
    func logProblems(to logger: Logger) {
        if let leafletProblem { logger.warning("the FieldOps map cannot run", metadata: ["map.problem": "\(leafletProblem)"]) }
        if let coastlineProblem { logger.warning("the FieldOps map has no coastline", metadata: ["map.problem": "\(coastlineProblem)"]) }
    }

    /// Debian ships Leaflet without the source maps its files name; the comment is dropped so a
    /// browser's developer tools do not ask relayd for a file it does not have.
    private static func withoutSourceMapComment(_ data: Data, name: String) -> [UInt8] {
        guard name.hasSuffix(".js") || name.hasSuffix(".css"), let text = String(data: data, encoding: .utf8) else { return Array(data) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
            !(line.hasPrefix("//# sourceMappingURL=") || line.hasPrefix("/*# sourceMappingURL="))
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    private static func contentType(_ name: String) -> String {
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        return "image/png"
    }
}
