import FieldOps
import Foundation
import Testing
@testable import relayd

/// The FieldOps map's server side: the tile server setting and the policy it opens, the page
/// when Leaflet or the coastline is missing, the map's data, and deployments' coordinates.
/// Tests/Browser/test_fieldops_map.py drives the page itself in Chromium.
@Suite struct FieldOpsMapTests {
    // MARK: fieldops.map.tile_url

    @Test func aTileURLNamesOneOriginForTheContentSecurityPolicy() throws {
        let accepted: [(String, String)] = [
            ("https://gis.example/{z}/{x}/{y}.png", "https://gis.example"),
            ("HTTP://GIS.Example:8443/tiles/{z}/{x}/{-y}.png?style=topo", "http://gis.example:8443"),
            ("http://192.0.2.7/{z}/{x}/{y}{r}.png", "http://192.0.2.7"),
            ("http://[2001:db8::1]:8080/{z}/{x}/{y}.png", "http://[2001:db8::1]:8080"),
        ]
        for (template, origin) in accepted {
            let tiles = try FieldOpsMapSettings.TileServer.parse(template).get()
            #expect(tiles.origin == origin, "\(template)")
            #expect(tiles.template == template)
        }
    }

    @Test func aTileURLThatCouldWidenThePolicyOrBreakLeafletIsRefused() {
        let refused = [
            "https://{s}.tile.example/{z}/{x}/{y}.png",  // several hosts
            "https://gis.example/{z}/{x}/{y}/{style}.png",  // a placeholder Leaflet cannot fill
            "https://gis.example/tiles.png",  // no placeholders
            "javascript:alert(1)//{z}/{x}/{y}",
            "data:image/png;base64,{z}{x}{y}",
            "https://gis.example/{z}/{x}/{y}.png; script-src *",
            "https://gis.example/{z}/{x}/{y}.png' 'unsafe-inline",
            "https://*.example/{z}/{x}/{y}.png",
            "https://user:secret@gis.example/{z}/{x}/{y}.png",
            "https://地図.example/{z}/{x}/{y}.png",
            "//gis.example/{z}/{x}/{y}.png",
        ]
        for template in refused {
            guard case .failure = FieldOpsMapSettings.TileServer.parse(template) else {
                Issue.record("accepted \(template)")
                continue
            }
        }
    }

    @Test func theConfigurationReadsTheTileURLAndRefusesUnknownKeysUnderFieldOps() throws {
        let configuration = try RelaydConfiguration.parse(yaml: "fieldops:\n  map:\n    tile_url: https://gis.example/{z}/{x}/{y}.png\n")
        #expect(configuration.fieldOps.map.imageOrigins == ["https://gis.example"])
        #expect(try RelaydConfiguration.parse(yaml: "http:\n  listen: 127.0.0.1:8080\n").fieldOps.map.tiles == nil)
        do {
            _ = try RelaydConfiguration.parse(yaml: "fieldops:\n  map:\n    tile_url: https://{s}.example/{z}/{x}/{y}.png\n    centre: 35\n  colour: red\n")
            Issue.record("accepted")
        } catch let error as InvalidConfiguration {
            let paths = error.errors.map(\.path)
            #expect(paths.contains("fieldops.map.tile_url"))
            #expect(paths.contains("fieldops.map.centre"))
            #expect(paths.contains("fieldops.colour"))
        }
    }

    @Test func thePolicyAllowsTheTileOriginForImagesOnly() {
        let policy = SecurityHeaders.contentSecurityPolicy(imageOrigins: ["https://gis.example"])
        let directives = Dictionary(uniqueKeysWithValues: policy.split(separator: ";").map { directive in
            let words = directive.split(separator: " ").map(String.init)
            return (words[0], Array(words.dropFirst()))
        })
        #expect(directives["img-src"] == ["'self'", "data:", "https://gis.example"])
        for name in ["default-src", "script-src", "style-src", "connect-src"] {
            #expect(directives[name]?.contains("https://gis.example") == false, "\(name)")
        }
        #expect(!SecurityHeaders.contentSecurityPolicy.contains("gis.example"), "nothing added without a tile server")
    }

