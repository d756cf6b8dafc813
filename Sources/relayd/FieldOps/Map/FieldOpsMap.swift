import FieldOps
import Foundation
import Hummingbird

/// `/fieldops/map`: relay stations coloured by fuel band, open deployments coloured by state,
/// the units checked in at each; popups give a station's order-by time and access lead times.
/// Leaflet draws it (Debian's libjs-leaflet, served under /static/leaflet/); the base layer is
/// the configured tile server, or the coastline shipped in Media/map/, so the map works with no
/// network at all. The page's data comes from `/fieldops/map/features`, with every time already
/// worded in the display zone, and is reloaded whenever the FieldOps event stream reports a
/// change.
struct FieldOpsMap: Sendable {
    let database: FieldOpsDatabase
    var zone: TimeZone
    var settings: FieldOpsMapSettings
    var assets: FieldOpsMapAssets

    static let scriptPath = "/static/fieldops-map.js"
    static let stylePath = "/static/fieldops-map.css"
    static let coastlinePath = "/static/map/japan-land.geojson"
    static let leafletPrefix = "/static/leaflet/"
    static let featuresPath = "/fieldops/map/features"

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/fieldops/map") { _, _ in await page() }
        router.get(RouterPath(Self.featuresPath)) { _, _ in
            try JSONBody.response(try await features())
        }
        router.get(RouterPath(Self.scriptPath)) { _, _ in Self.served(ByteBuffer(string: Self.script), type: "text/javascript; charset=utf-8") }
        router.get(RouterPath(Self.stylePath)) { _, _ in Self.served(ByteBuffer(string: Self.style), type: "text/css; charset=utf-8") }
        if let coastline = assets.coastline {
            router.get(RouterPath(Self.coastlinePath)) { _, _ in Self.served(coastline.bytes, type: coastline.contentType) }
        }
        for (name, file) in assets.leaflet {
            router.get(RouterPath(Self.leafletPrefix + name)) { _, _ in Self.served(file.bytes, type: file.contentType) }
        }
    }

    private static func served(_ bytes: ByteBuffer, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: ResponseBody(byteBuffer: bytes))
    }

    // MARK: - The page

    /// What the page cannot do, in both languages; nil when everything it needs is there.
    var problems: [String] {
        var problems: [String] = []
        if let leaflet = assets.leafletProblem {
            problems.append(HTML.label("地図を表示できません: 地図ライブラリ Leaflet がありません。", "The map cannot be shown: the Leaflet map library is missing.")
                + " <code>\(HTML.escape(leaflet))</code>")
        }
        if settings.tiles == nil, let coastline = assets.coastlineProblem {
            problems.append(HTML.label("海岸線データがありません（背景なしで表示します）。", "The coastline data is missing (the map shows without a background).")
                + " <code>\(HTML.escape(coastline))</code>")
        }
        return problems
    }

    func page() async -> Response {
        let (body, head) = markup()
        return HTML.page(title: Self.title, body: body, zone: zone, section: "/fieldops/map", head: head)
    }

    /// The page's markup, as `page` sends it.
    func document() -> String {
        let (body, head) = markup()
        return HTML.document(title: Self.title, body: body, zone: zone, section: "/fieldops/map", head: head)
    }

    static let title = ("地図", "Map")

    private func markup() -> (body: String, head: String) {
        let canDraw = assets.leafletProblem == nil
        let head = canDraw ? """

            <link rel="stylesheet" href="\(Self.leafletPrefix)leaflet.css">
            <link rel="stylesheet" href="\(Self.stylePath)">
            <script src="\(Self.leafletPrefix)leaflet.js" defer></script>
            <script src="\(Self.scriptPath)" defer></script>
            """ : "\n<link rel=\"stylesheet\" href=\"\(Self.stylePath)\">"
        let base = settings.tiles.map { " data-tiles=\"\(HTML.escape($0.template))\"" }
            ?? (assets.coastline == nil ? "" : " data-coastline=\"\(Self.coastlinePath)\"")
        let legendBands: String = FuelBand.allCases.map { FieldOpsPages.band($0) }.joined(separator: " ")
        let legendStates: String = Self.openStates.map { state -> String in
            "<span class=\"legend-deployment\"><span class=\"swatch state-\(state.rawValue)\"></span>\(HTML.label(FieldOpsWords.state(state)))</span>"
        }.joined(separator: " ")
        let body = """
            \(problems.map { "<p class=\"map-error\" role=\"alert\">\($0)</p>" }.joined())
            <div class="map-layout">
            <div id="map" class="map" data-key="map" data-own-refresh data-features="\(Self.featuresPath)"\(base)
              role="region" aria-label="地図 / Map"></div>
            <aside class="map-side">
            <h2>\(HTML.label("凡例", "Legend"))</h2>
            <p>\(HTML.label("● 中継所（燃料の区分）", "● Relay stations (fuel band)"))<br>\(legendBands)</p>
            <p>\(HTML.label("■ 展開（状態）と現場の部隊", "■ Deployments (state) and units on scene"))<br>\(legendStates)</p>
            <p class="hint">\(HTML.label("印を押すと発注期限とアクセス手段の所要時間を表示します。", "Click a marker for its order-by time and access lead times."))</p>
            <h2>\(HTML.label("地図上の位置がない展開", "Deployments without a map position"))</h2>
            <ul id="unplaced" class="plain"></ul>
            <p class="hint" id="map-as-of"></p>
            <p class="hint">\(settings.tiles == nil ? HTML.label("背景: Natural Earth 1:50m（パブリックドメイン）", "Background: Natural Earth 1:50m (public domain)") : HTML.label("背景: 設定されたタイルサーバー", "Background: the configured tile server"))</p>
            </aside>
            </div>
            """
        return (body, head)
    }

    /// Deployments shown on the map: those still under way.
    static let openStates: [DeploymentState] = [.planned, .mobilizing, .active, .demobilizing]

    // MARK: - The data

    /// Everything the map draws, with times worded in the display zone.
    func features() async throws -> Features {
        let now = database.now
        let stations = try await database.alerts()
        var deployments: [DeploymentFeature] = []
        let callsigns = Dictionary(uniqueKeysWithValues: try await database.units(page: try Page(limit: 500)).compactMap { detail in
            detail.unit.id.map { ($0, detail.unit.callsign) }
        })
        for deployment in try await database.deployments(page: try Page(limit: 500)) where Self.openStates.contains(deployment.state) {
            guard let id = deployment.id else { continue }
            deployments.append(deploymentFeature(try await database.deployment(id: id), callsigns: callsigns))
        }
        return Features(
            asOf: TimeText(now, zone: zone, now: now),
            stations: stations.map { stationFeature($0, now: now) },
            deployments: deployments)
    }

    private func stationFeature(_ detail: StationDetail, now: Date) -> StationFeature {
        let station = detail.station
        return StationFeature(
            id: station.id ?? 0, name: station.name, latitude: station.latitude, longitude: station.longitude,
            elevationM: station.elevationMetres, seasonalNotes: station.seasonalNotes,
            band: Words(detail.band.rawValue, FieldOpsWords.band(detail.band)),
            orderBy: detail.earliestOrderBy.map { TimeText(Date(unixSeconds: $0), zone: zone, now: now) },
            accessModes: detail.accessModes.map { mode in
                AccessModeFeature(
                    mode: Words(mode.mode.rawValue, FieldOpsWords.mode(mode.mode)),
                    leadHours: UnitConversion.hours(fromSeconds: mode.leadSeconds), available: mode.available)
            },
            generators: detail.generators.map { status in
                GeneratorFeature(
                    id: status.generator.id ?? 0, name: status.generator.name, band: Words(status.band.rawValue, FieldOpsWords.band(status.band)),
                    orderBy: status.forecast?.orderBy.map { TimeText(Date(unixSeconds: $0), zone: zone, now: now) },
                    accessMode: status.forecast?.access.flatMap { AccessModeKind(rawValue: $0.mode) }.map { Words($0.rawValue, FieldOpsWords.mode($0)) })
            })
    }

    private func deploymentFeature(_ detail: DeploymentDetail, callsigns: [Int64: String]) -> DeploymentFeature {
        let deployment = detail.deployment
        let now = database.now
        return DeploymentFeature(
            id: deployment.id ?? 0, incidentName: deployment.incidentName, location: deployment.location,
            latitude: deployment.latitude, longitude: deployment.longitude,
            kind: Words(deployment.kind.rawValue, FieldOpsWords.kind(deployment.kind)),
            state: Words(deployment.state.rawValue, FieldOpsWords.state(deployment.state)),
            leadCallsign: detail.leadCallsign,
            units: detail.checkIns.filter { $0.checkedOutAt == nil }.map { checkIn in
                UnitFeature(
                    checkInId: checkIn.id ?? 0, callsign: callsigns[checkIn.unitId] ?? "?", assignment: checkIn.assignment,
                    checkedIn: TimeText(checkIn.checkedInAt, zone: zone, now: now))
            })
    }

    /// The map's data (`/fieldops/map/features`).
    struct Features: Encodable {
        var asOf: TimeText
        var stations: [StationFeature]
        var deployments: [DeploymentFeature]
    }

    /// A value with its words in both languages.
    struct Words: Encodable {
        var key: String
        var ja: String
        var en: String
        init(_ key: String, _ words: FieldOpsWords.Pair) {
            self.key = key
            ja = words.ja
            en = words.en
        }
    }

    /// A time as the pages show it (display zone and its name), and whether it has passed.
    struct TimeText: Encodable {
        var at: Date
        var text: String
        var passed: Bool
        init(_ date: Date, zone: TimeZone, now: Date) {
            at = date
            text = HTML.displayTime(date, zone: zone)
            passed = date <= now
        }
    }

    struct StationFeature: Encodable {
        var id: Int64
        var name: String
        var latitude: Double
        var longitude: Double
        var elevationM: Int
        var seasonalNotes: String
        var band: Words
        /// The earliest of its generators' order-by times.
        var orderBy: TimeText?
        var accessModes: [AccessModeFeature]
        var generators: [GeneratorFeature]
    }

    struct AccessModeFeature: Encodable {
        var mode: Words
        var leadHours: Double
        var available: Bool
    }

    struct GeneratorFeature: Encodable {
        var id: Int64
        var name: String
        var band: Words
        var orderBy: TimeText?
        /// The access mode its order-by time counts on (the fastest open one).
        var accessMode: Words?
    }

    struct DeploymentFeature: Encodable {
        var id: Int64
        var incidentName: String
        var location: String
        var latitude: Double?
        var longitude: Double?
        var kind: Words
        var state: Words
        var leadCallsign: String
        /// Units checked in and not yet checked out.
        var units: [UnitFeature]
    }

    struct UnitFeature: Encodable {
        var checkInId: Int64
        var callsign: String
        var assignment: String
        var checkedIn: TimeText
    }
}
