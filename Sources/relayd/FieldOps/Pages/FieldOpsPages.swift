import FieldOps
import Foundation
import Hummingbird

/// The coordinators' pages under /fieldops: deployments board, kits, stations with fuel
/// gauges, refuel planning. Server-rendered from the same library calls as the API, so the
/// figures on a page are the figures the API returns.
struct FieldOpsPages: Sendable {
    let database: FieldOpsDatabase

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/fieldops") { _, _ in await page { try await deploymentsBoard() } }
        router.get("/fieldops/deployments") { _, _ in await page { try await deploymentsBoard() } }
        router.get("/fieldops/kits") { _, _ in await page { try await kitsPage() } }
        router.get("/fieldops/stations") { _, _ in await page { try await stationsPage() } }
        router.get("/fieldops/refuel") { _, _ in await page { try await refuelPage() } }
        HTML.addAssetRoutes(to: router)
    }

    /// Renders a page, or the error as a short page with the API's wording.
    private func page(_ build: () async throws -> Response) async -> Response {
        do {
            return try await build()
        } catch {
            let mapped = FieldOpsHTTPError(any: error)
            var response = HTML.page(title: ("エラー", "Error"), body: "<p>\(HTML.escape(mapped.message))</p>")
            response.status = mapped.status
            return response
        }
    }

    // MARK: Deployments

    private func deploymentsBoard() async throws -> Response {
        let deployments = try await database.deployments(page: try Page(limit: 500))
        let units = Dictionary(uniqueKeysWithValues: try await database.units(page: try Page(limit: 500)).compactMap { detail in
            detail.unit.id.map { ($0, detail.unit.callsign) }
        })
        let open: [(DeploymentState, String, String)] = [
            (.planned, "計画", "Planned"), (.mobilizing, "出動準備", "Mobilizing"),
            (.active, "活動中", "Active"), (.demobilizing, "撤収中", "Demobilizing"),
        ]
        // Pieces of markup are typed String: GRDB's `[SQL].joined()` is visible here too, and a
        // closure of string interpolations left untyped was inferred as SQL, whose description
        // (escaped quotes and all) then went into the page.
        let columns: String = open.map { state, japanese, english -> String in
            let cards = deployments.filter { $0.state == state }.map { card($0, leadCallsign: units[$0.leadUnitId]) }.joined()
            return "<div class=\"column\"><h2>\(HTML.label(japanese, english))</h2>\(cards)</div>"
        }.joined()
        let finished = deployments.filter { $0.state == .closed || $0.state == .cancelled }.map { deployment in
            [HTML.escape(deployment.incidentName), HTML.escape(deployment.state.rawValue), HTML.time(deployment.updatedAt), transitionButtons(deployment), exportLinks(deployment)]
        }
        let body = """
            <div class="board">\(columns)</div>
            <h2>\(HTML.label("終了・中止", "Closed and cancelled"))</h2>
            \(HTML.table([("事案", "Incident"), ("状態", "State"), ("更新", "Updated"), ("操作", "Actions"), ("ICS", "Exports")], finished))
            """
        return HTML.page(title: ("展開状況", "Deployments board"), body: body)
    }

    private func card(_ deployment: Deployment, leadCallsign: String?) -> String {
        """
        <div class="card"><strong>\(HTML.escape(deployment.incidentName))</strong><br>
        \(HTML.escape(deployment.kind.rawValue)) · \(HTML.escape(deployment.location))<br>
        \(HTML.label("指揮", "Lead")): \(HTML.escape(leadCallsign ?? "?")) · v\(deployment.version)<br>
        \(transitionButtons(deployment))<br>\(exportLinks(deployment))</div>
        """
    }

    private func transitionButtons(_ deployment: Deployment) -> String {
        guard let id = deployment.id else { return "" }
        return deployment.state.allowedTargets.map { target in
            let needsReason = target == .cancelled || (deployment.state == .closed && target == .active)
            return HTML.actionButton(
                Self.japanese(target), target.rawValue, url: "/api/fieldops/deployments/\(id)/transitions",
                body: #"{"to":"\#(target.rawValue)","version":\#(deployment.version)}"#,
                prompt: needsReason ? "reason (理由)" : nil)
        }.joined()
    }

    private func exportLinks(_ deployment: Deployment) -> String {
        guard let id = deployment.id else { return "" }
        return ICSFormNumber.allCases.map { form in
            "<a href=\"/api/fieldops/deployments/\(id)/ics/\(form.rawValue)?format=html\">ICS-\(form.rawValue)</a> (<a href=\"/api/fieldops/deployments/\(id)/ics/\(form.rawValue)?format=csv\">CSV</a>)"
        }.joined(separator: " ")
    }

    private static func japanese(_ state: DeploymentState) -> String {
        switch state {
        case .planned: "計画"
        case .mobilizing: "出動準備"
        case .active: "活動開始"
        case .demobilizing: "撤収"
        case .closed: "終了"
        case .cancelled: "中止"
        }
    }

    // MARK: Kits

    private func kitsPage() async throws -> Response {
        let kits = try await database.kits(page: try Page(limit: 500))
        var rows: [[String]] = []
        for kit in kits {
            guard let id = kit.id else { continue }
            let detail = try await database.kit(id: id)
            let serials: [String] = detail.components.map { $0.serial }
            let missing = kit.missingComponents.isEmpty ? "" : "<span class=\"missing\">\(HTML.label("欠品", "Missing")): \(HTML.escape(kit.missingComponents.joined(separator: ", ")))</span>"
            rows.append([
                HTML.escape(kit.name), HTML.escape(kit.kind.rawValue), HTML.escape(kit.state.rawValue) + " " + missing,
                kit.deploymentId.map { "#\($0)" } ?? "–",
                HTML.escape(serials.joined(separator: ", ")),
                kitActions(detail),
            ])
        }
        let body = HTML.table([("名称", "Kit"), ("種別", "Kind"), ("状態", "State"), ("展開", "Deployment"), ("製造番号", "Serials"), ("操作", "Actions")], rows)
        return HTML.page(title: ("資機材", "Kits"), body: body)
    }

    private func kitActions(_ detail: KitDetail) -> String {
        let kit = detail.kit
        guard let id = kit.id else { return "" }
        var parts: [String] = []
        if kit.state.allowedTargets.contains(.checkedOut) {
            parts.append("""
                <form class="inline api" data-url="/api/fieldops/kits/\(id)/checkout">
                <input type="number" name="version" value="\(kit.version)" hidden>
                <input type="number" name="deployment_id" placeholder="展開 # deployment" required>
                <button>\(HTML.label("貸出", "Check out"))</button></form>
                """)
        }
        if kit.state.allowedTargets.contains(.returned) {
            let boxes: String = detail.components.map {
                "<label><input type=\"checkbox\" name=\"present_serials[]\" value=\"\(HTML.escape($0.serial))\" checked>\(HTML.escape($0.serial))</label>"
            }.joined()
            parts.append("""
                <form class="inline api" data-url="/api/fieldops/kits/\(id)/return">
                <input type="number" name="version" value="\(kit.version)" hidden><span data-empty-list="present_serials"></span>
                \(boxes)<button>\(HTML.label("返却", "Return"))</button></form>
                """)
        }
        for target in kit.state.allowedTargets where target != .checkedOut && target != .returned {
            let needsReason = target == .lost || target == .retired
            parts.append(HTML.actionButton(
                target.rawValue, target.rawValue, url: "/api/fieldops/kits/\(id)/transitions",
                body: #"{"to":"\#(target.rawValue)","version":\#(kit.version)}"#, prompt: needsReason ? "reason (理由)" : nil))
        }
        return parts.joined(separator: " ")
    }

    // MARK: Stations

    private func stationsPage() async throws -> Response {
        let stations = try await database.stations(page: try Page(limit: 500))
        let now = database.now
        let sections: [String] = stations.map { station in
            let access: String = station.accessModes.map { mode -> String in
                "\(HTML.escape(mode.mode.rawValue)) \(UnitConversion.hours(fromSeconds: mode.leadSeconds)) h" + (mode.available ? "" : " <span class=\"missing\">\(HTML.label("不可", "closed"))</span>")
            }.joined(separator: " · ")
            let generators = station.generators.map { generatorRow($0, now: now) }
            return """
                <h2>\(HTML.escape(station.station.name)) <span class="band band-\(station.band.rawValue)">\(station.band.rawValue)</span></h2>
                <p>\(station.station.elevationMetres) m · \(HTML.label("アクセス", "Access")): \(access)<br>\(HTML.escape(station.station.seasonalNotes))</p>
                \(HTML.table([("発電機", "Generator"), ("燃料", "Fuel"), ("残り時間", "Time to empty"), ("発注期限", "Order by"), ("区分", "Band"), ("記録", "Log reading")], generators))
                """
        }
        return HTML.page(title: ("中継所と燃料", "Relay stations and fuel"), body: sections.isEmpty ? "<p>–</p>" : sections.joined())
    }

    private func generatorRow(_ status: GeneratorStatus, now: Date) -> [String] {
        let generator = status.generator
        let capacity = UnitConversion.litres(fromMillilitres: generator.tankCapacityMillilitres)
        var fuel = "–"
        var timeToEmpty = "–"
        if let reading = status.latestReading, let forecast = status.forecast {
            let litres = UnitConversion.litres(fromMillilitres: reading.levelMillilitres)
            fuel = """
                <meter min="0" max="\(capacity)" low="\(capacity * 0.3)" high="\(capacity * 0.6)" optimum="\(capacity)" value="\(litres)"></meter>
                \(litres) / \(capacity) L<br>\(HTML.label("使用可能", "usable")) \(UnitConversion.litres(fromMillilitres: forecast.usableMillilitresAtReading)) L · \(HTML.time(reading.at))
                """
            let hours = { (seconds: Int64?) in seconds.map { "\(UnitConversion.hours(fromSeconds: $0)) h" } ?? "∞" }
            let elapsed = now.unixSeconds - reading.at.unixSeconds
            timeToEmpty = """
                \(hours(forecast.secondsToEmptyAtLoad.map { max(0, $0 - elapsed) })) \(HTML.label("現負荷", "at load"))<br>
                \(hours(forecast.secondsToEmptyAtFullLoad.map { max(0, $0 - elapsed) })) \(HTML.label("全負荷", "at full load"))
                """
        }
        let orderBy = status.forecast?.orderBy.map { HTML.time(Date(unixSeconds: $0)) + " (\(HTML.escape(status.forecast?.access?.mode ?? "")))" } ?? "–"
        let form = """
            <form class="inline api" data-url="/api/fieldops/generators/\(generator.id ?? 0)/readings">
            <input type="number" name="litres" step="0.1" min="0" max="\(capacity)" placeholder="L" required>
            <input type="number" name="load_percent" step="0.1" min="0" max="100" placeholder="%" required>
            <select name="source"><option value="dip">dip 検尺</option><option value="sensor">sensor センサー</option><option value="refuel">refuel 給油後</option><option value="estimate">estimate 推定</option></select>
            <button>\(HTML.label("記録", "Log"))</button></form>
            """
        return [
            "\(HTML.escape(generator.name)) \(UnitConversion.kilowatts(fromWatts: generator.ratedWatts)) kW", fuel, timeToEmpty, orderBy,
            "<span class=\"band band-\(status.band.rawValue)\">\(status.band.rawValue)</span>", form,
        ]
    }

    // MARK: Refuel planning

    private func refuelPage() async throws -> Response {
        let alerts = try await database.alerts()
        var urgency: [[String]] = []
        for station in alerts {
            for status in station.generators {
                guard let id = status.generator.id else { continue }
                let level = status.latestReading?.levelMillilitres ?? 0
                let topUp = UnitConversion.litres(fromMillilitres: max(0, status.generator.tankCapacityMillilitres - level)).rounded(.down)
                urgency.append([
                    HTML.escape(station.station.name), HTML.escape(status.generator.name),
                    "<span class=\"band band-\(status.band.rawValue)\">\(status.band.rawValue)</span>",
                    status.forecast?.orderBy.map { HTML.time(Date(unixSeconds: $0)) } ?? "–",
                    """
                    <form class="inline api" data-url="/api/fieldops/refuel-runs">
                    <input type="number" name="generator_id" value="\(id)" hidden>
                    <input type="number" name="planned_litres" value="\(topUp)" step="1" min="1"> L
                    <button>\(HTML.label("給油提案", "Propose run"))</button></form>
                    """,
                ])
            }
        }
        let runs = try await database.refuelRuns(page: try Page(limit: 200)).map { detail -> [String] in
            let run = detail.run
            let actions = run.state.allowedTargets.map { target -> String in
                let prompt: String? = switch target {
                case .aborted: "reason (weather / access / aircraft)"
                case .delivered: "delivered_litres (給油量 L)"
                default: nil
                }
                return HTML.actionButton(target.rawValue, target.rawValue, url: "/api/fieldops/refuel-runs/\(run.id ?? 0)/transitions",
                                         body: #"{"to":"\#(target.rawValue)","version":\#(run.version)}"#, prompt: prompt)
            }.joined()
            let reconciliation = detail.reconciliation.map { "\(UnitConversion.litres(fromMillilitres: $0.discrepancyMillilitres)) L" } ?? "–"
            return [
                "#\(run.id ?? 0)", HTML.escape(detail.stationName), HTML.escape(run.state.rawValue),
                "\(UnitConversion.litres(fromMillilitres: run.plannedMillilitres)) L", HTML.escape(run.accessMode?.rawValue ?? "–"),
                HTML.escape(run.abortReason.map { "\($0.rawValue) ×\(run.abortCount)" } ?? "–"), reconciliation, actions,
            ]
        }
        let body = """
            <h2>\(HTML.label("緊急度順", "By urgency"))</h2>
            \(HTML.table([("中継所", "Station"), ("発電機", "Generator"), ("区分", "Band"), ("発注期限", "Order by"), ("提案", "Propose")], urgency))
            <h2>\(HTML.label("給油便", "Refuel runs"))</h2>
            \(HTML.table([("便", "Run"), ("中継所", "Station"), ("状態", "State"), ("計画量", "Planned"), ("手段", "Access"), ("中止理由", "Aborts"), ("差異", "Discrepancy"), ("操作", "Actions")], runs))
            """
        return HTML.page(title: ("給油計画", "Refuel planning"), body: body)
    }
}
