import Foundation
import Hummingbird
import Testing
@testable import relayd

/// The pages' escaping and the headers every response carries (the browser test
/// Tests/Browser/test_script_injection.py attacks the same through Chromium).
@Suite struct PageEscapingTests {
    @Test func aQuoteFollowedByACombiningMarkIsStillEscaped() {
        // `"` + U+0301 is one Character; the HTML parser sees the quote all the same.
        #expect(HTML.escape("\"\u{301} onmouseover=x") == "&quot;\u{301} onmouseover=x")
        #expect(HTML.escape("'\u{301}") == "&#39;\u{301}")
        #expect(HTML.escape("<\u{338}") == "&lt;\u{338}", "≮ written as < + U+0338")
        #expect(HTML.escape("&\u{20DD}>") == "&amp;\u{20DD}&gt;")
    }

    @Test func escapingKeepsEveryOtherScalarAndTheTextsMeaning() {
        let text = "現場 \u{1F681} é e\u{301} \u{200D}\u{FEFF} tab\tline\n"
        #expect(HTML.escape(text) == text)
        #expect(HTML.escape(#"</script><img src=x onerror="a('b')">"#) == "&lt;/script&gt;&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;")
    }

    @Test func pagesLinkTheirScriptAndStyleInsteadOfInliningThem() {
        let html = HTML.document(title: ("試験", "Test"), body: "<p>x</p>")
        #expect(html.contains(#"<script src="/static/fieldops.js" defer></script>"#))
        #expect(html.contains(#"<link rel="stylesheet" href="/static/fieldops.css">"#))
        #expect(!html.contains("<script>") && !html.contains("<style"))
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"] {
            #expect(!HTML.script.contains(sink) && !ControlRoomPage.script.contains(sink), "the scripts parse no data as markup: \(sink)")
        }
    }

    @Test func thePagesAssetsAreOpenToEveryone() {
        for path in [HTML.scriptPath, HTML.stylePath, "/static/control-room.js", "/static/control-room.css"] {
            #expect(AccessRules.requirement(.get, path) == .open, "\(path)")
        }
    }

    @Test func thePolicyForbidsInlineScriptFramingAndForeignLoads() {
        let policy = SecurityHeaders.contentSecurityPolicy
        let directives = Dictionary(uniqueKeysWithValues: policy.split(separator: ";").map { directive in
            let words = directive.split(separator: " ").map(String.init)
            return (words[0], Array(words.dropFirst()))
        })
        #expect(directives["default-src"] == ["'none'"])
        #expect(directives["script-src"] == ["'self'"])
        #expect(directives["object-src"] == ["'none'"])
        #expect(directives["base-uri"] == ["'none'"])
        #expect(directives["frame-ancestors"] == ["'none'"])
        #expect(directives["form-action"] == ["'self'"])
        #expect(!policy.contains("unsafe"))
    }
}
