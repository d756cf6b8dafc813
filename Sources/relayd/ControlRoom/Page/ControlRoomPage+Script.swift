extension ControlRoomPage {
    /// Plain browser JavaScript, no framework: it renders the view pushed on `/api/events` and
    /// sends operator actions to the same API the CLI uses, with the session's CSRF token.
    ///
    /// Updates arrive several times a second, so every element is created once per key (source,
    /// sink, reader, preset, caption) and then only has its text, classes and state changed:
    /// a button under the pointer or holding keyboard focus stays the same element, and clicks
    /// and focus survive every update.
    static let script = [labelsScript, coreScript, renderScript, recordingsScript, actionsScript].joined(separator: "\n")

    /// Helpers, the API client, the session, the event stream and the page's own expectations.
    private static let coreScript = #"""
        const ROLE_RIGHTS = { viewer: [], operator: ["operate"], coordinator: ["coordinate"], admin: ["operate", "coordinate", "admin"] };
        // How long the page trusts its own action over an older state from the event stream.
        const EXPECTATION_MS = 3000;

        let language = localStorage.getItem("relayd.language") === "en" ? "en" : "ja";
        let session = null;
        let view = null;
        let events = null;

        const $ = (id) => document.getElementById(id);
        const t = (key, values = {}) => (LABELS[language][key] ?? LABELS.en[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? "—"));
        const can = (right) => !!session && (ROLE_RIGHTS[session.role] || []).includes(right);

        // Every value from relayd (labels, names, caption text) reaches the page as text nodes
        // and attribute values set through the DOM, never parsed as markup.
        function element(tag, attributes = {}, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
          for (const child of children) node.append(child);
          return node;
        }

        // Writes only what changed, so an element under the pointer is never touched needlessly.
        function setText(node, text) { if (node.textContent !== text) node.textContent = text; }
        function setDisabled(node, disabled) { if (node.disabled !== disabled) node.disabled = disabled; }
        function setHidden(node, hidden) { if (node.hidden !== hidden) node.hidden = hidden; }

        // Keyed reconciliation: one child per key, created once, updated in place, kept in order
        // (moved only when out of place), removed when its key goes.
        function reconcile(container, items, key, create, update) {
          const existing = new Map();
          for (const child of container.children) existing.set(child.dataset.key, child);
          let cursor = container.firstElementChild;
          for (const item of items) {
            const itemKey = String(key(item));
            let node = existing.get(itemKey);
            if (node) existing.delete(itemKey);
            else { node = create(item); node.dataset.key = itemKey; }
            update(node, item);
            if (node !== cursor) container.insertBefore(node, cursor);
            else cursor = cursor.nextElementSibling;
          }
          for (const node of existing.values()) node.remove();
        }

        function bitrate(bits) {
          if (!bits) return "0 kb/s";
          return bits >= 1e6 ? (bits / 1e6).toFixed(2) + " Mb/s" : Math.round(bits / 1e3) + " kb/s";
        }

        // Times arrive in UTC and are shown to the second in the configured display time zone.
        const formatters = new Map();
        function displayZone() { return (view && view.display_time_zone) || "Asia/Tokyo"; }
        function clock(iso) {
          if (!iso) return "—";
          const locale = language === "ja" ? "ja-JP" : "en-GB";
          const key = locale + " " + displayZone();
          if (!formatters.has(key)) {
            formatters.set(key, new Intl.DateTimeFormat(locale, { timeZone: displayZone(), hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }));
          }
          return formatters.get(key).format(new Date(iso));
        }

        // MARK: API

        async function api(method, path, body) {
          const headers = { Accept: "application/json" };
          if (body !== undefined) headers["Content-Type"] = "application/json";
          if (method !== "GET" && session && session.csrf_token) headers["X-CSRF-Token"] = session.csrf_token;
          let response;
          try {
            response = await fetch(path, { method, headers, credentials: "same-origin",
                                           body: body === undefined ? undefined : JSON.stringify(body) });
          } catch (cause) {
            const error = new Error("network");
            error.status = 0;
            throw error;
          }
          const text = await response.text();
          let data = null;
          if (text) { try { data = JSON.parse(text); } catch (_) { data = { error: text }; } }
          if (!response.ok) {
            const error = new Error((data && data.error) || response.statusText);
            error.status = response.status;
            error.detail = data && data.detail;
            error.retryAfter = response.headers.get("Retry-After");
            if (response.status === 401 && path !== "/api/session") showLogin();
            throw error;
          }
          return data;
        }

        // A refusal in the page's language: relayd's English message names the case, the page
        // says it with what it knows (the source, what stays on air).
        function describe(error, context = {}) {
          const onAir = view && view.program ? view.program.on_air : "—";
          switch (error.status) {
            case 0: return t("errNetwork");
            case 401: return t("errSession");
            case 403: return t("errNoPermission");
            case 429: return t("tooMany");
          }
          switch (error.message) {
            case "source offline": return t("errOffline", { source: context.source, onAir });
            case "source unhealthy": return t("errUnhealthy", { source: context.source, onAir });
            case "cut did not take effect": return t("errCutAbandoned", { onAir });
            case "unknown source": return t("errUnknownSource");
            case "no such reader": return t("errGone");
            case "source has no publisher": return t("errNoPublisher");
            case "caption text is empty": return t("errCaptionEmpty");
            case "caption text too long": return t("errCaptionTooLong");
            case "unknown preset": return t("errUnknownPreset");
          }
          return t("errRefused") + " (HTTP " + error.status + "): " + error.message + (typeof error.detail === "string" ? " — " + error.detail : "");
        }

        // One status line per panel. An error stays until an action succeeds; then every error
        // on the page goes, since what it described is no longer the latest word.
        function succeeded(target, text = "") {
          for (const node of document.querySelectorAll(".result.error")) { node.classList.remove("error"); node.textContent = ""; }
          setText($(target), text);
        }
        function failed(target, error, context) {
          const node = $(target);
          node.classList.add("error");
          node.textContent = describe(error, context);
        }

        // MARK: Session

        async function start() {
          try {
            session = await api("GET", "/api/session");
          } catch (error) {
            if (error.status === 401) { showLogin(); return; }
            setConnection(false);
            setTimeout(start, 1000);
            return;
          }
          $("login").hidden = true;
          renderSession();
          connectEvents();
        }

        function showLogin() {
          if (events) { events.close(); events = null; }
          session = null;
          renderSession();
          $("login").hidden = false;
          $("login-name").focus();
        }

        async function login(event) {
          event.preventDefault();
          $("login-error").textContent = "";
          try {
            session = await api("POST", "/api/session", { name: $("login-name").value, password: $("login-password").value });
            $("login-password").value = "";
            $("login").hidden = true;
            renderSession();
            connectEvents();
          } catch (error) {
            $("login-error").textContent = error.status === 429 ? t("tooMany") + (error.retryAfter ? " (" + error.retryAfter + " s)" : "")
              : error.status === 401 ? t("loginFailed") : describe(error);
          }
        }

        async function logout() {
          try { await api("DELETE", "/api/session"); } catch (_) { /* the session may be gone already */ }
          showLogin();
        }

        function renderSession() {
          setText($("who"), session ? session.name + " (" + session.role + ")" : "");
          setHidden($("open-mode"), !(session && session.open));
          setHidden($("logout"), !session || !!session.open);
          render();
        }

        // MARK: Live updates

        function connectEvents() {
          if (events) events.close();
          events = new EventSource("/api/events");
          events.addEventListener("state", (message) => {
            view = JSON.parse(message.data);
            setConnection(true);
            render();
          });
          events.onerror = () => {
            setConnection(false);
            // EventSource retries network errors by itself; a refused stream (e.g. the session
            // ended with a restart) closes it, so start over from the session.
            if (events && events.readyState === EventSource.CLOSED) { events = null; setTimeout(start, 1000); }
          };
        }

        function setConnection(up) {
          const node = $("connection");
          node.classList.toggle("down", !up);
          setText(node, up ? t("connected") : t("reconnecting"));
        }

        // MARK: What the page expects after its own actions

        // The event stream may still deliver states from before an action this page just made
        // (the relay publishes its snapshot a few times a second, and a state from before the
        // action can look like one from before the action before it). For EXPECTATION_MS after
        // an action the page shows what the action did, so the next click acts on the new state
        // (a Hold becomes a Release at once; a kicked connection's button goes); then relayd's
        // state rules again. A refused action drops its expectation at once.
        const expected = new Map();
        function expect(key, value) {
          expected.set(key, { value, until: Date.now() + EXPECTATION_MS });
          setTimeout(render, EXPECTATION_MS + 50);
        }
        function believed(key, actual) {
          const entry = expected.get(key);
          if (!entry) return actual;
          if (entry.until < Date.now()) { expected.delete(key); return actual; }
          return entry.value;
        }
        const previewSource = () => believed("preview", view ? view.preview ?? null : null);
        const onAirSource = () => believed("on-air", view && view.program ? view.program.on_air : null);
        const sourceEnabled = (source) => believed("sources/" + source.id, source.enabled);
        const sinkEnabled = (sink) => believed("sinks/" + sink.id, sink.enabled);
        const readerShown = (reader) => believed("reader/" + reader.id, true);
        const publisherShown = (source) => source.state !== "offline" && believed("publisher/" + source.id + "/" + source.connected_at, true);
        """#
}
