import FieldOps
import Foundation
import Hummingbird

/// The deployments board (one column per open state) and the page of one deployment: its
/// check-ins (ICS-211), activity log (ICS-214), kits, edits and moves.
extension FieldOpsPages {
    func deploymentsBoard() async throws -> Response {
        let deployments = try await database.deployments(page: try Page(limit: 500))
        let units = try await callsigns()
        let open: [DeploymentState] = [.planned, .mobilizing, .active, .demobilizing]
        var details: [Int64: DeploymentDetail] = [:]
        for deployment in deployments where open.contains(deployment.state) {
            if let id = deployment.id { details[id] = try await database.deployment(id: id) }
        }
        // Pieces of markup are typed String: GRDB's `[SQL].joined()` is visible here too, and a
        // closure of string interpolations left untyped was inferred as SQL, whose description
        // (escaped quotes and all) then went into the page.
        let columns: String = open.map { state -> String in
            let cards: String = deployments.filter { $0.state == state }.compactMap { deployment -> String? in
                guard let id = deployment.id, let detail = details[id] else { return nil }
                return card(detail, leadCallsign: units[deployment.leadUnitId])
            }.joined()
            return "<section class=\"column\" data-key=\"column-\(state.rawValue)\"><h2>\(HTML.label(FieldOpsWords.state(state)))</h2>\(cards)</section>"
        }.joined()
        let finished: [[String]] = deployments.filter { !open.contains($0.state) }.map { deployment -> [String] in
            [
                "<a href=\"/fieldops/deployments/\(deployment.id ?? 0)\">#\(deployment.id ?? 0) \(HTML.escape(deployment.incidentName))</a>",
                Self.stateBadge(FieldOpsWords.state(deployment.state), deployment.state.rawValue), time(deployment.updatedAt),
                transitionControls(deployment, kitsOut: []), exportLinks(deployment),
            ]
        }
        let body = """
            \(createDeploymentForm(units: units))
            <div class="board">\(columns)</div>
            <h2>\(HTML.label("終了・中止", "Closed and cancelled"))</h2>
            \(HTML.table([("事案", "Incident"), ("状態", "State"), ("更新", "Updated"), ("操作", "Actions"), ("ICS", "Exports")], finished))
            """
        return render(("展開状況", "Deployments board"), section: "/fieldops/deployments", body)
    }

    private func card(_ detail: DeploymentDetail, leadCallsign: String?) -> String {
        let deployment = detail.deployment
        let id = deployment.id ?? 0
        let onScene = detail.checkIns.filter { $0.checkedOutAt == nil }.count
        return """
            <article class="card" data-key="deployment-\(id)" id="deployment-\(id)">
            <h3><a href="/fieldops/deployments/\(id)"><span class="number">#\(id)</span> \(HTML.escape(deployment.incidentName))</a></h3>
            <p>\(HTML.label(FieldOpsWords.kind(deployment.kind))) · \(HTML.escape(deployment.location))</p>
            <p>\(HTML.label("指揮", "Lead")): \(HTML.escape(leadCallsign ?? "?")) · \(HTML.label("現場の部隊", "Units on scene")): \(onScene) · \(HTML.label("資機材", "Kits")): \(detail.kits.count)</p>
            <div class="actions">\(transitionControls(deployment, kitsOut: detail.kits.filter(\.state.isOut).map(\.name)))</div>
            <p class="exports">\(exportLinks(deployment))</p>
            </article>
            """
    }

