import FieldOps
import Foundation
import Hummingbird

/// Relay stations (access modes, generators with their fuel gauges and forecasts, readings)
/// and refuel planning (generators by urgency, runs through their lifecycle).
extension FieldOpsPages {
    func stationsPage() async throws -> Response {
        let stations = try await database.stations(page: try Page(limit: 500))
        let now = database.now
        let sections: String = stations.map { stationSection($0, now: now) }.joined()
        let body = """
            \(HTML.disclosure("＋ 中継所を登録", "+ Register a station", key: "create-station", HTML.form(url: "/api/fieldops/stations", classes: "grid", """
                \(stationFields(nil))
                <fieldset data-group="access_modes" data-requires="lead_hours"><legend>\(HTML.label("アクセス手段（所要時間が空欄の手段は無し）", "Access modes (leave the lead time empty where there is none)"))</legend>
                \(AccessModeKind.allCases.map { mode -> String in
                    """
                    <div data-item class="access-row"><input type="hidden" data-key="mode" value="\(mode.rawValue)">\(HTML.label(FieldOpsWords.mode(mode)))
                    \(HTML.field("所要時間 (h)", "Lead time (h)", "<input type=\"number\" data-key=\"lead_hours\" min=\"0\" step=\"0.25\">"))
                    <label><input type="checkbox" data-key="available" data-type="bool" checked> \(HTML.label("使用可", "open"))</label></div>
                    """
                }.joined())
                </fieldset>
                \(HTML.submit("登録", "Register"))
                """)))
            \(stations.isEmpty ? "<p>–</p>" : sections)
            """
        return render(("中継所と燃料", "Relay stations and fuel"), section: "/fieldops/stations", body)
    }

    private func stationFields(_ station: RelayStation?) -> String {
        func number(_ name: String, _ value: String, step: String) -> String {
            "<input type=\"number\" name=\"\(name)\" step=\"\(step)\" required value=\"\(HTML.escape(value))\">"
        }
        return """
            \(HTML.field("名称", "Name", "<input name=\"name\" required maxlength=\"100\" value=\"\(HTML.escape(station?.name ?? ""))\">"))
            \(HTML.field("緯度", "Latitude", number("latitude", station.map { "\($0.latitude)" } ?? "", step: "any")))
            \(HTML.field("経度", "Longitude", number("longitude", station.map { "\($0.longitude)" } ?? "", step: "any")))
            \(HTML.field("標高 (m)", "Elevation (m)", number("elevation_m", station.map { "\($0.elevationMetres)" } ?? "", step: "1")))
            \(HTML.field("季節の注意", "Seasonal notes", "<input name=\"seasonal_notes\" data-empty=\"keep\" maxlength=\"500\" value=\"\(HTML.escape(station?.seasonalNotes ?? ""))\">"))
            """
    }

