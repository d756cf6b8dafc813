import FieldOps
import Foundation
import HTTPTypes
import Testing
@testable import relayd

/// Relay stations running low and refuel runs, through the real HTTP server. Figures are
/// worked by hand in the comments from the issue's curve: 25 %→2, 50 %→3, 75 %→4, 100 %→5 L/h.
@Suite struct FieldOpsStationAPITests {
    static let curve = "[[25,2],[50,3],[75,4],[100,5]]"

    /// Registers a station (helicopter 2 h, road 6 h) with one generator; returns their ids.
    static func station(_ api: FieldOpsClient, name: String, tankLitres: Int, reserveLitres: Int) async throws -> (station: Int, generator: Int) {
        let station = try await api.post("/api/fieldops/stations", #"{"name":"\#(name)","latitude":38.14,"longitude":140.44,"elevation_m":1736,"seasonal_notes":"road closed Dec-Apr","access_modes":[{"mode":"road","lead_hours":6},{"mode":"helicopter","lead_hours":2,"note":"VFR only"}]}"#, expect: .created)
        let stationId = try #require(station["id"].int)
        let generator = try await api.post("/api/fieldops/stations/\(stationId)/generators", #"{"name":"G1","rated_kw":7.5,"fuel_type":"diesel","tank_litres":\#(tankLitres),"usable_fraction":0.9,"reserve_litres":\#(reserveLitres),"curve":\#(curve)}"#, expect: .created)
        return (stationId, try #require(generator["id"].int))
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func theWorkedExampleThroughTheAPI(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, _ in
            let ids = try await Self.station(api, name: "Zao", tankLitres: 100, reserveLitres: 10)
            let reading = try await api.post("/api/fieldops/generators/\(ids.generator)/readings", #"{"litres":60,"load_percent":60,"source":"dip"}"#, expect: .created)
            #expect(reading["author"].string == "coordinator")
            let generator = try await api.get("/api/fieldops/generators/\(ids.generator)")
            #expect(generator.json["burn_rate_litres_per_hour"]["at_load"].double == 3.4)
            #expect(generator.json["usable_litres"].double == 40)
            #expect(generator.json["time_to_empty_hours"]["at_load"].double == 11.76)
            #expect(generator.json["time_to_empty_hours"]["at_full_load"].double == 8)
            // 11.76 h − 2 h helicopter − 12 h margin: the order-by time is already past.
            #expect(generator.json["order_by"].string == "2025-12-31T21:45:52Z")  // 00:00 + 42 352 s − 50 400 s
            #expect(generator.json["access_mode"].string == "helicopter")
            #expect(generator.json["band"].string == "critical")
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aStationRunningLowMovesUpTheAlertsAsTimePassesAndAccessCloses(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let zao = try await Self.station(api, name: "Zao", tankLitres: 200, reserveLitres: 20)
            let kurikoma = try await Self.station(api, name: "Kurikoma", tankLitres: 1000, reserveLitres: 50)
            _ = try await Self.station(api, name: "Funagata", tankLitres: 100, reserveLitres: 10)  // never read: stale
            try await api.post("/api/fieldops/generators/\(kurikoma.generator)/readings", #"{"litres":950,"load_percent":25,"source":"sensor"}"#, expect: .created)

            // t0: 190 L at 50 % → usable 190 − 20 − 20 = 150 L at 3 L/h = 50 h; order-by t0 + 50 − 2 − 12 = t0 + 36 h → watch
            try await api.post("/api/fieldops/generators/\(zao.generator)/readings", #"{"litres":190,"load_percent":50,"source":"sensor"}"#, expect: .created)
            var generator = try await api.get("/api/fieldops/generators/\(zao.generator)").json
            #expect(generator["time_to_empty_hours"]["at_load"].double == 50)
            #expect(generator["time_to_empty_hours"]["at_full_load"].double == 30)
            #expect(generator["order_by"].string == "2026-01-02T12:00:00Z")
            #expect(generator["band"].string == "watch")

            // t0 + 20 h: 130 L → 60 L burned in 20 h, observed 3 L/h matches the curve; usable 90 L = 30 h → low (16 h to order-by)
            clock.advance(hours: 20)
            try await api.post("/api/fieldops/generators/\(zao.generator)/readings", #"{"litres":130,"load_percent":50,"source":"sensor"}"#, expect: .created)
            generator = try await api.get("/api/fieldops/generators/\(zao.generator)").json
            #expect(generator["burn_rate_litres_per_hour"]["observed"].double == 3)
            #expect(generator["time_to_empty_hours"]["at_load"].double == 30)
            #expect(generator["band"].string == "low")

            // Helicopters grounded: only the road (6 h) is left, order-by moves 4 h earlier to t0 + 32 h
            let grounded = try await api.put("/api/fieldops/stations/\(zao.station)/access-modes/helicopter", #"{"available":false,"note":"snowstorm","version":1}"#)
            #expect(grounded.status == .ok)
            #expect(grounded.json["order_by"].string == "2026-01-02T08:00:00Z")
            let staleEdit = try await api.put("/api/fieldops/stations/\(zao.station)/access-modes/helicopter", #"{"available":true,"version":1}"#)
            #expect(staleEdit.status == .conflict)

            var alerts = try await api.get("/api/fieldops/alerts").json["items"].array
            #expect(alerts.compactMap { $0["name"].string } == ["Funagata", "Zao", "Kurikoma"])
            #expect(alerts.compactMap { $0["band"].string } == ["stale", "low", "ok"])

            // t0 + 33 h, no new reading: the order-by time has passed → critical and first
            clock.advance(hours: 13)
            generator = try await api.get("/api/fieldops/generators/\(zao.generator)").json
            #expect(generator["remaining_hours"]["at_load"].double == 17)  // 30 h from the reading, 13 h gone
            #expect(generator["band"].string == "critical")
            alerts = try await api.get("/api/fieldops/alerts").json["items"].array
            // Kurikoma's reading is now 33 h old (interval 24 h): stale too, but with a known
            // order-by time it ranks before Funagata, which has never been read.
            #expect(alerts.compactMap { $0["name"].string } == ["Zao", "Kurikoma", "Funagata"])
            #expect(alerts.compactMap { $0["band"].string } == ["critical", "stale", "stale"])
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func aRefuelRunAbortedForWeatherIsProposedAgainThenDeliveredAndReconciled(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let ids = try await Self.station(api, name: "Zao", tankLitres: 300, reserveLitres: 20)
            try await api.post("/api/fieldops/generators/\(ids.generator)/readings", #"{"litres":100,"load_percent":50,"source":"dip"}"#, expect: .created)
            let proposed = try await api.post("/api/fieldops/refuel-runs", #"{"generator_id":\#(ids.generator),"planned_litres":150}"#, expect: .created)
            let run = try #require(proposed["id"].int)
            #expect(proposed["state"].string == "proposed")
            #expect(proposed["station_name"].string == "Zao")

            let scheduled = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"scheduled","version":1,"departs_at":"\#(clock.iso(plusHours: 1))"}"#, expect: .ok)
            #expect(scheduled["access_mode"].string == "helicopter")  // fastest available
            try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"en_route","version":2}"#, expect: .ok)

            let noReason = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"aborted","version":3}"#)
            #expect(noReason.status == .conflict)
            #expect(noReason.json["detail"]["because"].string == "aborting needs a reason: weather, access, aircraft")
            let badReason = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"aborted","version":3,"reason":"lunch"}"#)
            #expect(badReason.status == .unprocessableContent)
            #expect(badReason.json["detail"]["field"].string == "reason")

            let aborted = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"aborted","version":3,"reason":"weather","note":"whiteout at the saddle"}"#, expect: .ok)
            #expect(aborted["abort_reason"].string == "weather")
            #expect(aborted["abort_count"].int == 1)
            #expect(aborted["allowed_transitions"].array.compactMap(\.string) == ["proposed", "cancelled"])
            let again = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"proposed","version":4}"#, expect: .ok)
            #expect(again["access_mode"].isNull)

            // Helicopters stay grounded; the rescheduled run goes by road
            _ = try await api.put("/api/fieldops/stations/\(ids.station)/access-modes/helicopter", #"{"available":false,"version":1}"#)
            let refused = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"scheduled","version":5,"access_mode":"helicopter"}"#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.json["detail"]["field"].string == "access_mode")
            let byRoad = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"scheduled","version":5}"#, expect: .ok)
            #expect(byRoad["access_mode"].string == "road")
            try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"en_route","version":6}"#, expect: .ok)
            clock.advance(hours: 10)
            let delivered = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"delivered","version":7,"delivered_litres":150}"#, expect: .ok)
            #expect(delivered["delivered_litres"].double == 150)
            #expect(delivered["reconciliation"].isNull)

            // Closing waits for a reading after the delivery
            let early = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"closed","version":8}"#)
            #expect(early.status == .conflict)
            #expect(early.json["detail"]["because"].string == "closing needs a tank reading taken after the delivery")

            // t0 + 11 h: 100 L − 11 h × 3 L/h + 150 L = 217 L expected; 210 L read → 7 L unaccounted for
            clock.advance(hours: 1)
            try await api.post("/api/fieldops/generators/\(ids.generator)/readings", #"{"litres":210,"load_percent":50,"source":"dip"}"#, expect: .created)
            let closed = try await api.post("/api/fieldops/refuel-runs/\(run)/transitions", #"{"to":"closed","version":8}"#, expect: .ok)
            #expect(closed["state"].string == "closed")
            #expect(closed["reconciliation"]["expected_litres"].double == 217)
            #expect(closed["reconciliation"]["read_litres"].double == 210)
            #expect(closed["reconciliation"]["discrepancy_litres"].double == -7)
            // The observed burn adds the delivery back: (100 + 150 − 210) L over 11 h = 3.636 L/h
            let generator = try await api.get("/api/fieldops/generators/\(ids.generator)").json
            #expect(generator["burn_rate_litres_per_hour"]["observed"].double == 3.636)

            let audit = try await api.get("/api/fieldops/audit?entity=refuel_run&id=\(run)").json["items"].array
            #expect(audit.count == 9)  // create + 8 transitions
        }
    }

    @Test(arguments: FieldOpsBackend.allCases)
    func readingsOutsideTheTankOrInTheFutureAreRefused(backend: FieldOpsBackend) async throws {
        try await withFieldOpsServer(backend: backend) { api, clock in
            let ids = try await Self.station(api, name: "Zao", tankLitres: 100, reserveLitres: 10)
            let overfull = try await api.post("/api/fieldops/generators/\(ids.generator)/readings", #"{"litres":120,"load_percent":50,"source":"dip"}"#)
            #expect(overfull.status == .unprocessableContent)
            #expect(overfull.json["error"].string == "litres: must be between 0 and the tank capacity, 100.0 L")
            let future = try await api.post("/api/fieldops/generators/\(ids.generator)/readings", #"{"litres":50,"load_percent":50,"source":"dip","at":"\#(clock.iso(plusHours: 2))"}"#)
            #expect(future.status == .unprocessableContent)
            #expect(future.json["detail"]["field"].string == "at")
            let badCurve = try await api.post("/api/fieldops/stations/\(ids.station)/generators", #"{"rated_kw":5,"tank_litres":100,"usable_fraction":0.9,"reserve_litres":10,"curve":[[50,3],[50,4]]}"#)
            #expect(badCurve.status == .unprocessableContent)
            #expect(badCurve.json["detail"]["field"].string == "curve")
            let readings = try await api.get("/api/fieldops/generators/\(ids.generator)/readings")
            #expect(readings.json["items"].array.isEmpty)

            // Runs and outages: an end before the start is refused, a valid outage is listed
            let backwards = try await api.post("/api/fieldops/generators/\(ids.generator)/periods", #"{"kind":"outage","started_at":"2026-01-01T05:00:00Z","ended_at":"2026-01-01T04:00:00Z"}"#)
            #expect(backwards.status == .unprocessableContent)
            #expect(backwards.json["detail"]["field"].string == "ended_at")
            try await api.post("/api/fieldops/generators/\(ids.generator)/periods", #"{"kind":"outage","started_at":"2026-01-01T04:00:00Z","ended_at":"2026-01-01T05:30:00Z","note":"commercial power lost"}"#, expect: .created)
            let periods = try await api.get("/api/fieldops/generators/\(ids.generator)/periods")
            #expect(periods.json["items"].array.compactMap { $0["note"].string } == ["commercial power lost"])
            #expect(periods.json["items"][0]["ended_at"].string == "2026-01-01T05:30:00Z")
        }
    }
}