    /// A button per allowed move; moves that need a reason open a small form, and closing is
    /// not offered while kits are out (it would be refused), the kits are named instead.
    func transitionControls(_ deployment: Deployment, kitsOut: [String]) -> String {
        guard let id = deployment.id else { return "" }
        let url = "/api/fieldops/deployments/\(id)/transitions"
        return deployment.state.allowedTargets.map { target -> String in
            let words = FieldOpsWords.move(from: deployment.state, to: target)
            if target == .closed, !kitsOut.isEmpty {
                return "<span class=\"blocked\">\(HTML.label("終了不可: 貸出中の資機材", "Cannot close: kits out")) \(HTML.escape(kitsOut.joined(separator: ", ")))</span>"
            }
            if target == .cancelled || (deployment.state == .closed && target == .active) {
                return Self.reasonForm(url: url, to: target.rawValue, version: deployment.version, words: words, key: "move-\(id)-\(target.rawValue)")
            }
            return HTML.actionButton(words.ja, words.en, url: url, body: #"{"to":"\#(target.rawValue)","version":\#(deployment.version)}"#)
        }.joined(separator: " ")
    }

    func exportLinks(_ deployment: Deployment) -> String {
        guard let id = deployment.id else { return "" }
        return ICSFormNumber.allCases.map { form -> String in
            "<a href=\"/api/fieldops/deployments/\(id)/ics/\(form.rawValue)?format=html\">ICS-\(form.rawValue)</a> (<a href=\"/api/fieldops/deployments/\(id)/ics/\(form.rawValue)?format=csv\">CSV</a>)"
        }.joined(separator: " ")
    }

    private func unitOptions(_ units: [Int64: String], selected: Int64? = nil) -> String {
        units.sorted { $0.value < $1.value }.map { id, callsign -> String in
            "<option value=\"\(id)\"\(id == selected ? " selected" : "")>\(HTML.escape(callsign))</option>"
        }.joined()
    }

    /// The fields of a deployment, for creating one and for editing it.
    private func deploymentFields(units: [Int64: String], deployment: Deployment?) -> String {
        """
        \(HTML.field("種別", "Kind", HTML.select("kind", DeploymentKind.self, selected: deployment?.kind, words: FieldOpsWords.kind)))
        \(HTML.field("事案名", "Incident", "<input name=\"incident_name\" required maxlength=\"200\" value=\"\(HTML.escape(deployment?.incidentName ?? ""))\">"))
        \(HTML.field("場所", "Location", "<input name=\"location\" required maxlength=\"200\" value=\"\(HTML.escape(deployment?.location ?? ""))\">"))
        \(HTML.field("指揮部隊", "Lead unit", "<select name=\"lead_unit_id\" data-type=\"number\" required>\(unitOptions(units, selected: deployment?.leadUnitId))</select>"))
        \(HTML.field("映像ソース", "Video sources", "<input name=\"video_sources\" data-type=\"list\" data-empty=\"keep\"\(HTML.placeholder("heli-1, drone-1", "heli-1, drone-1")) value=\"\(HTML.escape(deployment?.videoSources.joined(separator: ", ") ?? ""))\">"))
        \(HTML.field("緯度（地図、任意）", "Latitude (map, optional)", coordinateInput("latitude", deployment?.latitude, range: 90)))
        \(HTML.field("経度（地図、任意）", "Longitude (map, optional)", coordinateInput("longitude", deployment?.longitude, range: 180)))
        """
    }

    /// Where the deployment is on the map, or that it has no position yet.
    private func mapPosition(_ deployment: Deployment) -> String {
        guard let latitude = deployment.latitude, let longitude = deployment.longitude else {
            return "<span class=\"hint\">\(HTML.label("地図上の位置なし（編集で緯度・経度を入力）", "No map position (enter latitude and longitude under Edit)"))</span>"
        }
        return "<a href=\"/fieldops/map\">\(HTML.label("地図", "Map")) \(latitude), \(longitude)</a>"
    }

    /// An optional coordinate: left empty, the deployment has no place on the map.
    private func coordinateInput(_ name: String, _ value: Double?, range: Int) -> String {
        "<input type=\"number\" name=\"\(name)\" step=\"any\" min=\"-\(range)\" max=\"\(range)\" value=\"\(value.map { "\($0)" } ?? "")\">"
    }

    private func createDeploymentForm(units: [Int64: String]) -> String {
        guard !units.isEmpty else {
            return "<p class=\"hint\">\(HTML.label("展開を記録するには、先に部隊を登録してください。", "Register a unit first to log a deployment.")) <a href=\"/fieldops/units\">\(HTML.label("部隊", "Units"))</a></p>"
        }
        return HTML.disclosure("＋ 展開を記録", "+ Log a deployment", key: "create-deployment", HTML.form(url: "/api/fieldops/deployments", classes: "grid", """
            \(deploymentFields(units: units, deployment: nil))
            \(HTML.submit("記録", "Log deployment"))
            """))
    }

    func deploymentPage(id: Int64) async throws -> Response {
        let detail = try await database.deployment(id: id)
        let activity = try await database.activity(deploymentId: id, period: try OperationalPeriod())
        let units = try await callsigns()
        let deployment = detail.deployment
        let kitsOut = detail.kits.filter(\.state.isOut).map(\.name)
        let checkIns: [[String]] = detail.checkIns.map { checkIn -> [String] in
            let checkOut: String = checkIn.checkedOutAt.map { time($0) } ?? HTML.form(
                url: "/api/fieldops/deployments/\(id)/check-ins/\(checkIn.id ?? 0)/check-out", classes: "inline", """
                \(timeInput("at"))\(HTML.submit("撤収（チェックアウト）", "Check out"))
                """)
            return [HTML.escape(units[checkIn.unitId] ?? "?"), HTML.escape(checkIn.assignment), time(checkIn.checkedInAt), checkOut]
        }
        let canCheckIn = [.mobilizing, .active, .demobilizing].contains(deployment.state)
        let checkInForm = canCheckIn ? HTML.form(url: "/api/fieldops/deployments/\(id)/check-ins", classes: "inline", """
            \(HTML.field("部隊", "Unit", "<select name=\"unit_id\" data-type=\"number\" required>\(unitOptions(units))</select>"))
            \(HTML.field("任務", "Assignment", "<input name=\"assignment\" maxlength=\"200\">"))
            \(HTML.field("到着時刻", "Arrived", timeInput("at")))
            \(HTML.submit("到着記録（チェックイン）", "Check in"))
            """) : "<p class=\"hint\">\(HTML.label("部隊のチェックインは出動準備・活動中・撤収中のみ。", "Units check in while mobilizing, active or demobilizing."))</p>"
        let kits: [[String]] = detail.kits.map { kit -> [String] in
            ["<a href=\"/fieldops/kits#kit-\(kit.id ?? 0)\">\(HTML.escape(kit.name))</a>", HTML.label(FieldOpsWords.kind(kit.kind)), Self.stateBadge(FieldOpsWords.state(kit.state), kit.state.rawValue)]
        }
        let log: [[String]] = activity.map { [time($0.at), HTML.escape($0.author), HTML.escape($0.text)] }
        let body = """
            <p class="facts">\(Self.stateBadge(FieldOpsWords.state(deployment.state), deployment.state.rawValue))
            \(HTML.label(FieldOpsWords.kind(deployment.kind))) · \(HTML.escape(deployment.incidentName)) · \(HTML.escape(deployment.location)) ·
            \(HTML.label("指揮", "Lead")): \(HTML.escape(detail.leadCallsign)) · \(HTML.label("映像", "Video")): \(HTML.escape(deployment.videoSources.joined(separator: ", ")))
            · \(HTML.label("記録", "Logged")) \(time(deployment.createdAt))
            · \(mapPosition(deployment))</p>
            <div class="actions">\(transitionControls(deployment, kitsOut: kitsOut))</div>
            \(HTML.disclosure("編集", "Edit details", key: "edit-deployment", HTML.form(url: "/api/fieldops/deployments/\(id)", method: "PUT", classes: "grid", """
                \(deploymentFields(units: units, deployment: deployment))\(HTML.hiddenNumber("version", deployment.version))
                \(HTML.submit("保存", "Save"))
                """)))
            <p class="exports">\(exportLinks(deployment))</p>
            <h2>\(HTML.label("部隊の到着・撤収 (ICS-211)", "Check-in list (ICS-211)"))</h2>
            \(HTML.table([("部隊", "Unit"), ("任務", "Assignment"), ("到着", "Checked in"), ("撤収", "Checked out")], checkIns, keys: detail.checkIns.map { "check-in-\($0.id ?? 0)" }))
            \(checkInForm)
            <h2>\(HTML.label("資機材", "Kits"))</h2>
            \(HTML.table([("名称", "Kit"), ("種別", "Kind"), ("状態", "State")], kits))
            <h2>\(HTML.label("活動記録 (ICS-214)", "Activity log (ICS-214)"))</h2>
            \(HTML.table([("時刻", "Time"), ("記録者", "By"), ("内容", "Activity")], log, keys: activity.map { "activity-\($0.id ?? 0)" }))
            \(HTML.form(url: "/api/fieldops/deployments/\(id)/activity", classes: "inline note", """
                \(HTML.field("記録", "Note", "<textarea name=\"text\" rows=\"2\" cols=\"50\" required maxlength=\"2000\"></textarea>"))
                \(HTML.field("時刻", "Time", timeInput("at")))
                \(HTML.submit("活動を記録", "Add to log"))
                """))
            """
        return render(("展開 #\(id)", "Deployment #\(id)"), section: "/fieldops/deployments", body)
    }
}
