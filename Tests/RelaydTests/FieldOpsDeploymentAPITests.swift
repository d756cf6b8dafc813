import FieldOps
import Foundation
import HTTPTypes
import Testing
@testable import relayd

/// A deployment from planning to close with kits out and back, through the real HTTP server.
@Suite struct FieldOpsDeploymentAPITests {
    @Test(arguments: FieldOpsBackend.allCases)
    func aDeploymentRunsFromPlanningToCloseWithKitsOutAndBack(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            // Given a unit and two kits
            let unit = try await api.post("/api/fieldops/units", #"{"callsign":"MIYAGI-TSU-1","home_base":"Sendai","members":[{"name":"Sato Ken","qualifications":["satellite","driver"]},{"name":"Ito Mai","qualifications":["drone"]}]}"#, expect: .created)
            let unitId = try #require(unit["id"].int)
            let sat = try await api.post("/api/fieldops/kits", #"{"name":"SAT-01","kind":"satellite_terminal","components":[{"serial":"TERM-100","description":"terminal"},{"serial":"ANT-778","description":"antenna"}]}"#, expect: .created)
            let satId = try #require(sat["kit"]["id"].int)
            let uplink = try await api.post("/api/fieldops/kits", #"{"name":"UPL-02","kind":"video_uplink","components":[{"serial":"ENC-5","description":"encoder"}]}"#, expect: .created)
            let uplinkId = try #require(uplink["kit"]["id"].int)

            // When a deployment is logged it is planned, version 1
            let created = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"Kesennuma flood","location":"Kesennuma port","lead_unit_id":\#(unitId),"video_sources":["heli-1"]}"#, expect: .created)
            let id = try #require(created["deployment"]["id"].int)
            #expect(created["deployment"]["state"].string == "planned")
            #expect(created["deployment"]["version"].int == 1)
            #expect(created["deployment"]["lead_callsign"].string == "MIYAGI-TSU-1")
            #expect(created["deployment"]["allowed_transitions"].array.compactMap(\.string) == ["mobilizing", "cancelled"])

            // A jump ahead is refused, naming current and allowed states
            let jump = try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"active","version":1}"#)
            #expect(jump.status == .conflict)
            #expect(jump.json["detail"]["current"].string == "planned")
            #expect(jump.json["detail"]["allowed"].array.compactMap(\.string) == ["mobilizing", "cancelled"])
            #expect(jump.json["error"].string == "deployment cannot move from planned to active; allowed from planned: mobilizing, cancelled")

            try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"mobilizing","version":1}"#, expect: .ok)
            // A second coordinator working from version 1 is refused, not silently overwritten
            let stale = try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"cancelled","version":1,"reason":"duplicate"}"#)
            #expect(stale.status == .conflict)
            #expect(stale.json["detail"]["expected_version"].int == 1)
            #expect(stale.json["detail"]["current_version"].int == 2)

            // Kits go out; the unit checks in
            try await api.post("/api/fieldops/kits/\(satId)/checkout", #"{"deployment_id":\#(id),"version":1}"#, expect: .ok)
            let uplinkOut = try await api.post("/api/fieldops/kits/\(uplinkId)/checkout", #"{"deployment_id":\#(id),"version":1}"#, expect: .ok)
            #expect(uplinkOut["kit"]["state"].string == "checked_out")
            #expect(uplinkOut["loans"][0]["checked_out_by"].string == "coordinator")
            try await api.post("/api/fieldops/kits/\(satId)/transitions", #"{"to":"deployed","version":2}"#, expect: .ok)
            clock.advance(hours: 1)
            try await api.post("/api/fieldops/deployments/\(id)/check-ins", #"{"unit_id":\#(unitId),"assignment":"satellite uplink at port"}"#, expect: .created)
            try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"active","version":2}"#, expect: .ok)
            try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"demobilizing","version":3}"#, expect: .ok)

            // Closing is refused while kits are out, naming them
            let early = try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"closed","version":4}"#)
            #expect(early.status == .conflict)
            #expect(early.json["detail"]["because"].string == "kits still out: SAT-01, UPL-02")

            // Kits come back: the satellite kit without its antenna stays returned-incomplete
            let satBack = try await api.post("/api/fieldops/kits/\(satId)/return", #"{"present_serials":["TERM-100"],"version":3}"#, expect: .ok)
            #expect(satBack["kit"]["state"].string == "returned")
            #expect(satBack["kit"]["incomplete"] == .bool(true))
            #expect(satBack["kit"]["missing_components"].array.compactMap(\.string) == ["ANT-778"])
            try await api.post("/api/fieldops/kits/\(uplinkId)/return", #"{"present_serials":["ENC-5"],"version":2}"#, expect: .ok)
            let makeAvailable = try await api.post("/api/fieldops/kits/\(satId)/transitions", #"{"to":"available","version":4}"#)
            #expect(makeAvailable.status == .conflict)
            #expect(makeAvailable.json["detail"]["because"].string == "returned incomplete, missing: ANT-778; mark it unserviceable to replace them")
            try await api.post("/api/fieldops/kits/\(uplinkId)/transitions", #"{"to":"available","version":3,"notes":"inspected, OK"}"#, expect: .ok)

            // Then the deployment closes, and reopening it needs a reason
            let closed = try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"closed","version":4}"#, expect: .ok)
            #expect(closed["deployment"]["state"].string == "closed")
            let noReason = try await api.post("/api/fieldops/deployments/\(id)/transitions", #"{"to":"active","version":5}"#)
            #expect(noReason.status == .conflict)
            #expect(noReason.json["detail"]["because"].string == "reopening a closed deployment needs a reason")

            // The activity log has every step, authored and in order
            let log = try await api.get("/api/fieldops/deployments/\(id)/activity")
            #expect(log.json["items"].array.compactMap { $0["text"].string } == [
                "Deployment logged (planned)",
                "State: planned → mobilizing",
                "Kit SAT-01 checked out",
                "Kit UPL-02 checked out",
                "Kit SAT-01 deployed",
                "MIYAGI-TSU-1 checked in",
                "State: mobilizing → active",
                "State: active → demobilizing",
                "Kit SAT-01 returned incomplete, missing ANT-778",
                "Kit UPL-02 returned complete",
                "State: demobilizing → closed",
            ])
            // And the audit trail names who did what
            let audit = try await api.get("/api/fieldops/audit?entity=deployment&id=\(id)")
            #expect(audit.json["items"].array.map { $0["action"].string ?? "" } == ["create", "transition", "transition", "transition", "transition"])
            #expect(audit.json["items"].array.allSatisfy { $0["actor"].string == "coordinator" })
            #expect(audit.json["items"][1]["changes"]["state"] == .object(["from": .string("planned"), "to": .string("mobilizing")]))
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func badInputIsRefusedWith422NamingTheFieldAndNothingIsWritten(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            let missing = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","location":"x","lead_unit_id":1}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.json["detail"]["field"].string == "incident_name")
            let badKind = try await api.post("/api/fieldops/deployments", #"{"kind":"party","incident_name":"x","location":"y","lead_unit_id":1}"#)
            #expect(badKind.status == .unprocessableContent)
            #expect(badKind.json["detail"]["field"].string == "kind")
            let noUnit = try await api.post("/api/fieldops/deployments", #"{"kind":"disaster","incident_name":"x","location":"y","lead_unit_id":42}"#)
            #expect(noUnit.status == .unprocessableContent)
            #expect(noUnit.json["detail"]["field"].string == "lead_unit_id")
            let notJSON = try await api.post("/api/fieldops/deployments", "kind=disaster")
            #expect(notJSON.status == .badRequest)
            let list = try await api.get("/api/fieldops/deployments")
            #expect(list.json["items"].array.isEmpty)
            let unknown = try await api.get("/api/fieldops/deployments/77")
            #expect(unknown.status == .notFound)
            #expect(unknown.json["detail"]["entity"].string == "deployment")
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func listsFilterByStateAndPaginate(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            let unit = try await api.post("/api/fieldops/units", #"{"callsign":"U1","home_base":"B"}"#, expect: .created)
            let unitId = try #require(unit["id"].int)
            for index in 1...5 {
                try await api.post("/api/fieldops/deployments", #"{"kind":"security_event","incident_name":"Event \#(index)","location":"L","lead_unit_id":\#(unitId)}"#, expect: .created)
            }
            try await api.post("/api/fieldops/deployments/2/transitions", #"{"to":"mobilizing","version":1}"#, expect: .ok)
            let page = try await api.get("/api/fieldops/deployments?limit=2&offset=1")
            #expect(page.json["items"].array.compactMap { $0["incident_name"].string } == ["Event 4", "Event 3"])
            let mobilizing = try await api.get("/api/fieldops/deployments?state=mobilizing")
            #expect(mobilizing.json["items"].array.compactMap { $0["id"].int } == [2])
            let badLimit = try await api.get("/api/fieldops/deployments?limit=0")
            #expect(badLimit.status == .unprocessableContent)
            #expect(badLimit.json["detail"]["field"].string == "limit")
        }
    }
}
