extension ControlRoomPage {
    /// Plain browser JavaScript, no framework: it renders the view pushed on `/api/events` and
    /// sends operator actions to the same API the CLI uses, with the session's CSRF token.
    ///
    /// Updates arrive several times a second, so every element is created once per key (source,
    /// sink, reader, preset, caption) and then only has its text, classes and state changed:
    /// a button under the pointer or holding keyboard focus stays the same element, and clicks
    /// and focus survive every update.
    static let script = #"""
        "use strict";

        const LABELS = {
          ja: {
            title: "映像中継 指令卓", connecting: "接続中…", connected: "ライブ", reconnecting: "再接続中…",
            openMode: "認証なし（この端末のみ）", logout: "ログアウト", login: "ログイン", name: "名前",
            password: "パスワード", loginButton: "ログイン", loginFailed: "名前またはパスワードが違います",
            tooMany: "試行回数が多すぎます。しばらく待ってください", multiview: "マルチビュー",
            programPanel: "プレビュー / 送出", preview: "プレビュー", program: "送出中 (PGM)",
            take: "テイク (カット)", mode: "モード", failover: "フェイルオーバー", lastCut: "最終カット",
            captions: "テロップ", captionOnAir: "送出中のテロップ", position: "位置", bottom: "下", top: "上",
            style: "スタイル", styleLabel: "ラベル", styleBanner: "速報帯", styleNote: "注記",
            captionOn: "送出 / 更新", captionPlaceholder: "テロップを入力（Ctrl+Enter で送出）", captionClear: "消去", presets: "プリセット（押すと即送出）", history: "履歴（押すと入力欄へ）",
            delivery: "配信先", live: "受信中", stalled: "途絶", offline: "オフライン", onAir: "送出",
            inPreview: "PVW", passthrough: "パススルー", transcode: "トランスコード", slate: "スレート（映像途絶）",
            normal: "正常", onBackup: "バックアップ送出中", onSlate: "スレート送出中", pendingCut: "カット待ち",
            moveFailover: "自動切替（障害）", moveRestore: "自動復帰", moveFirstLive: "最初の受信ソース",
            receiving: "受信中", notReceiving: "受信停止", disconnected: "未接続", bitrate: "ビットレート",
            drops: "ドロップ", reconnects: "再接続", readers: "接続数", rtt: "RTT", loss: "損失",
            tookEffect: "カット完了", waited: "待ち", none: "なし", by: "操作者",
            hold: "停止", release: "再開", held: "停止中（管理者）", timeZone: "表示時刻",
            kickReader: "切断", kickPublisher: "送信元を切断", sourcesAdmin: "ソース管理（管理者）", noPublisher: "送信元なし",
            user: "ユーザー", address: "接続元", publisher: "送信元",
            cancel: "キャンセル", keys: "キー操作", help: "キー操作 (?)", close: "閉じる",
            keyDigits: "プレビューのソースを選ぶ（マルチビューの番号順）", keyTake: "テイク（ボタン・入力欄の外で）",
            keyEscape: "プレビューを外す / 確認・この一覧を閉じる", keyCaption: "入力したテロップを送出", keyHelp: "この一覧を開く・閉じる",
            keyTab: "タイルとボタンを順に移動（タイルでは Enter / Space でプレビュー）",
            takeOffline: "プレビューのソースは{state}: テイクできません", takeSame: "プレビューは送出中と同じです",
            takeNoPreview: "タイルを押すか数字キーでプレビューを選んでください",
            fieldOps: "現地運用", fieldOpsOK: "現地運用: 警報なし", moreAlerts: "ほか {n} 件",
            bandCritical: "燃料 危険", bandLow: "燃料 少", bandWatch: "燃料 注意", bandStale: "燃料 不明", bandOk: "燃料",
            orderByPassed: "発注期限超過", orderBy: "発注期限", kitOverdue: "キット未返却",
            stateCancelled: "中止", stateClosed: "終了", stateDemobilizing: "撤収中",
            confirmHoldSourceTitle: "ソースを停止しますか？",
            confirmHoldSource: "「{label}」({id}) の送信元を切断し、再開するまで接続を拒否します。送出中ならバックアップかスレートに切り替わります。",
            confirmHoldSinkTitle: "配信を停止しますか？",
            confirmHoldSink: "配信先「{name}」({id}) への配信を止め、接続中の {count} 件を切断します。再開するまで受信できません。",
            confirmKickReaderTitle: "この接続を切断しますか？",
            confirmKickReader: "配信先「{name}」({sink}) の接続 #{id}（ユーザー {user}、接続元 {address}）を切断します。受信側は再接続できます。",
            confirmKickPublisherTitle: "送信元を切断しますか？",
            confirmKickPublisher: "「{label}」({id}) の送信元（ユーザー {user}、接続元 {address}）を切断します。再接続するまで映像が途絶えます。",
            confirmHold: "停止する", confirmKick: "切断する",
            errNoPermission: "この操作の権限がありません", errSession: "ログインし直してください",
            errOffline: "カット不可: {source} はライブではありません（送出は {onAir} のまま）",
            errCutAbandoned: "カットが完了しませんでした（送出は {onAir} のまま）",
            errUnknownSource: "そのソースはありません", errGone: "対象はもう接続していません",
            errNoPublisher: "このソースには送信元が接続していません", errCaptionEmpty: "テロップの文字を入力してください",
            errCaptionTooLong: "テロップが長すぎます（200 文字まで）", errUnknownPreset: "そのプリセットはありません",
            errNetwork: "relayd に届きませんでした。接続を確認してください", errRefused: "操作が拒否されました",
          },
          en: {
            title: "Video relay control room", connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…",
            openMode: "Open: no accounts (this machine only)", logout: "Log out", login: "Log in", name: "Name",
            password: "Password", loginButton: "Log in", loginFailed: "Wrong name or password",
            tooMany: "Too many attempts; wait a moment", multiview: "Multiview",
            programPanel: "Preview / Program", preview: "Preview", program: "Program (on air)",
            take: "Take (cut)", mode: "Mode", failover: "Failover", lastCut: "Last cut",
            captions: "Captions", captionOnAir: "Caption on air", position: "Position", bottom: "Bottom", top: "Top",
            style: "Style", styleLabel: "Label", styleBanner: "Breaking banner", styleNote: "Note",
            captionOn: "On air / update", captionPlaceholder: "Type a caption (Ctrl+Enter puts it on air)", captionClear: "Clear", presets: "Presets (on air at one press)", history: "History (press to edit)",
            delivery: "Delivery", live: "live", stalled: "stalled", offline: "offline", onAir: "ON AIR",
            inPreview: "PVW", passthrough: "passthrough", transcode: "transcode", slate: "Slate (no signal)",
            normal: "normal", onBackup: "on backup", onSlate: "on slate", pendingCut: "cut pending",
            moveFailover: "failover", moveRestore: "restored", moveFirstLive: "first live source",
            receiving: "receiving", notReceiving: "NOT RECEIVING", disconnected: "not connected", bitrate: "Bitrate",
            drops: "Drops", reconnects: "Reconnects", readers: "Readers", rtt: "RTT", loss: "Loss",
            tookEffect: "Cut took effect", waited: "waited", none: "none", by: "by",
            hold: "Hold", release: "Release", held: "held by an admin", timeZone: "Times in",
            kickReader: "Kick", kickPublisher: "Kick publisher", sourcesAdmin: "Sources (admin)", noPublisher: "no publisher",
            user: "user", address: "from", publisher: "publisher",
            cancel: "Cancel", keys: "Keys", help: "Keys (?)", close: "Close",
            keyDigits: "Pick the preview source (multiview order)", keyTake: "Take (outside buttons and text fields)",
            keyEscape: "Clear the preview / close a question or this list", keyCaption: "Put the typed caption on air", keyHelp: "Open or close this list",
            keyTab: "Move between tiles and buttons (Enter / Space on a tile previews it)",
            takeOffline: "The preview source is {state}: it cannot be taken", takeSame: "The preview is already on air",
            takeNoPreview: "Press a tile or a digit to choose the preview",
            fieldOps: "Field ops", fieldOpsOK: "Field ops: no alerts", moreAlerts: "{n} more",
            bandCritical: "fuel CRITICAL", bandLow: "fuel low", bandWatch: "fuel watch", bandStale: "fuel unknown", bandOk: "fuel",
            orderByPassed: "order-by time passed", orderBy: "order by", kitOverdue: "kit overdue",
            stateCancelled: "cancelled", stateClosed: "closed", stateDemobilizing: "demobilizing",
            confirmHoldSourceTitle: "Hold this source?",
            confirmHoldSource: "The publisher of “{label}” ({id}) is cut off and refused until released. If it is on air, the program moves to its backup or the slate.",
            confirmHoldSinkTitle: "Hold this delivery?",
            confirmHoldSink: "Delivery to “{name}” ({id}) stops and its {count} connection(s) are cut off; it receives nothing until released.",
            confirmKickReaderTitle: "Cut off this connection?",
            confirmKickReader: "Connection #{id} of “{name}” ({sink}), user {user}, from {address}, is cut off. The receiver may call in again.",
            confirmKickPublisherTitle: "Cut off this publisher?",
            confirmKickPublisher: "The publisher of “{label}” ({id}), user {user}, from {address}, is cut off. The picture is lost until it calls in again.",
            confirmHold: "Hold", confirmKick: "Cut off",
            errNoPermission: "Your role does not allow this", errSession: "Please log in again",
            errOffline: "Cut refused: {source} is not live (the program stays on {onAir})",
            errCutAbandoned: "The cut did not take effect (the program stays on {onAir})",
            errUnknownSource: "No such source", errGone: "It is no longer connected",
            errNoPublisher: "No publisher is connected to this source", errCaptionEmpty: "Type the caption text first",
            errCaptionTooLong: "The caption is too long (200 characters at most)", errUnknownPreset: "No such preset",
            errNetwork: "relayd could not be reached; check the connection", errRefused: "Refused",
          },
        };
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
            case "cut did not take effect": return t("errCutAbandoned", { onAir });
            case "unknown source": return t("errUnknownSource");
            case "no such reader": return t("errGone");
            case "source has no publisher": return t("errNoPublisher");
            case "caption text is empty": return t("errCaptionEmpty");
            case "caption text too long": return t("errCaptionTooLong");
            case "unknown preset": return t("errUnknownPreset");
          }
          return t("errRefused") + " (HTTP " + error.status + "): " + error.message + (error.detail ? " — " + error.detail : "");
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

        // MARK: Rendering

        function applyLanguage() {
          document.documentElement.lang = language;
          document.querySelectorAll("[data-i18n]").forEach((node) => setText(node, t(node.dataset.i18n)));
          $("caption-text").placeholder = t("captionPlaceholder");
          setText($("lang-toggle"), language === "ja" ? "English" : "日本語");
          render();
        }

        function render() {
          renderClock();
          if (!view) return;
          renderAlerts();
          renderTiles();
          renderProgram();
          renderCaptions();
          renderSinks();
          renderSourcesAdmin();
        }

        function renderClock() {
          setText($("clock"), clock(new Date().toISOString()));
          setText($("time-zone"), displayZone());
        }

        // An image reloads only when its resource has a newer thumbnail (or it shows another
        // resource now, as the preview monitor does after a new preview).
        function thumbnail(image, resource, path) {
          const sequence = view.thumbnails[resource];
          if (sequence === undefined || (image.dataset.resource === resource && image.dataset.seq === String(sequence))) return;
          image.src = path + "?seq=" + sequence;
          image.dataset.resource = resource;
          image.dataset.seq = sequence;
        }

        function sourceState(source) {
          return t(source.state) + (sourceEnabled(source) ? "" : " · " + t("held"));
        }

        function renderTiles() {
          const onAir = onAirSource();
          const preview = previewSource();
          reconcile($("tiles"), view.sources, (source) => source.id, (source) => {
            const tile = element("article", { class: "tile", "data-source": source.id, tabindex: "0", role: "button" },
              element("div", { class: "thumb" }, element("img", { alt: "" }), element("span", { class: "number" })),
              element("div", { class: "meta" },
                element("span", { class: "label" }), element("span", { class: "tally" }),
                element("span", { class: "kind" }), element("span", { class: "state" }),
                element("span", { class: "numbers" })));
            tile.addEventListener("click", () => choosePreview(tile.dataset.source));
            return tile;
          }, (tile, source) => {
            const index = view.sources.indexOf(source) + 1;
            tile.classList.toggle("on-air", source.id === onAir);
            tile.classList.toggle("preview", source.id === preview);
            tile.setAttribute("aria-pressed", String(source.id === preview));
            tile.setAttribute("aria-label", (index <= 9 ? index + ": " : "") + source.label + " (" + source.id + ") " + sourceState(source));
            setText(tile.querySelector(".number"), index <= 9 ? String(index) : "");
            setText(tile.querySelector(".tally"), source.id === onAir ? t("onAir") : source.id === preview ? t("inPreview") : "");
            setText(tile.querySelector(".label"), source.label);
            setText(tile.querySelector(".kind"), source.kind + " · " + source.id);
            const state = tile.querySelector(".state");
            const stateClass = "state " + source.state;
            if (state.className !== stateClass) state.className = stateClass;
            setText(state, sourceState(source));
            const srt = source.srt || {};
            setText(tile.querySelector(".numbers"), bitrate(source.bitrate_bits_per_second) + " · " + t("rtt") + " " +
              (srt.rtt_milliseconds !== undefined ? srt.rtt_milliseconds.toFixed(1) + " ms" : "—") + " · " + t("loss") + " " + (srt.packets_lost ?? 0));
            tile.querySelector(".thumb").classList.toggle("stale", source.state !== "live");
            const image = tile.querySelector("img");
            if (image.alt !== source.label) image.alt = source.label;
            thumbnail(image, source.id, `/api/sources/${encodeURIComponent(source.id)}/thumbnail.jpg`);
          });
        }

        // Why Take is not possible right now, or null when it is.
        function takeBlocked() {
          const preview = previewSource();
          if (!preview) return t("takeNoPreview");
          if (preview === onAirSource()) return t("takeSame");
          const source = view.sources.find((s) => s.id === preview);
          if (!source || source.state !== "live" || !sourceEnabled(source)) return t("takeOffline", { state: source ? sourceState(source) : t("offline") });
          return null;
        }

        function renderProgram() {
          const program = view.program;
          const preview = previewSource();
          const source = view.sources.find((s) => s.id === preview);
          setText($("preview-source"), source ? source.label + " (" + source.id + ")" : preview || "—");
          const down = !!source && source.state !== "live";
          $("preview-monitor").classList.toggle("stale", down);
          setText($("preview-state"), down || (source && !sourceEnabled(source)) ? sourceState(source) : "");
          if (preview) thumbnail($("preview-img"), preview, `/api/sources/${encodeURIComponent(preview)}/thumbnail.jpg`);
          else if ($("preview-img").hasAttribute("src")) { $("preview-img").removeAttribute("src"); delete $("preview-img").dataset.resource; }
          const blocked = program ? takeBlocked() : null;
          setDisabled($("take-button"), !can("operate") || !program || blocked !== null || taking);
          setText($("take-hint"), can("operate") && program && !taking ? blocked || "" : "");
          if (!program) return;
          setText($("on-air-source"), program.on_air === "slate" ? t("slate") : program.on_air);
          thumbnail($("program-img"), "program", "/api/program/thumbnail.jpg");
          setText($("program-mode"), t(program.mode));
          const lastMove = program.automatic_moves.length ? program.automatic_moves[program.automatic_moves.length - 1] : null;
          let failover = t("normal");
          if (program.pending_cut) failover = t("pendingCut") + ": " + program.pending_cut;
          else if (program.on_air === "slate") failover = t("onSlate");
          else if (lastMove && lastMove.reason === "failover" && lastMove.to === program.on_air) failover = t("onBackup") + " (" + lastMove.from + " → " + lastMove.to + ")";
          const node = $("failover-state");
          setText(node, failover + (lastMove ? " · " + moveReason(lastMove.reason) + " " + clock(lastMove.at) : ""));
          node.classList.toggle("failover-active", failover !== t("normal"));
          setText($("last-cut"), program.last_cut ? program.last_cut.source + " " + clock(program.last_cut.took_effect_at) + (program.last_cut.by ? " · " + t("by") + " " + program.last_cut.by : "") : "—");
        }

        // Automatic moves' reasons as the engine names them, in the page's language.
        const MOVE_REASONS = { failover: "moveFailover", restore: "moveRestore", first_live: "moveFirstLive" };
        function moveReason(reason) { return MOVE_REASONS[reason] ? t(MOVE_REASONS[reason]) : reason; }

        const STYLE_LABELS = { label: "styleLabel", banner: "styleBanner", note: "styleNote" };

        function renderCaptions() {
          const caption = view.program && view.program.caption;
          setText($("caption-on-air"), caption ? caption.text : t("none"));
          for (const id of ["caption-on", "caption-clear", "caption-text"]) setDisabled($(id), !can("operate"));
          reconcile($("presets"), view.presets, (preset) => preset.name, (preset) => {
            const button = element("button", { type: "button", class: "preset", "data-preset": preset.name },
              element("b", {}), element("small", {}));
            button.addEventListener("click", () => showPreset(button.dataset.preset));
            return button;
          }, (button, preset) => {
            setText(button.querySelector("b"), preset.name);
            setText(button.querySelector("small"), preset.caption.text + " · " + t(STYLE_LABELS[preset.caption.style] || preset.caption.style) + " · " + t(preset.caption.position));
            setDisabled(button, !can("operate"));
          });
          reconcile($("caption-history"), view.caption_history, (use) => use.text + "\u0000" + use.position + "\u0000" + use.style, (use) => {
            const recall = element("button", { type: "button", class: "recall" });
            recall.addEventListener("click", () => {
              $("caption-text").value = recall.dataset.text;
              $("caption-position").value = recall.dataset.position;
              $("caption-style").value = recall.dataset.style;
              $("caption-text").focus();
            });
            return element("li", {}, recall, " ", element("small", {}));
          }, (item, use) => {
            const recall = item.querySelector("button");
            recall.dataset.text = use.text; recall.dataset.position = use.position; recall.dataset.style = use.style;
            setText(recall, use.text);
            setText(item.querySelector("small"), clock(use.at) + " · " + use.by + " · " + t(STYLE_LABELS[use.style] || use.style) + " · " + t(use.position));
          });
        }

        // "user · sink name · address" for a connection a kick would cut (what is known of it).
        function who(...parts) { return parts.filter((part) => part).join(" · "); }

        function renderSinks() {
          reconcile($("sinks"), view.sinks, (sink) => sink.id, (sink) => {
            const card = element("article", { class: "sink", "data-sink": sink.id },
              // The hold button sits above everything whose size changes with the figures, so it
              // never moves under the pointer.
              element("div", { class: "name" }), element("div", { class: "status" }), element("div", { class: "admin" }),
              element("dl"), element("div", { class: "connections" }));
            const hold = element("button", { type: "button", class: "hold danger", "data-hold": "sinks/" + sink.id });
            hold.addEventListener("click", () => toggleHold(hold));
            card.querySelector(".admin").append(hold);
            return card;
          }, (card, sink) => {
            const enabled = sinkEnabled(sink);
            card.classList.toggle("down", !sink.receiving);
            setText(card.querySelector(".name"), sink.name + " (" + sink.id + ")");
            setText(card.querySelector(".status"), (!enabled ? t("held") + " · " : "") +
              (!sink.connected ? t("disconnected") : sink.receiving ? t("receiving") : t("notReceiving")));
            const facts = [[t("bitrate"), bitrate(sink.bitrate_bits_per_second)], [t("drops"), sink.dropped_payloads + sink.packets_dropped],
                           [t("reconnects"), sink.reconnects], [t("readers"), sink.readers.length],
                           [t("rtt"), sink.rtt_milliseconds != null ? sink.rtt_milliseconds.toFixed(1) + " ms" : "—"]];
            reconcile(card.querySelector("dl"), facts.flatMap(([name, value], index) => [["t" + index, name, "dt"], ["d" + index, String(value), "dd"]]),
              (fact) => fact[0], (fact) => element(fact[2]), (node, fact) => setText(node, fact[1]));
            const admin = can("admin");
            reconcile(card.querySelector(".connections"), admin ? sink.readers.filter(readerShown) : [], (reader) => reader.id, (reader) => {
              const button = element("button", { type: "button", class: "kick danger", "data-reader": String(reader.id) });
              button.addEventListener("click", () => kickReader(button));
              return button;
            }, (button, reader) => {
              button.dataset.sinkName = sink.name; button.dataset.sink = sink.id;
              button.dataset.user = reader.user || "—"; button.dataset.address = reader.address || "—";
              setText(button, t("kickReader") + ": " + who(reader.user, sink.name, reader.address));
            });
            const hold = card.querySelector(".hold");
            setHidden(hold, !admin);
            hold.dataset.enabled = String(enabled);
            hold.dataset.name = sink.name;
            hold.dataset.count = String(sink.readers.length);
            hold.classList.toggle("danger", enabled);
            setText(hold, enabled ? t("hold") : t("release"));
          });
        }

        // Source holds and publisher kicks: admin actions, last in the page's Tab order.
        function renderSourcesAdmin() {
          const admin = can("admin");
          setHidden($("sources-admin"), !admin);
          reconcile($("source-admin-list"), admin ? view.sources : [], (source) => source.id, (source) => {
            // Fixed columns: the buttons stay put while the state text beside them changes.
            const row = element("li", { "data-source-admin": source.id },
              element("span", { class: "who" }), element("button", { type: "button", class: "hold danger", "data-hold": "sources/" + source.id }),
              element("button", { type: "button", class: "kick danger", "data-publisher": source.id }));
            row.querySelector(".hold").addEventListener("click", (event) => toggleHold(event.currentTarget));
            row.querySelector(".kick").addEventListener("click", (event) => kickPublisher(event.currentTarget));
            return row;
          }, (row, source) => {
            const enabled = sourceEnabled(source);
            setText(row.querySelector(".who"), source.label + " (" + source.id + ") · " + sourceState(source));
            const hold = row.querySelector(".hold");
            hold.dataset.enabled = String(enabled);
            hold.dataset.name = source.label;
            hold.classList.toggle("danger", enabled);
            setText(hold, enabled ? t("hold") : t("release"));
            const kick = row.querySelector(".kick");
            const present = publisherShown(source);
            setHidden(kick, !present);
            kick.dataset.connectedAt = source.connected_at || "";
            kick.dataset.label = source.label;
            kick.dataset.user = source.publisher_user || "—";
            kick.dataset.address = source.publisher_address || "—";
            setText(kick, t("kickPublisher") + ": " + who(source.publisher_user, source.publisher_address));
          });
        }

        const BANDS = { critical: "bandCritical", low: "bandLow", watch: "bandWatch", stale: "bandStale", ok: "bandOk" };
        const DEPLOYMENT_STATES = { cancelled: "stateCancelled", closed: "stateClosed", demobilizing: "stateDemobilizing" };
        const SHOWN_ALERTS = 3;

        // FieldOps matters that can take a relay link off air, each a link to the page that
        // deals with it.
        function renderAlerts() {
          const alerts = view.field_ops_alerts || [];
          const shown = alerts.slice(0, SHOWN_ALERTS);
          const items = shown.map((alert, index) => ({ key: "a" + index, alert }));
          if (alerts.length > SHOWN_ALERTS) items.push({ key: "more", more: alerts.length - SHOWN_ALERTS });
          if (!alerts.length) items.push({ key: "ok" });
          reconcile($("fieldops-alerts"), items, (item) => item.key, () => element("li", {}, element("a", {})), (item, entry) => {
            const link = item.querySelector("a");
            let href = "/fieldops", text = t("fieldOpsOK"), level = "ok";
            if (entry.more) { href = "/fieldops/stations"; text = t("moreAlerts", { n: entry.more }); level = "more"; }
            else if (entry.alert) {
              const alert = entry.alert;
              href = alert.link;
              if (alert.kind === "generator") {
                level = alert.order_by_passed || alert.band === "critical" ? "critical" : "low";
                text = alert.station + " " + alert.generator + ": " + t(BANDS[alert.band] || alert.band) +
                  (alert.order_by ? " · " + (alert.order_by_passed ? t("orderByPassed") : t("orderBy")) + " " + clock(alert.order_by) : "");
              } else {
                level = "low";
                text = t("kitOverdue") + ": " + alert.kit + " · " + alert.deployment + " (" + t(DEPLOYMENT_STATES[alert.deployment_state] || alert.deployment_state) + ")";
              }
            }
            if (link.getAttribute("href") !== href) link.setAttribute("href", href);
            if (link.className !== "alert " + level) link.className = "alert " + level;
            setText(link, text);
          });
        }

        // MARK: Questions before cutting someone off

        let answer = null;
        function ask(title, text, confirmLabel) {
          if (answer) answer(false);
          setText($("confirm-title"), title);
          setText($("confirm-text"), text);
          setText($("confirm-ok"), confirmLabel);
          const opener = document.activeElement;
          $("confirm").hidden = false;
          $("confirm-cancel").focus();
          return new Promise((resolve) => {
            answer = (yes) => {
              answer = null;
              $("confirm").hidden = true;
              if (opener && opener.isConnected && !opener.hidden && !opener.disabled) opener.focus();
              resolve(yes);
            };
          });
        }

        // MARK: Actions

        async function choosePreview(source) {
          if (!can("operate")) return;
          expect("preview", source);
          render();
          try { await api("POST", "/api/control-room/preview", { source }); succeeded("cut-result"); }
          catch (error) { expected.delete("preview"); render(); failed("cut-result", error, { source }); }
        }

        let taking = false;
        async function take() {
          const source = previewSource();
          if (!source || $("take-button").disabled) return;
          taking = true;
          render();
          setText($("cut-result"), "…");
          try {
            const result = await api("POST", "/api/program/cut", { source });
            expect("on-air", result.source);
            succeeded("cut-result", t("tookEffect") + ": " + result.source + " " + clock(result.took_effect_at) + " (" + t("waited") + " " + result.waited_milliseconds + " ms)");
          } catch (error) {
            setText($("cut-result"), "");
            failed("cut-result", error, { source });
          } finally {
            taking = false;
            render();
          }
        }

        async function putCaption() {
          if (!can("operate")) return;
          const text = $("caption-text").value;
          try {
            await api("PUT", "/api/program/caption", { text, position: $("caption-position").value, style: $("caption-style").value });
            succeeded("caption-result");
          } catch (error) { failed("caption-result", error); }
        }

        async function showPreset(name) {
          try { await api("PUT", "/api/program/presets/" + encodeURIComponent(name) + "/on-air"); succeeded("caption-result"); }
          catch (error) { failed("caption-result", error); }
        }

        async function clearCaption() {
          try { await api("DELETE", "/api/program/caption"); succeeded("caption-result"); } catch (error) { failed("caption-result", error); }
        }

        // Holding cuts people off and asks first; releasing does not.
        async function toggleHold(button) {
          const [kind, id] = button.dataset.hold.split("/");
          const enabled = button.dataset.enabled === "true";
          if (enabled) {
            const question = kind === "sources"
              ? ask(t("confirmHoldSourceTitle"), t("confirmHoldSource", { label: button.dataset.name, id }), t("confirmHold"))
              : ask(t("confirmHoldSinkTitle"), t("confirmHoldSink", { name: button.dataset.name, id, count: button.dataset.count }), t("confirmHold"));
            if (!(await question)) return;
          }
          // Shown at once, so the next press acts on the new state even before relayd answers.
          expect(kind + "/" + id, !enabled);
          render();
          try {
            await api("PUT", `/api/${kind}/${encodeURIComponent(id)}/enabled`, { enabled: !enabled });
            succeeded("delivery-result");
          } catch (error) { expected.delete(kind + "/" + id); render(); failed("delivery-result", error); }
        }

        async function kickReader(button) {
          const { reader, sink, sinkName, user, address } = button.dataset;
          if (!(await ask(t("confirmKickReaderTitle"), t("confirmKickReader", { id: reader, name: sinkName, sink, user, address }), t("confirmKick")))) return;
          expect("reader/" + reader, false);
          render();
          try {
            await api("DELETE", "/api/readers/" + encodeURIComponent(reader));
            succeeded("delivery-result");
          } catch (error) { expected.delete("reader/" + reader); render(); failed("delivery-result", error); }
        }

        async function kickPublisher(button) {
          const { publisher, label, user, address, connectedAt } = button.dataset;
          if (!(await ask(t("confirmKickPublisherTitle"), t("confirmKickPublisher", { id: publisher, label, user, address }), t("confirmKick")))) return;
          const key = "publisher/" + publisher + "/" + connectedAt;
          expect(key, false);
          render();
          try {
            await api("DELETE", "/api/sources/" + encodeURIComponent(publisher) + "/publisher");
            succeeded("delivery-result");
          } catch (error) { expected.delete(key); render(); failed("delivery-result", error, { source: publisher }); }
        }

        // MARK: Keyboard

        const typing = (target) => target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
        const pressable = (target) => target instanceof HTMLElement && !!target.closest("button, a, [role=button], input, textarea, select, summary");

        function toggleHelp(show = $("help").hidden) {
          $("help").hidden = !show;
          if (show) $("help-close").focus();
        }

        function onKey(event) {
          if (!$("login").hidden) return;
          if (answer) {
            if (event.key === "Escape") { event.preventDefault(); answer(false); }
            else if (event.key === "Tab") {
              // Keep focus inside the question until it is answered.
              event.preventDefault();
              (document.activeElement === $("confirm-ok") ? $("confirm-cancel") : $("confirm-ok")).focus();
            }
            return;
          }
          if (!$("help").hidden) {
            if (event.key === "Escape" || event.key === "?") { event.preventDefault(); toggleHelp(false); }
            return;
          }
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); putCaption(); return; }
          if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
          if (event.key === "?") { event.preventDefault(); toggleHelp(true); return; }
          if (!view) return;
          if (/^[1-9]$/.test(event.key)) {
            const source = view.sources[Number(event.key) - 1];
            if (source) { event.preventDefault(); choosePreview(source.id); }
            return;
          }
          if (event.key === "Escape") { event.preventDefault(); clearPreview(); return; }
          if (event.key === "Enter" || event.key === " ") {
            const tile = event.target instanceof HTMLElement ? event.target.closest(".tile") : null;
            if (tile) { event.preventDefault(); choosePreview(tile.dataset.source); return; }
            if (pressable(event.target)) return;
            event.preventDefault();
            take();
          }
        }

        async function clearPreview() {
          if (!can("operate") || !previewSource()) return;
          expect("preview", null);
          render();
          try { await api("POST", "/api/control-room/preview", { source: null }); succeeded("cut-result"); }
          catch (error) { expected.delete("preview"); render(); failed("cut-result", error); }
        }

        document.addEventListener("DOMContentLoaded", () => {
          $("login-form").addEventListener("submit", login);
          $("logout").addEventListener("click", logout);
          $("take-button").addEventListener("click", take);
          $("caption-on").addEventListener("click", putCaption);
          $("caption-clear").addEventListener("click", clearCaption);
          $("help-button").addEventListener("click", () => toggleHelp(true));
          $("help-close").addEventListener("click", () => toggleHelp(false));
          $("confirm-ok").addEventListener("click", () => answer && answer(true));
          $("confirm-cancel").addEventListener("click", () => answer && answer(false));
          $("lang-toggle").addEventListener("click", () => {
            language = language === "ja" ? "en" : "ja";
            localStorage.setItem("relayd.language", language);
            applyLanguage();
          });
          document.addEventListener("keydown", onKey);
          setInterval(renderClock, 1000);
          applyLanguage();
          start();
        });
        """#
}
