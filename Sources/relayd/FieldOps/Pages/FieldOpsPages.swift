import FieldOps
import Foundation
import Hummingbird

/// The coordinators' pages under /fieldops: deployments board and one page per deployment,
/// units, kits, stations with fuel gauges, refuel planning. Server-rendered from the same
/// library calls as the API, so the figures on a page are the figures the API returns; every
/// action is a form or button the script sends to the API, and the script refreshes `<main>`
/// in place when the data changes.
struct FieldOpsPages: Sendable {
    let database: FieldOpsDatabase
    /// The zone times are shown in.
    var zone = DisplayTimeZone().timeZone

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/fieldops") { _, _ in await page { try await deploymentsBoard() } }
        router.get("/fieldops/deployments") { _, _ in await page { try await deploymentsBoard() } }
        router.get("/fieldops/deployments/{id}") { _, context in
            await page { try await deploymentPage(id: try context.fieldOpsID(entity: "deployment")) }
        }
        router.get("/fieldops/units") { _, _ in await page { try await unitsPage() } }
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
            let mapped = APIError(mapping: error)
            var response = HTML.page(title: ("エラー", "Error"), body: "<p>\(HTML.escape(mapped.message))</p>", zone: zone)
            response.status = mapped.status
            return response
        }
    }

    /// A page of this set, in the display zone.
    func render(_ title: (String, String), section: String, _ body: String) -> Response {
        HTML.page(title: title, body: body, zone: zone, section: section)
    }

    /// A time in the display zone.
    func time(_ date: Date?) -> String {
        HTML.time(date, zone: zone)
    }

    /// An order-by time; past ones say overdue and stand out.
    func orderBy(_ seconds: Int64?, now: Date) -> String {
        guard let seconds else { return "–" }
        let date = Date(unixSeconds: seconds)
        guard date <= now else { return time(date) }
        return "<span class=\"overdue\">\(HTML.label("期限超過", "Overdue")) \(time(date))</span>"
    }

    /// A time input in the display zone; empty means now.
    func timeInput(_ name: String, required: Bool = false) -> String {
        "<input type=\"datetime-local\" name=\"\(HTML.escape(name))\"\(required ? " required" : "")> <small class=\"zone\">\(HTML.escape(HTML.zoneName(zone)))\(required ? "" : " " + HTML.label("空欄は現在", "empty: now"))</small>"
    }

    /// Callsigns by unit id.
    func callsigns() async throws -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: try await database.units(page: try Page(limit: 500)).compactMap { detail in
            detail.unit.id.map { ($0, detail.unit.callsign) }
        })
    }

    /// Litres from millilitres, one decimal.
    static func litres(_ millilitres: Int64) -> String {
        String(format: "%.1f L", UnitConversion.litres(fromMillilitres: millilitres))
    }

    /// Hours from seconds, as the API rounds them.
    static func hours(_ seconds: Int64?) -> String {
        seconds.map { "\(UnitConversion.hours(fromSeconds: $0)) h" } ?? "∞"
    }

    /// A band as a coloured badge.
    static func band(_ band: FuelBand) -> String {
        "<span class=\"band band-\(band.rawValue)\">\(HTML.label(FieldOpsWords.band(band)))</span>"
    }

    /// A lifecycle state as a badge.
    static func stateBadge(_ words: FieldOpsWords.Pair, _ raw: String) -> String {
        "<span class=\"state state-\(HTML.escape(raw))\">\(HTML.label(words))</span>"
    }

    /// A form that moves a record and needs a reason first.
    static func reasonForm(url: String, to target: String, version: Int, words: FieldOpsWords.Pair, key: String, field: String = "reason", required: Bool = true) -> String {
        let requiredAttribute = required ? " required" : ""
        return HTML.disclosure(words.ja, words.en, key: key, HTML.form(url: url, """
            <input type="hidden" name="to" value="\(HTML.escape(target))">\(HTML.hiddenNumber("version", version))
            \(HTML.field("理由", "Reason", "<input name=\"\(HTML.escape(field))\" maxlength=\"500\"\(requiredAttribute)>"))
            \(HTML.submit(words.ja, words.en))
            """))
    }
}
