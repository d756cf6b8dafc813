import FieldOps
import Foundation
import HTTPTypes
import Testing
@testable import relayd

/// ICS-211/214/218 exports through the real HTTP server, checked line by line.
@Suite struct FieldOpsExportAPITests {
    /// A day of a deployment: two units check in, a kit goes out and comes back short the
    /// next day while another goes out. Returns the deployment id.
    static func seedDay(_ api: FieldOpsClient, _ clock: FieldOpsTestClock) async throws -> Int {
        let unit1 = try await api.post("/api/fieldops/units", #"{"callsign":"MIYAGI-TSU-1","home_base":"Sendai","members":[{"name":"Sato Ken","qualifications":["satellite","driver"]},{"name":"Ito Mai","qualifications":["drone"]}]}"#, expect: .created)
        let unit2 = try await api.post("/api/fieldops/units", #"{"callsign":"MIYAGI-TSU-2","home_base":"Ishinomaki"}"#, expect: .created)
        try await api.post("/api/fieldops/kits", #"{"name":"SAT-01","kind":"satellite_terminal","components":[{"serial":"TERM-100"},{"serial":"ANT-778"}]}"#, expect: .created)
        try await api.post("/api/fieldops/kits", #"{"name":"UPL-02","kind":"video_uplink","components":[{"serial":"ENC-5"}]}"#, expect: .created)
        let deployment = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Kesennuma flood & landslide","location":"Kesennuma port, pier 3","lead_unit_id":\#(unit1["id"].int ?? 0)}"#, expect: .created)
        let id = try #require(deployment["deployment"]["id"].int)
        try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"mobilizing","version":1}"#, expect: .ok)
        clock.advance(hours: 1)
        try await api.post("/api/fieldops/deployments/\(id)/check-ins", #"{"unit_id":\#(unit1["id"].int ?? 0),"assignment":"satellite uplink"}"#, expect: .created)
        try await api.post("/api/fieldops/kits/1/checkout", #"{"deployment_id":\#(id),"version":1}"#, expect: .ok)
        clock.advance(hours: 1)
        try await api.post("/api/fieldops/deployments/\(id)/check-ins", #"{"unit_id":\#(unit2["id"].int ?? 0),"assignment":"relay"}"#, expect: .created)
        var suzuki = api
        suzuki.actor = "suzuki"
        try await suzuki.post("/api/fieldops/deployments/\(id)/activity", #"{"text":"Uplink up, \"heli-1\" received"}"#, expect: .created)
        try await suzuki.post("/api/fieldops/deployments/\(id)/activity", #"{"text":"=SUM(A1)","at":"\#(clock.iso(plusHours: 1))"}"#, expect: .created)
        clock.advance(hours: 28)  // next day, 06:00
        try await api.post("/api/fieldops/kits/1/return", #"{"present_serials":["TERM-100"],"version":2}"#, expect: .ok)
        try await api.post("/api/fieldops/kits/2/checkout", #"{"deployment_id":\#(id),"version":1}"#, expect: .ok)
        return id
    }

    static let firstDay = "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z"

    static func csvLines(_ response: APIResponse) -> [String] {
        #expect(response.status == .ok)
        #expect(response.contentType == "text/csv; charset=utf-8")
        #expect(response.text.hasSuffix("\r\n"))
        return response.text.components(separatedBy: "\r\n").dropLast().map { $0 }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func ics211ListsEveryMemberOfEachCheckedInUnit(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let id = try await Self.seedDay(api, clock)
            let lines = Self.csvLines(try await api.get("/api/fieldops/deployments/\(id)/ics/211?format=csv&\(Self.firstDay)"))
            #expect(lines == [
                "Check-in time,Unit,Home base,Name,Qualifications,Assignment,Check-out time",
                "2026-01-01T01:00:00Z,MIYAGI-TSU-1,Sendai,Ito Mai,drone,satellite uplink,",
                "2026-01-01T01:00:00Z,MIYAGI-TSU-1,Sendai,Sato Ken,satellite; driver,satellite uplink,",
                "2026-01-01T02:00:00Z,MIYAGI-TSU-2,Ishinomaki,,,relay,",
            ])
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func ics214IsTheActivityLogOfThePeriodWithQuotingAndFormulaGuard(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let id = try await Self.seedDay(api, clock)
            let lines = Self.csvLines(try await api.get("/api/fieldops/deployments/\(id)/ics/214?format=csv&\(Self.firstDay)"))
            #expect(lines == [
                "Date/Time,Author,Notable Activities",
                "2026-01-01T00:00:00Z,coordinator,Deployment logged (planned)",
                "2026-01-01T00:00:00Z,coordinator,State: planned → mobilizing",
                "2026-01-01T01:00:00Z,coordinator,MIYAGI-TSU-1 checked in",
                "2026-01-01T01:00:00Z,coordinator,Kit SAT-01 checked out",
                "2026-01-01T02:00:00Z,coordinator,MIYAGI-TSU-2 checked in",
                #"2026-01-01T02:00:00Z,suzuki,"Uplink up, ""heli-1"" received""#,
                "2026-01-01T03:00:00Z,suzuki,'=SUM(A1)",
            ])
            // Without a period the next day's entries follow
            let all = Self.csvLines(try await api.get("/api/fieldops/deployments/\(id)/ics/214"))
            #expect(all.suffix(2) == [
                "2026-01-02T06:00:00Z,coordinator,\"Kit SAT-01 returned incomplete, missing ANT-778\"",
                "2026-01-02T06:00:00Z,coordinator,Kit UPL-02 checked out",
            ])
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func ics218ListsTheKitLoansOverlappingThePeriod(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let id = try await Self.seedDay(api, clock)
            let header = "Kit,Kind,Serial numbers,Checked out,Checked out by,Returned,Missing on return,Current state"
            let sat = "SAT-01,satellite_terminal,ANT-778; TERM-100,2026-01-01T01:00:00Z,coordinator,2026-01-02T06:00:00Z,ANT-778,returned"
            let firstDay = Self.csvLines(try await api.get("/api/fieldops/deployments/\(id)/ics/218?format=csv&\(Self.firstDay)"))
            #expect(firstDay == [header, sat])
            let all = Self.csvLines(try await api.get("/api/fieldops/deployments/\(id)/ics/218?format=csv"))
            #expect(all == [header, sat, "UPL-02,video_uplink,ENC-5,2026-01-02T06:00:00Z,coordinator,,,checked_out"])
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func theHTMLExportIsAPrintablePageWithEscapedText(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let id = try await Self.seedDay(api, clock)
            let page = try await api.get("/api/fieldops/deployments/\(id)/ics/214?format=html&\(Self.firstDay)")
            #expect(page.status == .ok)
            #expect(page.contentType == "text/html; charset=utf-8")
            #expect(page.text.contains("ICS 214 活動記録"))
            #expect(page.text.contains("Kesennuma flood &amp; landslide"))
            #expect(page.text.contains("Uplink up, &quot;heli-1&quot; received"))
            #expect(page.text.contains("<td>=SUM(A1)</td>"))  // the formula guard is for spreadsheets only
            // header row + 1 header-block row + column header row + 7 entries
            #expect(page.text.components(separatedBy: "<tr>").count - 1 == 1 + 1 + 1 + 7)
            let bad = try await api.get("/api/fieldops/deployments/\(id)/ics/213")
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["detail"]["field"].string == "form")
            let badFormat = try await api.get("/api/fieldops/deployments/\(id)/ics/211?format=pdf")
            #expect(badFormat.json["detail"]["field"].string == "format")
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func thePagesRenderTheSameFiguresAsTheAPIInBothLanguages(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            _ = try await Self.seedDay(api, clock)
            let station = try await api.post("/api/fieldops/stations", #"{"name":"Zao <north>","latitude":38.1,"longitude":140.4,"elevation_m":1736,"access_modes":[{"mode":"road","lead_hours":6}]}"#, expect: .created)
            let generator = try await api.post("/api/fieldops/stations/\(station["id"].int ?? 0)/generators", #"{"rated_kw":7.5,"tank_litres":100,"usable_fraction":0.9,"reserve_litres":10,"curve":[[25,2],[50,3],[75,4],[100,5]]}"#, expect: .created)
            try await api.post("/api/fieldops/generators/\(generator["id"].int ?? 0)/readings", #"{"litres":60,"load_percent":60,"source":"dip"}"#, expect: .created)

            let stations = try await api.get("/fieldops/stations")
            #expect(stations.status == .ok)
            #expect(stations.text.contains("中継所と燃料"))
            #expect(stations.text.contains("Relay stations and fuel"))
            #expect(stations.text.contains("Zao &lt;north&gt;"))
            #expect(stations.text.contains("value=\"60.0\""))         // the gauge
            #expect(stations.text.contains("11.76 h"))                // time to empty at load
            #expect(stations.text.contains("8.0 h"))                  // at full load
            #expect(stations.text.contains("band band-critical"))
            let board = try await api.get("/fieldops/deployments")
            #expect(board.text.contains("Kesennuma flood &amp; landslide"))
            #expect(board.text.contains("出動準備"))
            let kits = try await api.get("/fieldops/kits")
            #expect(kits.text.contains("ANT-778"))
            #expect(kits.text.contains("class=\"missing\""))
            let refuel = try await api.get("/fieldops/refuel")
            #expect(refuel.text.contains("給油計画"))
            #expect(refuel.text.contains("name=\"planned_litres\" value=\"40.0\""))  // tops up 100 − 60 L
        }
    }
}
