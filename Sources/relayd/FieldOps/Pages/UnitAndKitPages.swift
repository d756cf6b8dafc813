import FieldOps
import Foundation
import Hummingbird

/// Units (callsign, home base, members and their qualifications) and kits (components,
/// check-out, return, inspection and service).
extension FieldOpsPages {
    func unitsPage() async throws -> Response {
        let units = try await database.units(page: try Page(limit: 500))
        let rows: [[String]] = units.map { detail -> [String] in
            let unit = detail.unit
            let members: String = detail.members.map { member -> String in
                "<li>\(HTML.escape(member.name))" + (member.qualifications.isEmpty ? "" : " — \(HTML.escape(member.qualifications.joined(separator: ", ")))") + "</li>"
            }.joined()
            let edit = HTML.disclosure("編集", "Edit", key: "edit-unit-\(unit.id ?? 0)", HTML.form(url: "/api/fieldops/units/\(unit.id ?? 0)", method: "PUT", classes: "grid", """
                \(unitFields(detail))\(HTML.hiddenNumber("version", unit.version))
                \(HTML.submit("保存", "Save"))
                """))
            return [HTML.escape(unit.callsign), HTML.escape(unit.homeBase), "<ul class=\"plain\">\(members)</ul>", edit]
        }
        let body = """
            \(HTML.disclosure("＋ 部隊を登録", "+ Register a unit", key: "create-unit", HTML.form(url: "/api/fieldops/units", classes: "grid", """
                \(unitFields(nil))
                \(HTML.submit("登録", "Register"))
                """)))
            \(HTML.table([("呼出符号", "Callsign"), ("所属", "Home base"), ("隊員と資格", "Members and qualifications"), ("操作", "Actions")], rows, keys: units.map { "unit-\($0.unit.id ?? 0)" }))
            """
        return render(("部隊", "Units"), section: "/fieldops/units", body)
    }

    private func unitFields(_ detail: UnitDetail?) -> String {
        let members = detail?.members.map { member in
            member.name + (member.qualifications.isEmpty ? "" : ": " + member.qualifications.joined(separator: ", "))
        }.joined(separator: "\n") ?? ""
        return """
            \(HTML.field("呼出符号", "Callsign", "<input name=\"callsign\" required maxlength=\"100\" value=\"\(HTML.escape(detail?.unit.callsign ?? ""))\">"))
            \(HTML.field("所属", "Home base", "<input name=\"home_base\" required maxlength=\"200\" value=\"\(HTML.escape(detail?.unit.homeBase ?? ""))\">"))
            \(HTML.field("隊員（1行に1人: 氏名: 資格, 資格）", "Members (one a line: name: qualification, qualification)",
                "<textarea name=\"members\" data-type=\"lines\" data-shape=\"members\" data-empty=\"keep\" rows=\"4\" cols=\"40\"\(HTML.placeholder("佐藤 健: 衛星, 運転", "Sato Ken: satellite, driver"))>\(HTML.escape(members))</textarea>"))
            """
    }

    func kitsPage() async throws -> Response {
        let kits = try await database.kits(page: try Page(limit: 500))
        let openDeployments = try await database.deployments(page: try Page(limit: 500)).filter { ![.closed, .cancelled].contains($0.state) }
        var rows: [[String]] = []
        for kit in kits {
            guard let id = kit.id else { continue }
            let detail = try await database.kit(id: id)
            let components: String = detail.components.map { component -> String in
                let missing = kit.missingComponents.contains(component.serial) ? " <span class=\"missing\">\(HTML.label("欠品", "missing"))</span>" : ""
                return "<li>\(HTML.escape(component.serial))" + (component.description.isEmpty ? "" : " — \(HTML.escape(component.description))") + "\(missing)</li>"
            }.joined()
            let incomplete = kit.state == .returned && !kit.missingComponents.isEmpty
                ? "<br><span class=\"missing\">\(HTML.label("欠品あり", "Returned incomplete")): \(HTML.escape(kit.missingComponents.joined(separator: ", ")))</span>" : ""
            let loan = detail.loans.first.map { loan -> String in
                "<br><small>\(HTML.label("貸出", "Out")) \(time(loan.checkedOutAt)) \(HTML.escape(loan.checkedOutBy))" + (loan.returnedAt.map { " · \(HTML.label("返却", "back")) \(time($0))" } ?? "") + "</small>"
            } ?? ""
            rows.append([
                "<span id=\"kit-\(id)\">\(HTML.escape(kit.name))</span><br><small>\(HTML.label(FieldOpsWords.kind(kit.kind)))</small>",
                Self.stateBadge(FieldOpsWords.state(kit.state), kit.state.rawValue) + incomplete + loan,
                kit.deploymentId.map { "<a href=\"/fieldops/deployments/\($0)\">#\($0)</a>" } ?? "–",
                "<ul class=\"plain\">\(components)</ul>",
                kitActions(detail),
            ])
        }
        let datalist: String = openDeployments.map { deployment -> String in
            "<option value=\"\(deployment.id ?? 0)\" label=\"#\(deployment.id ?? 0) \(HTML.escape(deployment.incidentName))\"></option>"
        }.joined()
        let body = """
            \(HTML.disclosure("＋ 資機材を登録", "+ Register a kit", key: "create-kit", HTML.form(url: "/api/fieldops/kits", classes: "grid", """
                \(kitFields(nil))
                \(HTML.submit("登録", "Register"))
                """)))
            <datalist id="open-deployments">\(datalist)</datalist>
            \(HTML.table([("名称", "Kit"), ("状態", "State"), ("展開", "Deployment"), ("構成品", "Components"), ("操作", "Actions")], rows, keys: kits.map { "kit-\($0.id ?? 0)" }))
            """
        return render(("資機材", "Kits"), section: "/fieldops/kits", body)
    }

