import Foundation

/// The three ICS forms FieldOps exports per deployment and operational period.
public enum ICSFormNumber: String, Sendable, CaseIterable {
    /// ICS-211: who checked in to the incident.
    case checkInList = "211"
    /// ICS-214: the activity log.
    case activityLog = "214"
    /// ICS-218: the equipment out with the incident.
    case equipmentInventory = "218"

    /// The form's English title.
    public var title: String {
        switch self {
        case .checkInList: "Check-In List"
        case .activityLog: "Activity Log"
        case .equipmentInventory: "Support Vehicle/Equipment Inventory"
        }
    }

    /// The form's Japanese title, for the printable page.
    public var japaneseTitle: String {
        switch self {
        case .checkInList: "チェックイン名簿"
        case .activityLog: "活動記録"
        case .equipmentInventory: "資機材一覧"
        }
    }
}

/// A column heading in English (CSV and print) and Japanese (print).
public struct ICSColumn: Sendable, Equatable {
    /// English heading; the CSV header uses it.
    public var english: String
    /// Japanese heading.
    public var japanese: String
}

/// One filled-in ICS form: a header block and a table. Rendering to CSV is here (it is plain
/// data); rendering to HTML belongs to relayd's pages.
public struct ICSForm: Sendable, Equatable {
    /// Which form.
    public var number: ICSFormNumber
    /// The deployment's incident name.
    public var incidentName: String
    /// The deployment id.
    public var deploymentId: Int64
    /// Its location.
    public var location: String
    /// The operational period covered.
    public var period: OperationalPeriod
    /// When the export was made.
    public var preparedAt: Date
    /// Table headings.
    public var columns: [ICSColumn]
    /// Table rows, one string per column; times in ISO 8601 UTC.
    public var rows: [[String]]

    /// RFC 4180 CSV: a header row, then one line per row, CRLF line ends; cells go through
    /// `CSV.cell`, which quotes line breaks and neutralises formulas, because these files are
    /// opened in Excel.
    public func csv() -> String {
        CSV.document(header: columns.map(\.english), rows: rows)
    }

    /// ISO 8601 UTC, the format every time in a form uses.
    public static func timestamp(_ date: Date?) -> String {
        guard let date else { return "" }
        return ISO8601DateFormatter().string(from: date)
    }
}