    private func stationSection(_ detail: StationDetail, now: Date) -> String {
        let station = detail.station
        let id = station.id ?? 0
        let accessURL = "/api/fieldops/stations/\(id)/access-modes"
        let modes: [[String]] = detail.accessModes.map { mode -> [String] in
            let state = mode.available ? HTML.label("使用可", "Open") : "<span class=\"missing\">\(HTML.label("閉鎖", "Closed"))</span>"
            let toggle = mode.available ? ("閉鎖する", "Close") : ("開通する", "Open")
            return [
                HTML.label(FieldOpsWords.mode(mode.mode)), Self.hours(mode.leadSeconds), state,
                HTML.actionButton(toggle.0, toggle.1, url: "\(accessURL)/\(mode.mode.rawValue)", body: #"{"available":\#(!mode.available),"version":\#(station.version)}"#, method: "PUT")
                    + " " + HTML.form(url: "\(accessURL)/\(mode.mode.rawValue)", method: "PUT", classes: "inline", """
                    <input type="hidden" name="available" data-type="bool" value="\(mode.available)">\(HTML.hiddenNumber("version", station.version))
                    <input type="number" name="lead_hours" min="0" step="0.25" required value="\(UnitConversion.hours(fromSeconds: mode.leadSeconds))" aria-label="lead hours"> h
                    \(HTML.submit("所要時間を変更", "Set lead time"))
                    """),
            ]
        }
        let missingModes = AccessModeKind.allCases.filter { mode in !detail.accessModes.contains { $0.mode == mode } }
        let addMode = missingModes.isEmpty ? "" : HTML.form(url: "\(accessURL)/{mode}", method: "PUT", classes: "inline", """
            <select name="mode">\(missingModes.map { HTML.option($0.rawValue, FieldOpsWords.mode($0)) }.joined())</select>
            <input type="number" name="lead_hours" min="0" step="0.25" required\(HTML.placeholder("所要時間 h", "lead h"))>
            <label><input type="checkbox" name="available" data-type="bool" checked> \(HTML.label("使用可", "open"))</label>\(HTML.hiddenNumber("version", station.version))
            \(HTML.submit("手段を追加", "Add access mode"))
            """)
        let generators = detail.generators.map { generatorRow($0, now: now) }
        return """
            <section class="station" id="station-\(id)" data-key="station-\(id)">
            <h2>\(HTML.escape(station.name)) \(Self.band(detail.band))</h2>
            <p>\(station.elevationMetres) m · \(station.latitude), \(station.longitude)\(station.seasonalNotes.isEmpty ? "" : " · " + HTML.escape(station.seasonalNotes))</p>
            \(HTML.table([("アクセス手段", "Access mode"), ("所要時間", "Lead time"), ("状態", "State"), ("操作", "Actions")], modes, keys: detail.accessModes.map { "mode-\(id)-\($0.mode.rawValue)" }))
            \(addMode)
            \(HTML.table([("発電機", "Generator"), ("燃料", "Fuel"), ("残り時間（現在から）", "Time to empty (from now)"), ("消費", "Burn rate"), ("発注期限", "Order by"), ("区分", "Band"), ("残量を記録", "Log reading")], generators, keys: detail.generators.map { "generator-\($0.generator.id ?? 0)" }))
            <div class="actions">
            \(HTML.disclosure("中継所を編集", "Edit station", key: "edit-station-\(id)", HTML.form(url: "/api/fieldops/stations/\(id)", method: "PUT", classes: "grid", """
                \(stationFields(station))\(HTML.hiddenNumber("version", station.version))
                \(HTML.submit("保存", "Save"))
                """)))
            \(HTML.disclosure("＋ 発電機を追加", "+ Add a generator", key: "add-generator-\(id)", HTML.form(url: "/api/fieldops/stations/\(id)/generators", classes: "grid", """
                \(generatorFields(nil))
                \(HTML.submit("追加", "Add generator"))
                """)))
            </div>
            </section>
            """
    }

    private func generatorFields(_ generator: Generator?) -> String {
        func number(_ name: String, _ value: Double?, step: String, min: String = "0") -> String {
            "<input type=\"number\" name=\"\(name)\" step=\"\(step)\" min=\"\(min)\" required value=\"\(value.map { "\($0)" } ?? "")\">"
        }
        let curve = generator?.curve.map { point in
            "\(UnitConversion.percent(fromPermille: point.loadPermille)): \(UnitConversion.litres(fromMillilitres: point.millilitresPerHour))"
        }.joined(separator: "\n") ?? ""
        return """
            \(HTML.field("名称", "Name", "<input name=\"name\" required maxlength=\"100\" value=\"\(HTML.escape(generator?.name ?? "G1"))\">"))
            \(HTML.field("定格出力 (kW)", "Rated output (kW)", number("rated_kw", generator.map { UnitConversion.kilowatts(fromWatts: $0.ratedWatts) }, step: "0.1")))
            \(HTML.field("燃料", "Fuel", HTML.select("fuel_type", FuelType.self, selected: generator?.fuelType, words: FieldOpsWords.fuel)))
            \(HTML.field("タンク容量 (L)", "Tank (L)", number("tank_litres", generator.map { UnitConversion.litres(fromMillilitres: $0.tankCapacityMillilitres) }, step: "0.1")))
            \(HTML.field("使用可能率 (0–1)", "Usable fraction (0–1)", number("usable_fraction", generator.map { Double($0.usableFractionPermille) / 1000 } ?? 0.9, step: "0.01")))
            \(HTML.field("予備量 (L)", "Reserve (L)", number("reserve_litres", generator.map { UnitConversion.litres(fromMillilitres: $0.reserveMillilitres) } ?? 0, step: "0.1")))
            \(HTML.field("記録間隔 (h)", "Reading interval (h)", number("reading_interval_hours", generator.map { UnitConversion.hours(fromSeconds: $0.readingIntervalSeconds) } ?? 24, step: "0.5", min: "0.5")))
            \(HTML.field("燃費曲線（1行に1点: 負荷%: L/h）", "Burn curve (one a line: load %: litres per hour)",
                "<textarea name=\"curve\" data-type=\"lines\" data-shape=\"curve\" rows=\"4\" cols=\"20\" required\(HTML.placeholder("25: 2\n50: 3\n75: 4\n100: 5", "25: 2\n50: 3\n75: 4\n100: 5"))>\(HTML.escape(curve))</textarea>"))
            """
    }

    private func generatorRow(_ status: GeneratorStatus, now: Date) -> [String] {
        let generator = status.generator
        let id = generator.id ?? 0
        let band = status.band.rawValue
        var fuel = "<meter class=\"gauge band-\(band)\" min=\"0\" max=\"1\" value=\"0\"></meter> –"
        var timeToEmpty = "–"
        var burn = "–"
        if let reading = status.latestReading, let forecast = status.forecast {
            let capacity = UnitConversion.litres(fromMillilitres: generator.tankCapacityMillilitres)
            let litres = UnitConversion.litres(fromMillilitres: reading.levelMillilitres)
            fuel = """
                <meter class="gauge band-\(band)" min="0" max="\(capacity)" value="\(litres)"></meter>
                <span class="level">\(Self.litres(reading.levelMillilitres)) / \(Self.litres(generator.tankCapacityMillilitres))</span><br>
                \(HTML.label("使用可能", "usable")) \(Self.litres(forecast.usableMillilitresAtReading)) · \(HTML.label(FieldOpsWords.source(reading.source))) \(time(reading.at))
                """
            let elapsed = now.unixSeconds - reading.at.unixSeconds
            timeToEmpty = """
                \(Self.hours(forecast.secondsToEmptyAtLoad.map { max(0, $0 - elapsed) })) \(HTML.label("現負荷", "at load"))<br>
                \(Self.hours(forecast.secondsToEmptyAtFullLoad.map { max(0, $0 - elapsed) })) \(HTML.label("全負荷", "at full load"))
                """
            let observed = status.observedMillilitresPerHour.map { "\(Self.litres($0))/h" }
                ?? "<span class=\"hint\">\(HTML.label("データ不足", "not enough data"))</span>"
            burn = """
                \(Self.litres(forecast.millilitresPerHourAtLoad))/h \(HTML.label("曲線", "curve")) (\(UnitConversion.percent(fromPermille: reading.loadPermille)) %)<br>
                \(observed) \(HTML.label("実績", "observed"))
                """
        }
        let access = status.forecast?.access.flatMap { AccessModeKind(rawValue: $0.mode) }.map { " (\(HTML.label(FieldOpsWords.mode($0))))" } ?? ""
        let form = HTML.form(url: "/api/fieldops/generators/\(id)/readings", classes: "inline reading", """
            <input type="number" name="litres" step="0.1" min="0" max="\(UnitConversion.litres(fromMillilitres: generator.tankCapacityMillilitres))" required aria-label="litres"\(HTML.placeholder("残量 L", "litres"))>
            <input type="number" name="load_percent" step="0.1" min="0" max="100" required aria-label="load percent"\(HTML.placeholder("負荷 %", "load %"))>
            \(HTML.select("source", ReadingSource.self, selected: .dip, words: FieldOpsWords.source))
            \(timeInput("at"))
            \(HTML.submit("記録", "Log"))
            """)
        let edit = HTML.disclosure("発電機を編集", "Edit generator", key: "edit-generator-\(id)", HTML.form(url: "/api/fieldops/generators/\(id)", method: "PUT", classes: "grid", """
            \(generatorFields(generator))\(HTML.hiddenNumber("version", generator.version))
            \(HTML.submit("保存", "Save"))
            """))
        return [
            "\(HTML.escape(generator.name)) <small>\(UnitConversion.kilowatts(fromWatts: generator.ratedWatts)) kW \(HTML.label(FieldOpsWords.fuel(generator.fuelType)))</small>",
            fuel, timeToEmpty, burn, orderBy(status.forecast?.orderBy, now: now) + access, Self.band(status.band), form + edit,
        ]
    }

    func refuelPage() async throws -> Response {
        let stations = try await database.alerts()
        let now = database.now
        let runs = try await database.refuelRuns(page: try Page(limit: 200))
        let openRuns = Dictionary(grouping: runs.filter { ![.closed, .cancelled].contains($0.run.state) }, by: \.run.generatorId)
        let generatorNames = Dictionary(uniqueKeysWithValues: stations.flatMap(\.generators).compactMap { status in status.generator.id.map { ($0, status.generator.name) } })
        let modesByStation = Dictionary(uniqueKeysWithValues: stations.compactMap { station in station.station.id.map { ($0, station.accessModes) } })
        var urgency: [[String]] = []
        var urgencyKeys: [String] = []
        for station in stations {
            for status in station.generators {
                guard let id = status.generator.id else { continue }
                let level = status.latestReading?.levelMillilitres ?? 0
                let topUp = UnitConversion.litres(fromMillilitres: max(0, status.generator.tankCapacityMillilitres - level)).rounded(.down)
                let open = openRuns[id] ?? []
                let openText = open.map { "#\($0.run.id ?? 0) \(FieldOpsWords.state($0.run.state).ja)" }.joined(separator: ", ")
                let openTextEnglish = open.map { "#\($0.run.id ?? 0) \(FieldOpsWords.state($0.run.state).en)" }.joined(separator: ", ")
                let confirm: (String, String)? = open.isEmpty ? nil : (
                    "\(station.station.name) \(status.generator.name) には未完了の給油便があります（\(openText)）。もう一便提案しますか？",
                    "\(station.station.name) \(status.generator.name) already has an open refuel run (\(openTextEnglish)). Propose a second one?")
                urgencyKeys.append("urgency-\(id)")
                urgency.append([
                    HTML.escape(station.station.name), HTML.escape(status.generator.name), Self.band(status.band),
                    orderBy(status.forecast?.orderBy, now: now),
                    open.isEmpty ? "–" : open.map { "#\($0.run.id ?? 0) \(HTML.label(FieldOpsWords.state($0.run.state)))" }.joined(separator: ", "),
                    HTML.form(url: "/api/fieldops/refuel-runs", confirm: confirm, classes: "inline propose", """
                        \(HTML.hiddenNumber("generator_id", id))
                        <input type="number" name="planned_litres" value="\(topUp)" step="1" min="1" required aria-label="planned litres"> L
                        <input name="note" maxlength="500"\(HTML.placeholder("メモ", "note"))>
                        \(HTML.submit("給油提案", "Propose run"))
                        """),
                ])
            }
        }
        let runRows: [[String]] = runs.map { detail -> [String] in
            let run = detail.run
            let modes = modesByStation[run.stationId] ?? []
            var travel = run.accessMode.map { HTML.label(FieldOpsWords.mode($0)) } ?? "–"
            if let departs = run.departsAt {
                travel += "<br>\(HTML.label("出発", "Departs")) \(time(departs))"
                if let lead = modes.first(where: { $0.mode == run.accessMode })?.leadSeconds {
                    travel += "<br>\(HTML.label("到着予定", "ETA")) \(time(departs.addingTimeInterval(TimeInterval(lead))))"
                }
            }
            let delivered = run.deliveredMillilitres.map { "\(Self.litres($0))<br>\(time(run.deliveredAt))" } ?? "–"
            let aborts = run.abortReason.map { "\(HTML.label(FieldOpsWords.reason($0))) ×\(run.abortCount)" } ?? "–"
            let note = run.note.isEmpty ? "" : "<br><small>\(HTML.escape(run.note))</small>"
            let reconciliation = detail.reconciliation.map { "\(Self.litres($0.discrepancyMillilitres))" } ?? "–"
            return [
                "#\(run.id ?? 0)", "\(HTML.escape(detail.stationName)) \(HTML.escape(generatorNames[run.generatorId] ?? ""))",
                Self.stateBadge(FieldOpsWords.state(run.state), run.state.rawValue) + note, Self.litres(run.plannedMillilitres), travel, delivered, aborts,
                reconciliation, runActions(detail, modes: modes),
            ]
        }
        let body = """
            <h2>\(HTML.label("緊急度順", "By urgency"))</h2>
            \(HTML.table([("中継所", "Station"), ("発電機", "Generator"), ("区分", "Band"), ("発注期限", "Order by"), ("未完了の便", "Open runs"), ("提案", "Propose")], urgency, keys: urgencyKeys))
            <h2>\(HTML.label("給油便", "Refuel runs"))</h2>
            \(HTML.table([("便", "Run"), ("中継所", "Station"), ("状態", "State"), ("計画量", "Planned"), ("手段・出発・到着予定", "Access, departure, ETA"), ("給油量", "Delivered"), ("中断", "Aborts"), ("差異", "Discrepancy"), ("操作", "Actions")], runRows, keys: runs.map { "run-\($0.run.id ?? 0)" }))
            """
        return render(("給油計画", "Refuel planning"), section: "/fieldops/refuel", body)
    }

    private func runActions(_ detail: RefuelRunDetail, modes: [StationAccessMode]) -> String {
        let run = detail.run
        let id = run.id ?? 0
        let url = "/api/fieldops/refuel-runs/\(id)/transitions"
        let parts: [String] = run.state.allowedTargets.map { target -> String in
            let words = FieldOpsWords.move(to: target)
            let head = "<input type=\"hidden\" name=\"to\" value=\"\(target.rawValue)\">\(HTML.hiddenNumber("version", run.version))"
            switch target {
            case .scheduled:
                let open = modes.filter(\.available)
                guard !open.isEmpty else {
                    return "<span class=\"blocked\">\(HTML.label("使用可能なアクセス手段がありません", "No access mode is open"))</span>"
                }
                let options = open.map { HTML.option($0.mode.rawValue, FieldOpsWords.mode($0.mode)) }.joined()
                return HTML.disclosure(words.ja, words.en, key: "schedule-\(id)", HTML.form(url: url, classes: "inline", """
                    \(head)\(HTML.field("手段", "Access", "<select name=\"access_mode\">\(options)</select>"))
                    \(HTML.field("出発", "Departs", timeInput("departs_at")))\(HTML.submit(words.ja, words.en))
                    """))
            case .delivered:
                return HTML.disclosure(words.ja, words.en, key: "deliver-\(id)", HTML.form(url: url, classes: "inline", """
                    \(head)\(HTML.field("給油量 (L)", "Delivered (L)", "<input type=\"number\" name=\"delivered_litres\" min=\"0.1\" step=\"0.1\" required value=\"\(UnitConversion.litres(fromMillilitres: run.plannedMillilitres))\">"))
                    \(HTML.field("給油時刻", "Delivered at", timeInput("delivered_at")))\(HTML.submit(words.ja, words.en))
                    """))
            case .aborted:
                return HTML.disclosure(words.ja, words.en, key: "abort-\(id)", HTML.form(url: url, classes: "inline", """
                    \(head)\(HTML.field("理由", "Reason", HTML.select("reason", AbortReason.self, words: FieldOpsWords.reason)))
                    \(HTML.field("メモ", "Note", "<input name=\"note\" maxlength=\"500\">"))\(HTML.submit(words.ja, words.en))
                    """))
            case .cancelled:
                return HTML.disclosure(words.ja, words.en, key: "cancel-\(id)", HTML.form(url: url, classes: "inline", """
                    \(head)\(HTML.field("メモ", "Note", "<input name=\"note\" maxlength=\"500\">"))\(HTML.submit(words.ja, words.en))
                    """))
            case .closed where detail.reconciliation == nil:
                // Refused until a reading after the delivery exists: say so instead.
                return "<span class=\"blocked\">\(HTML.label("締めるには給油後の残量記録が必要", "Log a reading after the delivery to close"))</span>"
            case .proposed, .enRoute, .closed:
                return HTML.actionButton(words.ja, words.en, url: url, body: #"{"to":"\#(target.rawValue)","version":\#(run.version)}"#)
            }
        }
        return "<div class=\"actions\">" + parts.joined(separator: " ") + "</div>"
    }
}
