import FieldOps
import Foundation
import HTTPTypes
import Testing
@testable import relayd

/// The edits and moves the pages send: units, deployments, kits, stations and generators
/// rewritten under their version, check-outs, cancelled runs, and who is recorded.
@Suite struct FieldOpsEditAPITests {
    @Test(arguments: FieldOpsBackend.allCases)
    func editsRewriteRecordsUnderTheirVersionAndCheckOutFillsICS211(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            // Given a unit, a deployment it is checked in to, a kit and a station with a generator
            let unit = try await api.post("/api/fieldops/units", #"{"callsign":"TSU-1","home_base":"Sendai","members":[{"name":"Sato Ken","qualifications":["satellite"]},{"name":"Ito Mai"}]}"#, expect: .created)
            let unitId = try #require(unit["id"].int)
            // When a member gains a qualification, one leaves and one joins
            let edited = try await api.put("/api/fieldops/units/\(unitId)", #"{"callsign":"TSU-1A","home_base":"Sendai","members":[{"name":"Sato Ken","qualifications":["satellite","driver"]},{"name":"森 陽菜"}],"version":1}"#)
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(edited.json["callsign"].string == "TSU-1A")
            #expect(edited.json["version"].int == 2)
            #expect(edited.json["members"].array.map { $0["name"].string ?? "" } == ["Sato Ken", "森 陽菜"])
            #expect(edited.json["members"][0]["qualifications"].array.compactMap(\.string) == ["satellite", "driver"])
            #expect(edited.json["members"][0]["id"] == unit["members"][0]["id"], "a member who stays keeps their row")
            // Then an edit from the old version is refused
            let stale = try await api.put("/api/fieldops/units/\(unitId)", #"{"callsign":"TSU-1B","home_base":"Sendai","version":1}"#)
            #expect(stale.status == .conflict)

            let created = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Flood","location":"Port","lead_unit_id":\#(unitId)}"#, expect: .created)
            let id = try #require(created["deployment"]["id"].int)
            let moved = try await api.put("/api/fieldops/deployments/\(id)", #"{"kind":"investigation","incident_name":"Flood","location":"Pier 2","lead_unit_id":\#(unitId),"video_sources":["drone-1"],"version":1}"#)
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(moved.json["deployment"]["location"].string == "Pier 2")
            #expect(moved.json["deployment"]["kind"].string == "investigation")
            #expect(moved.json["deployment"]["version"].int == 2)
            try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"mobilizing","version":2}"#, expect: .ok)
            let checkIn = try await api.post("/api/fieldops/deployments/\(id)/check-ins", #"{"unit_id":\#(unitId)}"#, expect: .created)
            let checkInId = try #require(checkIn["id"].int)
            clock.advance(hours: 5)
            let out = try await api.post("/api/fieldops/deployments/\(id)/check-ins/\(checkInId)/check-out", "{}", expect: .ok)
            #expect(out["checked_out_at"].string == clock.iso())
            let twice = try await api.post("/api/fieldops/deployments/\(id)/check-ins/\(checkInId)/check-out", "{}")
            #expect(twice.status == .unprocessableContent)
            let ics = try await api.get("/api/fieldops/deployments/\(id)/ics/211?format=csv")
            let rows = ics.text.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            #expect(rows.count == 3, "one row per member: \(ics.text)")
            #expect(rows.dropFirst().allSatisfy { $0.last.map(String.init) == clock.iso() }, "the check-out column is filled: \(ics.text)")
            let log = try await api.get("/api/fieldops/deployments/\(id)/activity")
            let lines = log.json["items"].array.compactMap { $0["text"].string }
            #expect(lines.contains("Details edited: kind, location, video sources"))
            #expect(lines.contains("TSU-1A checked out"))

            // Kits: descriptions change at any time, the set of components only at base
            let kit = try await api.post("/api/fieldops/kits", #"{"name":"SAT-01","kind":"satellite_terminal","components":[{"serial":"T-1","description":"terminal"}]}"#, expect: .created)
            let kitId = try #require(kit["kit"]["id"].int)
            let more = try await api.put("/api/fieldops/kits/\(kitId)", #"{"name":"SAT-01","kind":"satellite_terminal","components":[{"serial":"T-1","description":"衛星端末"},{"serial":"A-1","description":"antenna"}],"version":1}"#)
            #expect(more.status == .ok, "\(more.text)")
            #expect(more.json["components"].array.map { $0["serial"].string ?? "" } == ["A-1", "T-1"])
            try await api.post("/api/fieldops/kits/\(kitId)/checkout", #"{"deployment_id":\#(id),"version":2}"#, expect: .ok)
            let whileOut = try await api.put("/api/fieldops/kits/\(kitId)", #"{"name":"SAT-01","kind":"satellite_terminal","components":[{"serial":"T-1"}],"version":3}"#)
            #expect(whileOut.status == .unprocessableContent)
            #expect(whileOut.json["detail"]["field"].string == "components")

            // Stations and generators
            let station = try await api.post("/api/fieldops/stations", #"{"name":"Zao","latitude":38.1,"longitude":140.4,"elevation_m":1736,"access_modes":[{"mode":"road","lead_hours":6}]}"#, expect: .created)
            let stationId = try #require(station["id"].int)
            let renamed = try await api.put("/api/fieldops/stations/\(stationId)", #"{"name":"Zao relay","latitude":38.14,"longitude":140.44,"elevation_m":1740,"seasonal_notes":"road closed Dec-Apr","version":1}"#)
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(renamed.json["name"].string == "Zao relay")
            #expect(renamed.json["access_modes"][0]["mode"].string == "road", "access modes are kept")
            let generator = try await api.post("/api/fieldops/stations/\(stationId)/generators", #"{"rated_kw":5,"tank_litres":100,"usable_fraction":0.9,"reserve_litres":10,"curve":[[50,3]]}"#, expect: .created)
            let generatorId = try #require(generator["id"].int)
            try await api.post("/api/fieldops/generators/\(generatorId)/readings", #"{"litres":80,"load_percent":50,"source":"dip"}"#, expect: .created)
            let smaller = try await api.put("/api/fieldops/generators/\(generatorId)", #"{"rated_kw":5,"tank_litres":60,"usable_fraction":0.9,"reserve_litres":10,"curve":[[50,3]],"version":1}"#)
            #expect(smaller.status == .unprocessableContent, "a tank smaller than the latest reading is a typo")
            let curve = try await api.put("/api/fieldops/generators/\(generatorId)", #"{"name":"G1","rated_kw":6,"tank_litres":200,"usable_fraction":0.9,"reserve_litres":10,"curve":[[50,4],[100,6]],"version":1}"#)
            #expect(curve.status == .ok, "\(curve.text)")
            #expect(curve.json["burn_rate_litres_per_hour"]["at_load"].double == 4, "the forecast follows the new curve")
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aProposedRunCanBeCancelledAndAnAbortedOneToo(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            let station = try await api.post("/api/fieldops/stations", #"{"name":"Zao","latitude":38.1,"longitude":140.4,"elevation_m":1736,"access_modes":[{"mode":"helicopter","lead_hours":2}]}"#, expect: .created)
            let generator = try await api.post("/api/fieldops/stations/\(station["id"].int ?? 0)/generators", #"{"rated_kw":5,"tank_litres":100,"usable_fraction":0.9,"reserve_litres":10,"curve":[[50,3]]}"#, expect: .created)
            let run = try await api.post("/api/fieldops/refuel-runs", #"{"generator_id":\#(generator["id"].int ?? 0),"planned_litres":40}"#, expect: .created)
            #expect(run["allowed_transitions"].array.compactMap(\.string) == ["scheduled", "cancelled"])
            let cancelled = try await api.post("/api/fieldops/refuel-runs/\(run["id"].int ?? 0)/transitions", #"{"to":"cancelled","version":1,"note":"proposed twice"}"#, expect: .ok)
            #expect(cancelled["state"].string == "cancelled")
            #expect(cancelled["note"].string == "proposed twice")
            #expect(cancelled["allowed_transitions"].array.isEmpty)
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func theRecorderIsRequiredAndMayBeWrittenInAnyScript(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            var nobody = api
            nobody.actor = "  "
            let refused = try await nobody.post("/api/fieldops/units", #"{"callsign":"TSU-1","home_base":"Sendai"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["detail"]["field"].string == "actor")
            #expect(try await api.get("/api/fieldops/units").json["items"].array.isEmpty, "nothing recorded as anonymous")
        }
    }
}
