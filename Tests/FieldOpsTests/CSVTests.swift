import FieldOps
import Testing

/// The one CSV cell function every export uses: spreadsheet formulas and DDE commands are shown
/// as text, and line breaks inside a value never start a new row (RFC 4180).
@Suite struct CSVTests {
    @Test func aCellThatASpreadsheetWouldRunGetsALeadingApostrophe() {
        #expect(CSV.cell("=HYPERLINK(\"http://evil.example\",\"open\")") == "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\"")
        #expect(CSV.cell("+1+cmd|' /C calc'!A0") == "'+1+cmd|' /C calc'!A0")
        #expect(CSV.cell("-2+3") == "'-2+3")
        #expect(CSV.cell("@SUM(A1:A9)") == "'@SUM(A1:A9)")
        #expect(CSV.cell("\t=1") == "'\t=1")
        #expect(CSV.cell("\r=1") == "\"'\r=1\"")
        #expect(CSV.cell("=\u{301}1") == "'=\u{301}1", "a combining mark does not hide the =")
    }

    @Test func ordinaryTextIsLeftAloneAndSeparatorsAreQuoted() {
        #expect(CSV.cell("Kesennuma port, pier 3") == "\"Kesennuma port, pier 3\"")
        #expect(CSV.cell("現場上空 a=b") == "現場上空 a=b")
        #expect(CSV.cell("") == "")
        #expect(CSV.cell("line one\nline two") == "\"line one\nline two\"")
        #expect(CSV.cell("line one\r\nline two") == "\"line one\r\nline two\"")
        #expect(CSV.cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
    }

    @Test func aDocumentIsCRLFRecordsWithAHeader() {
        #expect(CSV.document(header: ["a", "b"], rows: [["1", "-1"], ["x\ny", ""]]) == "a,b\r\n1,'-1\r\n\"x\ny\",\r\n")
    }
}
