/// RFC 4180 CSV for files that people open in spreadsheets: the one place that decides how a
/// value becomes a cell, shared by every CSV export (ICS forms, the audit trail).
public enum CSV {
    /// One cell. A value a spreadsheet would run as a formula or DDE command (leading `=`, `+`,
    /// `-`, `@`, tab or carriage return) gets a leading apostrophe, so it shows as text; a value
    /// with a comma, quote, CR or LF is quoted with its quotes doubled, so a line break inside a
    /// value never starts a new row.
    public static func cell(_ value: String) -> String {
        var text = value
        // Unicode scalars, not Characters: "=" followed by a combining mark is one Character
        // that does not equal "=", but a spreadsheet still sees "=" first.
        if let first = text.unicodeScalars.first, formulaLeads.contains(first) { text = "'" + text }
        guard text.unicodeScalars.contains(where: { quotedScalars.contains($0) }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record: cells joined by commas, ended by CRLF.
    public static func row(_ values: [String]) -> String {
        values.map(cell).joined(separator: ",") + "\r\n"
    }

    /// A whole file: a header record, then one record per row.
    public static func document(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map(row).joined()
    }

    private static let formulaLeads: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
    private static let quotedScalars: Set<Unicode.Scalar> = [",", "\"", "\r", "\n"]
}
