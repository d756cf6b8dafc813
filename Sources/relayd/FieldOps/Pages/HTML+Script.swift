extension HTML {
    /// The pages' script. It runs from its own file, so it binds every control by delegation
    /// (the pages carry no inline handlers, which the Content-Security-Policy would block).
    ///
    /// - Sends forms and action buttons as JSON with the recorder's name percent-encoded in
    ///   X-Actor (relayd decodes it; a logged-in account replaces it) and the session's CSRF
    ///   token; an empty name is refused before anything is sent.
    /// - Shows what happened in the page's language: a message on success, the refusal worded
    ///   from its details (state names, fields) on failure.
    /// - Refreshes `<main>` in place from the page's own URL whenever the FieldOps event stream
    ///   reports a change (and every minute, as order-by times pass): elements keep their
    ///   identity, open forms stay open, typed values stay. Not on the map, whose markers are
    ///   Leaflet's and which refreshes them itself (`FieldOpsMap.script`).
    static let script = #"""
        "use strict";
        (() => {
        const WORDS = \#(FieldOpsWords.json);
        const TEXT = {
          ja: {saved: "記録しました", nameRequired: "記録者の名前を入力してください（空欄では記録できません）", network: "サーバーに接続できません",
            stale: "他の人が先に変更しました。画面を更新しました。もう一度操作してください。", notFound: "見つかりません",
            login: "ログインが必要です（指令卓でログイン）", forbidden: "この操作の権限がありません", tooLarge: "入力が大きすぎます",
            cannotMove: (from, to) => `「${from}」から「${to}」へは移せません`, allowed: "可能な操作", none: "なし（最終状態）",
            because: "理由", field: "入力", missingConfirm: (list) => `次の構成品を欠品として記録します: ${list}\nよろしいですか？`,
            noneCounted: "構成品に一つも印がありません。全部を欠品として記録しますか？", toggle: "English", loggedIn: "記録者"},
          en: {saved: "Saved", nameRequired: "Enter your name first (記録者): nothing is recorded without one", network: "Cannot reach the server",
            stale: "Someone changed this first. The page is up to date now; please try again.", notFound: "Not found",
            login: "Log in first (on the control room)", forbidden: "You are not allowed to do this", tooLarge: "Too much input",
            cannotMove: (from, to) => `Cannot move from ${from} to ${to}`, allowed: "allowed", none: "none (final state)",
            because: "because", field: "Field", missingConfirm: (list) => `These components will be recorded as missing: ${list}\nRecord the return?`,
            noneCounted: "No component is ticked. Record every component as missing?", toggle: "日本語", loggedIn: "Recorder"},
        };
        // The API's English reasons, worded in Japanese; the rest of the sentence (names) is kept.
        const REASONS_JA = [
          ["must not be empty", "空欄にはできません"], ["is required", "必須です"], ["must be above zero", "0より大きくしてください"],
          ["must not be negative", "負の値にはできません"], ["is in the future", "未来の時刻です"], ["is already registered", "は登録済みです"],
          ["does not exist", "は存在しません"], ["is listed twice", "が二重に入力されています"], ["must be between", "範囲外です:"],
          ["cancelling needs a reason", "中止には理由が必要です"], ["reopening a closed deployment needs a reason", "終了した展開の再開には理由が必要です"],
          ["kits still out:", "貸出中の資機材があります:"], ["a deployment_id is required", "展開番号が必要です"], ["needs a reason", "理由が必要です"],
          ["returned incomplete, missing:", "欠品のある返却です。欠品:"], ["mark it unserviceable to replace them", "使用不可にして補充してください"],
          ["aborting needs a reason", "中断には理由が必要です"], ["delivering needs delivered_litres above zero", "給油量を入力してください"],
          ["closing needs a tank reading taken after the delivery", "締めるには給油後の残量記録が必要です"],
          ["is not available at this station", "はこの中継所で使用できません"], ["the station has no available access mode", "使用可能なアクセス手段がありません"],
          ["is already checked out", "は撤収済みです"], ["must not be before the check-in", "到着より前にはできません"],
          ["units check in while mobilizing, active or demobilizing", "部隊のチェックインは出動準備・活動中・撤収中のみです"],
          ["components can be added or removed only while the kit is at base", "構成品の追加・削除は資機材が基地にある時のみ"],
          ["exceeds the tank capacity", "タンク容量を超えています"], ["your name is required", "記録者の名前が必要です"],
        ];
        const $ = (id) => document.getElementById(id);
        const root = document.documentElement;
        const zone = root.dataset.timeZone || "Asia/Tokyo";
        let language = localStorage.getItem("relayd.language") === "en" ? "en" : "ja";
        const t = (key) => TEXT[language][key];
        const word = (key, fallback) => (WORDS[key] ? WORDS[key][language === "ja" ? 0 : 1] : fallback);

        function applyLanguage() {
          root.lang = language;
          root.classList.toggle("lang-ja", language === "ja");
          root.classList.toggle("lang-en", language === "en");
          $("lang-toggle").textContent = t("toggle");
          for (const node of document.querySelectorAll("[data-ja]")) node.textContent = language === "ja" ? node.dataset.ja : node.dataset.en;
          for (const node of document.querySelectorAll("[data-placeholder-ja]"))
            node.placeholder = language === "ja" ? node.dataset.placeholderJa : node.dataset.placeholderEn;
        }

        // Who records: the logged-in account, else the name typed here (kept in the browser).
        const actor = $("actor");
        actor.value = localStorage.getItem("fieldops.actor") || "";
        actor.addEventListener("change", () => localStorage.setItem("fieldops.actor", actor.value.trim()));
        let account = null;
        let csrf = "";
        const session = fetch("/api/session", {credentials: "same-origin"}).then(async (r) => {
          if (!r.ok) return;
          const s = await r.json();
          if (s.open) return;
          account = s.name;
          csrf = s.csrf_token || "";
          $("actor-field").hidden = true;
          $("account").hidden = false;
          $("account").textContent = `${t("loggedIn")}: ${account}`;
        }).catch(() => {});

        function say(message) { $("error").textContent = ""; $("status").textContent = message; }
        function fail(message) { $("status").textContent = ""; $("error").textContent = message; }

        function translateReason(text) {
          if (language !== "ja" || !text) return text;
          let out = text;
          for (const [en, ja] of REASONS_JA) out = out.split(en).join(ja);
          return out;
        }

        // A refusal in the page's language, from the details the API gives.
        function explain(status, e) {
          const d = (e && e.detail) || {};
          if (status === 401) return t("login");
          if (status === 403) return `${t("forbidden")} (${e.error || ""})`;
          if (status === 413) return t("tooLarge");
          if (status === 404) return `${t("notFound")}: ${e.error || ""}`;
          if (status === 409 && d.current_version !== undefined) return t("stale");
          if (status === 409 && d.current !== undefined) {
            const entity = String(e.error || "").split(" ")[0];
            const name = (s) => word(`${entity}.${s}`, s);
            let text = `${t("cannotMove")(name(d.current), name(d.requested))}`;
            if (d.because) text += ` — ${t("because")}: ${translateReason(d.because)}`;
            else text += ` — ${t("allowed")}: ${(d.allowed || []).map(name).join(", ") || t("none")}`;
            return text;
          }
          if (status === 422 && d.field) {
            const field = String(d.field).replace(/\[\d+\].*$/, "");
            return `${t("field")} 「${word(`field.${field}`, d.field)}」: ${translateReason(d.message)}`;
          }
          return translateReason(e.error || String(status));
        }

        // A wall-clock time typed in the display zone, as a UTC instant.
        function zonedToISO(local) {
          const [date, time] = local.split("T");
          const [y, mo, d] = date.split("-").map(Number);
          const [h, mi] = time.split(":").map(Number);
          const format = new Intl.DateTimeFormat("en-US", {timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit",
            day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
          const offset = (ms) => {
            const p = Object.fromEntries(format.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
            return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - ms;
          };
          const wall = Date.UTC(y, mo - 1, d, h, mi);
          let ms = wall - offset(wall);
          ms = wall - offset(ms);
          return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
        }

        const splitList = (text) => text.split(/[,、，]/).map((s) => s.trim()).filter((s) => s !== "");
        const splitPair = (line) => {
          const at = line.search(/[:：]/);
          return at < 0 ? [line.trim(), ""] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
        };
        const SHAPES = {
          members: (line) => { const [name, q] = splitPair(line); return {name, qualifications: splitList(q)}; },
          components: (line) => { const [serial, description] = splitPair(line); return {serial, description}; },
          curve: (line) => splitPair(line).map((x) => Number(x.replace("%", ""))),
        };

        // One field's JSON value; undefined leaves it out of the body.
        function valueOf(el) {
          const type = el.dataset.type;
          if (type === "bool") return el.type === "checkbox" ? el.checked : el.value === "true";
          if (el.type === "checkbox") return el.checked ? el.value : undefined;
          const raw = el.value.trim();
          if (raw === "") return el.dataset.empty === "keep" ? (type === "list" || type === "lines" ? [] : "") : undefined;
          if (el.type === "number" || type === "number") return Number(raw);
          if (el.type === "datetime-local") return zonedToISO(raw);
          if (type === "list") return splitList(raw);
          if (type === "lines") return raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "").map(SHAPES[el.dataset.shape]);
          return el.value;
        }

        function collect(form) {
          const body = {};
          for (const el of form.elements) {
            if (!el.name || el.disabled) continue;
            if (el.name.endsWith("[]")) {
              const key = el.name.slice(0, -2);
              body[key] = body[key] || [];
              if (el.checked) body[key].push(el.value);
              continue;
            }
            const value = valueOf(el);
            if (value !== undefined) body[el.name] = value;
          }
          for (const group of form.querySelectorAll("[data-group]")) {
            body[group.dataset.group] = [...group.querySelectorAll("[data-item]")].map((item) => {
              const entry = {};
              for (const el of item.querySelectorAll("[data-key]")) {
                const value = valueOf(el);
                if (value !== undefined) entry[el.dataset.key] = value;
              }
              return entry;
            }).filter((entry) => entry[group.dataset.requires] !== undefined);
          }
          return body;
        }

        const confirmText = (el) => (language === "ja" ? el.dataset.confirmJa : el.dataset.confirmEn);

        async function send(method, url, body, done) {
          await session;
          const name = account || actor.value.trim();
          if (!name) { fail(t("nameRequired")); actor.focus(); return false; }
          const headers = {"Content-Type": "application/json", "X-CSRF-Token": csrf};
          if (!account) headers["X-Actor"] = encodeURIComponent(name);
          let response;
          try {
            response = await fetch(url, {method, credentials: "same-origin", headers, body: JSON.stringify(body)});
          } catch (error) {
            fail(t("network"));
            return false;
          }
          if (response.ok) {
            say(`${t("saved")}: ${done}`);
            await refresh();
            return true;
          }
          const e = await response.json().catch(() => ({error: response.statusText}));
          fail(explain(response.status, e));
          if (response.status === 409) await refresh();
          return false;
        }

        const labelOf = (el) => (el ? el.innerText.replace(/\s+/g, " ").trim() : "");

        document.addEventListener("click", (event) => {
          const button = event.target.closest("button.act");
          if (!button) return;
          if (button.dataset.confirmJa && !confirm(confirmText(button))) return;
          send(button.dataset.method || "POST", button.dataset.url, JSON.parse(button.dataset.body), labelOf(button));
        });

        document.addEventListener("submit", async (event) => {
          const form = event.target.closest("form.api");
          if (!form) return;
          event.preventDefault();
          const body = collect(form);
          let url = form.dataset.url;
          url = url.replace(/\{(\w+)\}/g, (_, key) => { const v = body[key]; delete body[key]; return encodeURIComponent(v); });
          if (form.dataset.confirmJa && !confirm(confirmText(form))) return;
          if (form.classList.contains("return")) {
            const missing = [...form.querySelectorAll('input[name="present_serials[]"]')].filter((b) => !b.checked).map((b) => b.value);
            const all = missing.length === form.querySelectorAll('input[name="present_serials[]"]').length;
            if (missing.length > 0 && !confirm(all ? t("noneCounted") : t("missingConfirm")(missing.join(", ")))) return;
          }
          const submitter = event.submitter || form.querySelector("button");
          if (submitter) submitter.disabled = true;
          try {
            if (await send(form.dataset.method || "POST", url, body, labelOf(submitter))) {
              form.reset();
              const details = form.closest("details");
              if (details) details.open = false;
            }
          } finally {
            if (submitter) submitter.disabled = false;
          }
        });

        // In-place refresh: morph the live <main> into the server's new one.
        const keyOf = (node) => (node.nodeType === 1 ? node.id || node.dataset.key || null : null);
        const same = (a, b) => a.nodeType === b.nodeType && a.nodeName === b.nodeName && keyOf(a) === keyOf(b);
        function morphAttributes(from, to) {
          for (const {name} of [...from.attributes]) {
            if (!to.hasAttribute(name) && !(name === "open" && from.tagName === "DETAILS")) from.removeAttribute(name);
          }
          for (const {name, value} of to.attributes) if (from.getAttribute(name) !== value) from.setAttribute(name, value);
        }
        function morph(from, to) {
          if (from.nodeType !== 1) {
            if (from.nodeValue !== to.nodeValue) from.nodeValue = to.nodeValue;
            return;
          }
          morphAttributes(from, to);
          const keyed = new Map();
          for (const child of from.childNodes) { const key = keyOf(child); if (key) keyed.set(key, child); }
          let cursor = from.firstChild;
          for (const next of [...to.childNodes]) {
            const key = keyOf(next);
            let match = null;
            if (key && keyed.has(key)) { match = keyed.get(key); keyed.delete(key); }
            else if (!key && cursor && same(cursor, next)) match = cursor;
            if (match === null) { from.insertBefore(document.importNode(next, true), cursor); continue; }
            if (match === cursor) cursor = cursor.nextSibling;
            else from.insertBefore(match, cursor);
            morph(match, next);
          }
          while (cursor) { const after = cursor.nextSibling; cursor.remove(); cursor = after; }
        }

        let refreshing = null;
        let again = false;
        function refresh() {
          if (refreshing) { again = true; return refreshing; }
          refreshing = (async () => {
            do {
              again = false;
              const response = await fetch(location.pathname + location.search, {credentials: "same-origin", cache: "no-store"});
              if (!response.ok) break;
              const next = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("main");
              if (next) { morph($("main"), next); applyLanguage(); }
            } while (again);
          })().catch(() => {}).finally(() => { refreshing = null; });
          return refreshing;
        }

        $("lang-toggle").addEventListener("click", () => {
          language = language === "ja" ? "en" : "ja";
          localStorage.setItem("relayd.language", language);
          applyLanguage();
        });
        applyLanguage();

        // Printable forms stay as printed; the map refreshes its own layers from its data.
        if (!document.querySelector("[data-printable], [data-own-refresh]")) {
          const events = new EventSource("/api/fieldops/events");
          events.addEventListener("change", () => refresh());
          setInterval(refresh, 60000);
        }
        })();
        """#
}