    private func kitFields(_ detail: KitDetail?) -> String {
        let components = detail?.components.map { $0.serial + ($0.description.isEmpty ? "" : ": " + $0.description) }.joined(separator: "\n") ?? ""
        return """
            \(HTML.field("名称", "Name", "<input name=\"name\" required maxlength=\"100\" value=\"\(HTML.escape(detail?.kit.name ?? ""))\">"))
            \(HTML.field("種別", "Kind", HTML.select("kind", KitKind.self, selected: detail?.kit.kind, words: FieldOpsWords.kind)))
            \(HTML.field("構成品（1行に1点: 製造番号: 品名）", "Components (one a line: serial: description)",
                "<textarea name=\"components\" data-type=\"lines\" data-shape=\"components\" data-empty=\"keep\" rows=\"4\" cols=\"40\"\(HTML.placeholder("TERM-100: 端末", "TERM-100: terminal"))>\(HTML.escape(components))</textarea>"))
            """
    }

    private func kitActions(_ detail: KitDetail) -> String {
        let kit = detail.kit
        guard let id = kit.id else { return "" }
        let transitions = "/api/fieldops/kits/\(id)/transitions"
        var parts: [String] = []
        for target in kit.state.allowedTargets {
            let words = FieldOpsWords.move(to: target)
            switch target {
            case .checkedOut:
                parts.append(HTML.form(url: "/api/fieldops/kits/\(id)/checkout", classes: "inline", """
                    \(HTML.hiddenNumber("version", kit.version))
                    <input type="number" name="deployment_id" list="open-deployments" min="1" required\(HTML.placeholder("展開 #", "Deployment #")) value="\(kit.deploymentId.map(String.init) ?? "")">
                    \(HTML.submit(words.ja, words.en))
                    """))
            case .reserved:
                parts.append(HTML.form(url: transitions, classes: "inline", """
                    <input type="hidden" name="to" value="reserved">\(HTML.hiddenNumber("version", kit.version))
                    <input type="number" name="deployment_id" list="open-deployments" min="1" required\(HTML.placeholder("展開 #", "Deployment #"))>
                    \(HTML.submit(words.ja, words.en))
                    """))
            case .returned:
                // Nothing is ticked: each component is counted, and what is not ticked is
                // recorded as missing only after the coordinator confirms the list.
                let boxes: String = detail.components.map { component -> String in
                    "<label><input type=\"checkbox\" name=\"present_serials[]\" value=\"\(HTML.escape(component.serial))\"> \(HTML.escape(component.serial))</label>"
                }.joined(separator: " ")
                let url = kit.state == .lost ? transitions : "/api/fieldops/kits/\(id)/return"
                let lostFields = kit.state == .lost ? "<input type=\"hidden\" name=\"to\" value=\"returned\">" : ""
                parts.append(HTML.disclosure(words.ja, words.en, key: "return-\(id)", HTML.form(url: url, classes: "inline return", """
                    \(lostFields)\(HTML.hiddenNumber("version", kit.version))<span class="hint">\(HTML.label("戻った構成品に印を付けてください", "Tick each component counted back"))</span>
                    \(boxes)\(HTML.submit(words.ja, words.en))
                    """)))
            case .available where kit.state == .returned && !kit.missingComponents.isEmpty:
                // Refused until the missing components are replaced: not offered.
                continue
            case .lost, .retired:
                parts.append(Self.reasonForm(url: transitions, to: target.rawValue, version: kit.version, words: words, key: "\(target.rawValue)-\(id)"))
            case .unserviceable, .inService:
                parts.append(Self.reasonForm(url: transitions, to: target.rawValue, version: kit.version, words: words, key: "\(target.rawValue)-\(id)", field: "notes", required: false))
            case .available, .deployed:
                parts.append(HTML.actionButton(words.ja, words.en, url: transitions, body: #"{"to":"\#(target.rawValue)","version":\#(kit.version)}"#))
            }
        }
        parts.append(HTML.disclosure("編集", "Edit", key: "edit-kit-\(id)", HTML.form(url: "/api/fieldops/kits/\(id)", method: "PUT", classes: "grid", """
            \(kitFields(detail))\(HTML.hiddenNumber("version", kit.version))
            \(HTML.submit("保存", "Save"))
            """)))
        return "<div class=\"actions\">" + parts.joined(separator: " ") + "</div>"
    }
}
