import FieldOps
import Foundation
import Hummingbird

/// `/api/fieldops/deployments/{id}/ics/{211|214|218}?format=csv|html&from=&to=`: ICS forms per
/// deployment and operational period, as CSV for spreadsheets or as a printable page.
struct ExportsController: Sendable {
    let database: FieldOpsDatabase
    /// The zone the printable form shows its header times in.
    var zone = DisplayTimeZone().timeZone

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/api/fieldops/deployments/{id}/ics/{form}") { request, context in
            let id = try context.fieldOpsID(entity: "deployment")
            let formText = try context.parameters.require("form")
            guard let number = ICSFormNumber(rawValue: formText) else {
                throw FieldOpsError.invalid(field: "form", message: "must be 211, 214 or 218")
            }
            let query = FieldOpsQuery(request: request)
            let form = try await database.icsForm(number, deploymentId: id, period: try query.period())
            switch query.text("format") ?? "csv" {
            case "csv":
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "text/csv; charset=utf-8",
                        .contentDisposition: "attachment; filename=\"ics\(number.rawValue)-deployment-\(id).csv\"",
                    ],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: form.csv())))
            case "html":
                return Self.printable(form, zone: zone)
            default:
                throw FieldOpsError.invalid(field: "format", message: "must be csv or html")
            }
        }
    }

    /// The form as a printable page: header block, then the table.
    static func printable(_ form: ICSForm, zone: TimeZone) -> Response {
        let period = "\(HTML.time(form.period.from, zone: zone)) → \(HTML.time(form.period.to, zone: zone))"
        let header = HTML.table(
            [("事案名", "Incident name"), ("展開 #", "Deployment"), ("場所", "Location"), ("活動期間", "Operational period"), ("作成", "Prepared")],
            [[HTML.escape(form.incidentName), "\(form.deploymentId)", HTML.escape(form.location), period, HTML.time(form.preparedAt, zone: zone)]])
        let rows = form.rows.map { $0.map(HTML.escape) }
        let body = header + HTML.table(form.columns.map { ($0.japanese, $0.english) }, rows)
        return HTML.page(title: ("ICS \(form.number.rawValue) \(form.number.japaneseTitle)", form.number.title), body: body, zone: zone)
    }
}
