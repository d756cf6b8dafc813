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

    /// A time in UTC, short enough for a board.
    static func time(_ date: Date?) -> String {
        guard let date else { return "–" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm'Z'"
        return escape(formatter.string(from: date))
    }

    /// A table: bilingual headings and pre-escaped cells.
    static func table(_ headings: [(String, String)], _ rows: [[String]], empty: String = "–") -> String {
        let head: String = headings.map { "<th>\(label($0.0, $0.1))</th>" }.joined()
        let body: String = rows.isEmpty
            ? "<tr><td colspan=\"\(headings.count)\">\(escape(empty))</td></tr>"
            : rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table>"
    }

    /// A complete page with the FieldOps navigation, linking the style sheet and the small script
    /// the action buttons use. Both are served as files (`addAssetRoutes`), never inline, so the
    /// Content-Security-Policy can forbid inline script and style outright.
    static func page(title: (String, String), body: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: document(title: title, body: body))))
    }

    /// The markup `page` sends.
    static func document(title: (String, String), body: String) -> String {
        """
            <!doctype html>
            <html lang="ja"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title.0)) / \(escape(title.1)) – FieldOps</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="\(stylePath)">
            <script src="\(scriptPath)" defer></script></head>
            <body>
            <nav><a href="/fieldops/deployments">\(label("展開", "Deployments"))</a>
            <a href="/fieldops/kits">\(label("資機材", "Kits"))</a>
            <a href="/fieldops/stations">\(label("中継所", "Stations"))</a>
            <a href="/fieldops/refuel">\(label("給油計画", "Refuel planning"))</a>
            <label class="actor">\(label("記録者", "Your name")) <input id="actor" size="12" autocomplete="name"></label></nav>
            <h1>\(label(title.0, title.1))</h1>
            \(body)
            </body></html>
            """
    }

    /// A button that POSTs `body` (JSON) to `url` and reloads; `prompt` asks for a field first.
    static func actionButton(_ japanese: String, _ english: String, url: String, body: String, prompt: String? = nil) -> String {
        let promptAttribute = prompt.map { " data-prompt=\"\(escape($0))\"" } ?? ""
        return "<button class=\"act\" data-url=\"\(escape(url))\" data-body=\"\(escape(body))\"\(promptAttribute)>\(label(japanese, english))</button>"
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

    static let style = """
        body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:1rem;color:#111}
        nav{display:flex;gap:1rem;flex-wrap:wrap;align-items:center;border-bottom:1px solid #ccc;padding-bottom:.5rem}
        nav .actor{margin-left:auto}
        .en{color:#555;font-size:.85em} h1 .en,h2 .en{font-size:.6em}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
        th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f3f3f3}
        .board{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
        .column{background:#f7f7f7;padding:.5rem;border-radius:.3rem}
        .card{background:#fff;border:1px solid #ddd;border-radius:.3rem;padding:.5rem;margin:.5rem 0}
        .band{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:bold;color:#fff}
        .band-critical{background:#b00020}.band-stale{background:#6d4c41}.band-low{background:#e65100}
        .band-watch{background:#f9a825;color:#111}.band-ok{background:#2e7d32}
        meter{width:8rem;height:1.2rem}
        .missing{color:#b00020;font-weight:bold}
        button.act{margin:.1rem}
        form.inline{display:inline-flex;gap:.3rem;flex-wrap:wrap;align-items:center}
        @media print{nav,button,form{display:none}}
        """

    /// Runs from its own file, so it binds every control with `addEventListener` (the pages
    /// carry no inline handlers, which the Content-Security-Policy would block). Sends the
    /// action buttons' and forms' requests with the coordinator's name in X-Actor
    /// (relayd replaces it with the logged-in account) and the session's CSRF token, shows
    /// refusals (409/422) as the API words them, reloads on success.
    static let script = """
        const actor=document.getElementById('actor');
        actor.value=localStorage.getItem('fieldops.actor')||'';
        actor.addEventListener('change',()=>localStorage.setItem('fieldops.actor',actor.value));
        let csrf=null;
        async function csrfToken(){
          if(csrf===null){const r=await fetch('/api/session',{credentials:'same-origin'});
            csrf=r.ok?((await r.json()).csrf_token||''):''}
          return csrf;
        }
        async function send(url,body){
          const r=await fetch(url,{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json',
            'X-Actor':actor.value||'anonymous','X-CSRF-Token':await csrfToken()},body:JSON.stringify(body)});
          if(r.ok){location.reload();return}
          const e=await r.json().catch(()=>({error:r.statusText}));alert(e.error);
        }
        document.querySelectorAll('button.act').forEach(b=>b.addEventListener('click',()=>{
          const body=JSON.parse(b.dataset.body);
          if(b.dataset.prompt){const v=prompt(b.dataset.prompt);if(v===null)return;
            body[b.dataset.prompt.split(' ')[0]]=(v.trim()!==''&&!isNaN(Number(v)))?Number(v):v}
          send(b.dataset.url,body);
        }));
        document.querySelectorAll('form.api').forEach(f=>f.addEventListener('submit',ev=>{
          ev.preventDefault();const body={};
          new FormData(f).forEach((v,k)=>{
            if(k.endsWith('[]')){const n=k.slice(0,-2);(body[n]=body[n]||[]).push(v);return}
            if(v!=='')body[k]=f.elements[k].type==='number'?Number(v):v});
          f.querySelectorAll('[data-empty-list]').forEach(e=>{body[e.dataset.emptyList]=body[e.dataset.emptyList]||[]});
          send(f.dataset.url,body);
        }));
        """
}
