import FieldOps
import Foundation

/// The words coordinators read for every enumeration, in Japanese and English: states, kinds,
/// bands, access modes, reasons, and the names of the API's fields (for refusals). The pages
/// render them with `HTML.label`; the script gets the same table (`json`) to word refusals.
enum FieldOpsWords {
    typealias Pair = (ja: String, en: String)

    static func state(_ state: DeploymentState) -> Pair {
        switch state {
        case .planned: ("計画", "Planned")
        case .mobilizing: ("出動準備", "Mobilizing")
        case .active: ("活動中", "Active")
        case .demobilizing: ("撤収中", "Demobilizing")
        case .closed: ("終了", "Closed")
        case .cancelled: ("中止", "Cancelled")
        }
    }

    /// The button that moves a deployment from `from` to `to`.
    static func move(from: DeploymentState, to: DeploymentState) -> Pair {
        switch (from, to) {
        case (_, .mobilizing): ("出動準備へ", "Mobilize")
        case (.closed, .active): ("再開", "Reopen")
        case (.demobilizing, .active): ("活動に戻す", "Back to active")
        case (_, .active): ("活動開始", "Activate")
        case (_, .demobilizing): ("撤収開始", "Demobilize")
        case (_, .closed): ("終了", "Close")
        case (_, .cancelled): ("中止", "Cancel")
        case (_, .planned): ("計画に戻す", "Back to planned")
        }
    }

    static func kind(_ kind: DeploymentKind) -> Pair {
        switch kind {
        case .disaster: ("災害", "Disaster")
        case .securityEvent: ("警備", "Security event")
        case .investigation: ("捜査", "Investigation")
        }
    }

    static func state(_ state: KitState) -> Pair {
        switch state {
        case .available: ("使用可", "Available")
        case .reserved: ("予約済", "Reserved")
        case .checkedOut: ("貸出中", "Checked out")
        case .deployed: ("展開中", "Deployed")
        case .returned: ("返却済", "Returned")
        case .unserviceable: ("使用不可", "Unserviceable")
        case .inService: ("整備中", "In service")
        case .lost: ("紛失", "Lost")
        case .retired: ("廃棄", "Retired")
        }
    }

    static func move(to state: KitState) -> Pair {
        switch state {
        case .available: ("使用可にする", "Make available")
        case .reserved: ("予約", "Reserve")
        case .checkedOut: ("貸出", "Check out")
        case .deployed: ("展開済にする", "Mark deployed")
        case .returned: ("返却", "Return")
        case .unserviceable: ("使用不可にする", "Mark unserviceable")
        case .inService: ("整備開始", "Start service")
        case .lost: ("紛失として記録", "Record as lost")
        case .retired: ("廃棄", "Retire")
        }
    }

    static func kind(_ kind: KitKind) -> Pair {
        switch kind {
        case .satelliteTerminal: ("衛星通信端末", "Satellite terminal")
        case .videoUplink: ("映像伝送装置", "Video uplink")
        case .portableRelay: ("可搬型中継装置", "Portable relay")
        case .generatorKit: ("発電機セット", "Generator kit")
        case .other: ("その他", "Other")
        }
    }

    static func care(_ kind: KitCareKind) -> Pair {
        switch kind {
        case .inspectionPassed: ("点検合格", "Inspection passed")
        case .inspectionFailed: ("点検不合格", "Inspection failed")
        case .serviceStarted: ("整備開始", "Service started")
        case .serviceCompleted: ("整備完了", "Service completed")
        }
    }

    static func band(_ band: FuelBand) -> Pair {
        switch band {
        case .critical: ("危険", "Critical")
        case .stale: ("情報が古い", "Stale")
        case .low: ("残少", "Low")
        case .watch: ("注意", "Watch")
        case .ok: ("正常", "OK")
        }
    }

    static func mode(_ mode: AccessModeKind) -> Pair {
        switch mode {
        case .road: ("道路", "Road")
        case .overSnow: ("雪上車", "Over snow")
        case .helicopter: ("ヘリコプター", "Helicopter")
        }
    }

    static func fuel(_ fuel: FuelType) -> Pair {
        switch fuel {
        case .diesel: ("軽油", "Diesel")
        case .petrol: ("ガソリン", "Petrol")
        case .kerosene: ("灯油", "Kerosene")
        case .lpg: ("LPガス", "LPG")
        }
    }

