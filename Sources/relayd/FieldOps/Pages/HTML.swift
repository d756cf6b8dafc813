import Foundation
import Hummingbird

/// Builds the coordinators' pages from Swift strings: no templates, no build step. Every
/// value from the database passes through `escape`, which is why pages are assembled with
/// `HTML.escape` and the helpers built on it rather than raw interpolation.
enum HTML {
    /// Escapes text for element content and quoted attribute values: the one escaping function
    /// of every page relayd renders. It works on Unicode scalars, not Characters: a `"` followed
    /// by a combining mark (U+0301) is one Character that compares unequal to `"`, yet the HTML
    /// parser still sees the quote and would end the attribute there.
    static func escape(_ text: String) -> String {
        var escaped = String.UnicodeScalarView()
        escaped.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped.append(contentsOf: "&amp;".unicodeScalars)
            case "<": escaped.append(contentsOf: "&lt;".unicodeScalars)
            case ">": escaped.append(contentsOf: "&gt;".unicodeScalars)
            case "\"": escaped.append(contentsOf: "&quot;".unicodeScalars)
            case "'": escaped.append(contentsOf: "&#39;".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// A bilingual label: Japanese first, English beneath, as on the units' printed forms.
    static func label(_ japanese: String, _ english: String) -> String {
        "<span class=\"ja\">\(escape(japanese))</span> <span class=\"en\">\(escape(english))</span>"
    }

    /// A time in the display time zone with the zone's name ("2026-11-26 23:59 JST"), in a
    /// `<time>` element carrying the UTC instant.
    static func time(_ date: Date?, zone: TimeZone) -> String {
        guard let date else { return "–" }
        return "<time datetime=\"\(escape(iso(date)))\">\(escape(displayTime(date, zone: zone)))</time>"
    }

    /// The text of `time`.
    static func displayTime(_ date: Date, zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " " + zoneName(zone, at: date)
    }

    /// "JST" for Asia/Tokyo, else the abbreviation Foundation knows, else the identifier.
    static func zoneName(_ zone: TimeZone, at date: Date = Date()) -> String {
        if let abbreviation = zone.abbreviation(for: date), !abbreviation.hasPrefix("GMT+"), !abbreviation.hasPrefix("GMT-") { return abbreviation }
        return zone.identifier == "Asia/Tokyo" ? "JST" : zone.identifier
    }

    /// A `datetime-local` input's value for `date` in `zone`.
    static func localInputValue(_ date: Date, zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }

    static func iso(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// A table: bilingual headings and pre-escaped cells.
    static func table(_ headings: [(String, String)], _ rows: [[String]], empty: String = "–", keys: [String]? = nil) -> String {
        let head: String = headings.map { "<th>\(label($0.0, $0.1))</th>" }.joined()
        let body: String = rows.isEmpty
            ? "<tr><td colspan=\"\(headings.count)\">\(escape(empty))</td></tr>"
            : rows.enumerated().map { index, cells -> String in
                let key = keys.map { " data-key=\"\(escape($0[index]))\"" } ?? ""
                return "<tr\(key)>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
            }.joined(separator: "\n")
        return "<div class=\"scroll\"><table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>"
    }

    /// The FieldOps pages, in the order of the navigation bar.
    static let sections: [(path: String, ja: String, en: String)] = [
        ("/fieldops/deployments", "展開", "Deployments"), ("/fieldops/units", "部隊", "Units"),
        ("/fieldops/kits", "資機材", "Kits"), ("/fieldops/stations", "中継所と燃料", "Stations and fuel"),
        ("/fieldops/refuel", "給油計画", "Refuel planning"), ("/fieldops/map", "地図", "Map"),
    ]

    /// A complete page with the FieldOps navigation, linking the style sheet and the script.
    /// Both are served as files (`addAssetRoutes`), never inline, so the Content-Security-Policy
    /// can forbid inline script and style outright. Everything that changes lives in `<main>`,
    /// which the script refreshes in place when the data changes.
    /// `head` adds links to further served files (the map's Leaflet and script), after the pages' own.
    static func page(title: (String, String), body: String, zone: TimeZone = DisplayTimeZone().timeZone, section: String? = nil, head: String = "") -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: document(title: title, body: body, zone: zone, section: section, head: head))))
    }

    /// The markup `page` sends.
    static func document(title: (String, String), body: String, zone: TimeZone = DisplayTimeZone().timeZone, section: String? = nil, head: String = "") -> String {
        let links: String = sections.map { item -> String in
            let current = item.path == section ? " aria-current=\"page\"" : ""
            return "<a href=\"\(item.path)\"\(current)>\(label(item.ja, item.en))</a>"
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="ja" class="lang-ja" data-time-zone="\(escape(zone.identifier))"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title.0)) / \(escape(title.1)) – FieldOps</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="\(stylePath)">
            <script src="\(scriptPath)" defer></script>\(head)</head>
            <body>
            <nav><a href="/" class="home">\(label("指令卓", "Control room"))</a>
            \(links)
            <span class="spacer"></span>
            <label class="actor" id="actor-field">\(label("記録者", "Your name")) <input id="actor" size="12" autocomplete="name" maxlength="200"></label>
            <span id="account" class="account" hidden></span>
            <button id="lang-toggle" type="button">English</button></nav>
            <div class="messages"><p id="status" role="status"></p><p id="error" role="alert"></p></div>
            <main id="main">
            <h1>\(label(title.0, title.1))</h1>
            \(body)
            </main>
            </body></html>
            """
    }

    /// A button that sends `body` (JSON) to `url`; `confirm` asks first, in the page's language.
    static func actionButton(_ japanese: String, _ english: String, url: String, body: String, method: String = "POST", confirm: (String, String)? = nil) -> String {
        let methodAttribute = method == "POST" ? "" : " data-method=\"\(escape(method))\""
        return "<button type=\"button\" class=\"act\" data-url=\"\(escape(url))\" data-body=\"\(escape(body))\"\(methodAttribute)\(confirmAttributes(confirm))>\(label(japanese, english))</button>"
    }

    /// A form the script sends as JSON to `url` (see the script for how fields are read).
    static func form(url: String, method: String = "POST", confirm: (String, String)? = nil, classes: String = "", _ content: String) -> String {
        let methodAttribute = method == "POST" ? "" : " data-method=\"\(escape(method))\""
        return "<form class=\"api \(escape(classes))\" data-url=\"\(escape(url))\"\(methodAttribute)\(confirmAttributes(confirm))>\(content)</form>"
    }

    static func confirmAttributes(_ confirm: (String, String)?) -> String {
        guard let confirm else { return "" }
        return " data-confirm-ja=\"\(escape(confirm.0))\" data-confirm-en=\"\(escape(confirm.1))\""
    }

    /// A labelled field around pre-built input markup.
    static func field(_ japanese: String, _ english: String, _ input: String) -> String {
        "<label class=\"field\"><span class=\"name\">\(label(japanese, english))</span> \(input)</label>"
    }

    /// A submit button.
    static func submit(_ japanese: String, _ english: String) -> String {
        "<button type=\"submit\">\(label(japanese, english))</button>"
    }

    /// A disclosure: the summary is the action's name, the content its form.
    static func disclosure(_ japanese: String, _ english: String, key: String, _ content: String) -> String {
        "<details data-key=\"\(escape(key))\"><summary>\(label(japanese, english))</summary>\(content)</details>"
    }

    /// An `<option>`; the script shows the text in the page's language.
    static func option(_ value: String, _ words: FieldOpsWords.Pair, selected: Bool = false) -> String {
        "<option value=\"\(escape(value))\" data-ja=\"\(escape(words.ja))\" data-en=\"\(escape(words.en))\"\(selected ? " selected" : "")>\(escape(words.ja))</option>"
    }

    /// A `<select>` of an enumeration's values.
    static func select<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type, selected: Value? = nil, words: (Value) -> FieldOpsWords.Pair) -> String where Value.RawValue == String, Value: Equatable {
        "<select name=\"\(escape(name))\">" + Value.allCases.map { option($0.rawValue, words($0), selected: $0 == selected) }.joined() + "</select>"
    }

    /// Placeholder text in both languages; the script shows the page's.
    static func placeholder(_ japanese: String, _ english: String) -> String {
        " placeholder=\"\(escape(japanese))\" data-placeholder-ja=\"\(escape(japanese))\" data-placeholder-en=\"\(escape(english))\""
    }

    /// A version (or other number) the form sends without showing it.
    static func hiddenNumber(_ name: String, _ value: some BinaryInteger) -> String {
        "<input type=\"number\" name=\"\(escape(name))\" value=\"\(value)\" hidden>"
    }

    /// A label in both languages for a word pair.
    static func label(_ words: FieldOpsWords.Pair) -> String {
        label(words.ja, words.en)
    }

    /// Where the pages' style sheet and script are served (AccessRules leaves /static open).
    static let stylePath = "/static/fieldops.css"
    static let scriptPath = "/static/fieldops.js"

    /// Serves the style sheet and the script that `page` links to.
    static func addAssetRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get(RouterPath(stylePath)) { _, _ in asset(style, type: "text/css; charset=utf-8") }
        router.get(RouterPath(scriptPath)) { _, _ in asset(script, type: "text/javascript; charset=utf-8") }
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