    // MARK: the page

    @Test func withoutLeafletThePageSaysWhatToInstallAndLinksNoScript() async throws {
        try await withMap(assets: FieldOpsMapAssets.load(
            leafletDirectory: URL(fileURLWithPath: "/nonexistent/leaflet"), coastlineCandidates: [URL(fileURLWithPath: "/nonexistent/land.geojson")])
        ) { map in
            let html = map.document()
            #expect(html.contains("Leaflet"))
            #expect(html.contains("libjs-leaflet"), "names the Debian package")
            #expect(html.contains("class=\"map-error\" role=\"alert\""))
            #expect(html.contains("Media/map/japan-land.geojson"), "names the missing coastline file")
            #expect(!html.contains("/static/leaflet/leaflet.js"), "no script that is not there")
            #expect(!html.contains(FieldOpsMap.scriptPath))
        }
    }

    @Test func withLeafletAndTheCoastlineThePageLinksThemAndShowsNoError() async throws {
        let assets = FieldOpsMapAssets.load()
        try #require(assets.leafletProblem == nil, "libjs-leaflet is installed (scripts/install-deps)")
        try #require(assets.coastline != nil, "Media/map/japan-land.geojson is found from the test's working directory")
        try await withMap(assets: assets) { map in
            let html = map.document()
            #expect(html.contains(#"<script src="/static/leaflet/leaflet.js" defer></script>"#))
            #expect(html.contains(#"data-coastline="/static/map/japan-land.geojson""#))
            #expect(!html.contains("map-error"))
            #expect(html.contains(#"href="/fieldops/map" aria-current="page""#), "the map is in the FieldOps navigation")
        }
        let land = try JSONSerialization.jsonObject(with: Data(buffer: try #require(assets.coastline).bytes)) as? [String: Any]
        #expect(land?["type"] as? String == "FeatureCollection")
        #expect(try #require(assets.coastline).bytes.readableBytes < 400_000, "a few hundred KB at most")
        let script = String(buffer: try #require(assets.leaflet["leaflet.js"]).bytes)
        #expect(!script.contains("sourceMappingURL"), "no source map Debian does not ship is asked for")
    }

    @Test func theMapScriptParsesNoDataAsMarkup() {
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "bindPopup(`", "html: `"] {
            #expect(!FieldOpsMap.script.contains(sink), "\(sink)")
        }
    }

    // MARK: the data and deployments' coordinates

    @Test(arguments: FieldOpsBackend.allCases)
    func theMapDataCarriesBandsOrderByTimesInTheDisplayZoneLeadTimesAndUnitsOnScene(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            let unit = try await api.post("/api/fieldops/units", #"{"callsign":"MIYAGI-TSU-1","home_base":"Sendai"}"#, expect: .created)["id"].int ?? 0
            let station = try await api.post("/api/fieldops/stations", #"{"name":"Zao relay","latitude":38.14,"longitude":140.44,"elevation_m":1736,"access_modes":[{"mode":"road","lead_hours":6,"available":false},{"mode":"helicopter","lead_hours":2}]}"#, expect: .created)
            let generator = try await api.post("/api/fieldops/stations/\(station["id"].int ?? 0)/generators", #"{"rated_kw":7.5,"tank_litres":100,"usable_fraction":0.9,"reserve_litres":10,"curve":[[25,2],[50,3],[75,4],[100,5]]}"#, expect: .created)
            try await api.post("/api/fieldops/generators/\(generator["id"].int ?? 0)/readings", #"{"litres":60,"load_percent":60,"source":"dip"}"#, expect: .created)
            let placed = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unit),"latitude":38.9,"longitude":141.57}"#, expect: .created)
            let number = placed["deployment"]["id"].int ?? 0
            try await api.post("/api/fieldops/deployments/\(number)/transitions", #"{"to":"mobilizing","version":1}"#, expect: .ok)
            try await api.post("/api/fieldops/deployments/\(number)/check-ins", #"{"unit_id":\#(unit),"assignment":"uplink"}"#, expect: .created)

            let map = try await api.get(FieldOpsMap.featuresPath).json
            let zao = map["stations"][0]
            #expect(zao["band"]["key"].string == "critical")
            #expect(zao["band"]["ja"].string == "危険")
            // The worked example: a 60 L dip at 60 % load on 2026-01-01 00:00 UTC empties in
            // 11.76 h; less the helicopter's 2 h and the 12 h margin, the order-by time was
            // 2025-12-31 21:45:36 UTC, 06:45 in Tokyo: already passed.
            #expect(zao["order_by"]["text"].string == "2026-01-01 06:45 JST")
            #expect(zao["order_by"]["passed"] == .bool(true))
            let modes = zao["access_modes"].array
            #expect(modes.map { $0["mode"]["key"].string } == ["helicopter", "road"])
            #expect(modes.map { $0["lead_hours"].double } == [2, 6])
            #expect(modes.map { $0["available"] } == [.bool(true), .bool(false)])
            #expect(zao["generators"][0]["access_mode"]["en"].string == "Helicopter")
            let flood = map["deployments"][0]
            #expect(flood["state"]["key"].string == "mobilizing")
            #expect(flood["latitude"].double == 38.9 && flood["longitude"].double == 141.57)
            #expect(flood["units"][0]["callsign"].string == "MIYAGI-TSU-1")
            #expect(flood["units"][0]["checked_in"]["text"].string == "2026-01-01 09:00 JST")
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aDeploymentTakesBothCoordinatesOrNeitherAndAnEditCanClearThem(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            let unit = try await api.post("/api/fieldops/units", #"{"callsign":"TSU-1","home_base":"Sendai"}"#, expect: .created)["id"].int ?? 0
            let half = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unit),"longitude":141}"#)
            #expect(half.status == .unprocessableContent)
            #expect(half.json["detail"]["field"].string == "latitude")
            let outside = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unit),"latitude":91,"longitude":141}"#)
            #expect(outside.json["detail"]["field"].string == "latitude")
            #expect(try await api.get("/api/fieldops/deployments").json["items"].array.isEmpty, "nothing written")

            let none = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unit)}"#, expect: .created)
            #expect(none["deployment"]["latitude"].isNull)
            let id = none["deployment"]["id"].int ?? 0
            let placed = try await api.put("/api/fieldops/deployments/\(id)", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unit),"latitude":38.9,"longitude":141.57,"version":1}"#)
            #expect(placed.json["deployment"]["latitude"].double == 38.9)
            #expect(placed.json["deployment"]["version"].int == 2)
            let cleared = try await api.put("/api/fieldops/deployments/\(id)", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unit),"version":2}"#)
            #expect(cleared.json["deployment"]["latitude"].isNull)
            let log = try await api.get("/api/fieldops/deployments/\(id)/activity").json["items"].array.compactMap { $0["text"].string }
            #expect(log.filter { $0 == "Details edited: map position" }.count == 2)
            let audit = try await api.get("/api/fieldops/audit?entity=deployment&id=\(id)").json["items"].array
            #expect(audit.last?["changes"]["latitude"]["from"].double == 38.9, "the audit names the column")
        }
    }

    private func withMap(assets: FieldOpsMapAssets, _ body: (FieldOpsMap) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fieldops-map-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try FieldOpsDatabase.open(at: FieldOpsHTTP.databaseURL(dataDirectory: directory))
        try await body(FieldOpsMap(database: database, zone: DisplayTimeZone().timeZone, settings: FieldOpsMapSettings(), assets: assets))
    }
}