    static func source(_ source: ReadingSource) -> Pair {
        switch source {
        case .sensor: ("センサー", "Sensor")
        case .dip: ("検尺", "Dip")
        case .refuel: ("給油後", "After refuel")
        case .estimate: ("推定", "Estimate")
        }
    }

    static func state(_ state: RefuelRunState) -> Pair {
        switch state {
        case .proposed: ("提案", "Proposed")
        case .scheduled: ("予定", "Scheduled")
        case .enRoute: ("輸送中", "En route")
        case .delivered: ("給油済", "Delivered")
        case .closed: ("完了", "Closed")
        case .aborted: ("中断", "Aborted")
        case .cancelled: ("取消", "Cancelled")
        }
    }

    static func move(to state: RefuelRunState) -> Pair {
        switch state {
        case .proposed: ("再提案", "Propose again")
        case .scheduled: ("予定を組む", "Schedule")
        case .enRoute: ("出発", "Departed")
        case .delivered: ("給油完了", "Delivered")
        case .closed: ("締める", "Close")
        case .aborted: ("中断", "Abort")
        case .cancelled: ("取消", "Cancel run")
        }
    }

    static func reason(_ reason: AbortReason) -> Pair {
        switch reason {
        case .weather: ("天候", "Weather")
        case .access: ("通行不能", "Access")
        case .aircraft: ("機体", "Aircraft")
        }
    }

    /// The API's field names as the forms label them, for 422 refusals.
    static let fields: [String: Pair] = [
        "actor": ("記録者", "Your name"), "callsign": ("呼出符号", "Callsign"), "home_base": ("所属", "Home base"),
        "members": ("隊員", "Members"), "kind": ("種別", "Kind"), "incident_name": ("事案名", "Incident"),
        "location": ("場所", "Location"), "lead_unit_id": ("指揮部隊", "Lead unit"), "unit_id": ("部隊", "Unit"),
        "deployment": ("展開", "Deployment"), "deployment_id": ("展開番号", "Deployment #"), "text": ("記録", "Note"),
        "check_in": ("到着記録", "Check-in"), "at": ("時刻", "Time"), "name": ("名称", "Name"),
        "components": ("構成品", "Components"), "present_serials": ("確認した構成品", "Components counted"),
        "latitude": ("緯度", "Latitude"), "longitude": ("経度", "Longitude"), "elevation_m": ("標高", "Elevation"),
        "access_modes": ("アクセス手段", "Access modes"), "lead_hours": ("所要時間", "Lead time"),
        "rated_kw": ("定格出力", "Rated output"), "tank_litres": ("タンク容量", "Tank"), "usable_fraction": ("使用可能率", "Usable fraction"),
        "reserve_litres": ("予備量", "Reserve"), "curve": ("燃費曲線", "Burn curve"), "reading_interval_hours": ("記録間隔", "Reading interval"),
        "litres": ("残量", "Level"), "load_percent": ("負荷", "Load"), "source": ("計測方法", "Source"),
        "planned_litres": ("計画量", "Planned litres"), "delivered_litres": ("給油量", "Delivered litres"),
        "access_mode": ("輸送手段", "Access mode"), "departs_at": ("出発時刻", "Departure"), "reason": ("理由", "Reason"),
        "version": ("版", "Version"),
    ]

    /// Every pair above keyed as the script looks them up: "deployment.active", "kit.lost",
    /// "refuel_run.aborted", "band.low", "field.callsign"...
    static var json: String {
        var table: [String: [String]] = [:]
        func add(_ key: String, _ pair: Pair) { table[key] = [pair.ja, pair.en] }
        DeploymentState.allCases.forEach { add("deployment.\($0.rawValue)", state($0)) }
        KitState.allCases.forEach { add("kit.\($0.rawValue)", state($0)) }
        RefuelRunState.allCases.forEach { add("refuel_run.\($0.rawValue)", state($0)) }
        FuelBand.allCases.forEach { add("band.\($0.rawValue)", band($0)) }
        AccessModeKind.allCases.forEach { add("mode.\($0.rawValue)", mode($0)) }
        AbortReason.allCases.forEach { add("reason.\($0.rawValue)", reason($0)) }
        fields.forEach { add("field.\($0.key)", $0.value) }
        let data = (try? JSONSerialization.data(withJSONObject: table, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
