extension ControlRoomPage {
    /// Plain browser JavaScript, no framework: it renders the view pushed on `/api/events` and
    /// sends operator actions to the same API the CLI uses, with the session's CSRF token.
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
            captionOn: "送出 / 更新", captionClear: "消去", presets: "プリセット", history: "履歴",
            delivery: "配信先", live: "受信中", stalled: "途絶", offline: "オフライン", onAir: "送出",
            inPreview: "PVW", passthrough: "パススルー", transcode: "トランスコード", slate: "スレート（映像途絶）",
            normal: "正常", onBackup: "バックアップ送出中", onSlate: "スレート送出中", pendingCut: "カット待ち",
            receiving: "受信中", notReceiving: "受信停止", disconnected: "未接続", bitrate: "ビットレート",
            drops: "ドロップ", reconnects: "再接続", readers: "接続数", rtt: "RTT", loss: "損失",
            kick: "切断", tookEffect: "カット完了", waited: "待ち", cutRefused: "カット不可",
            noPermission: "この操作の権限がありません", none: "なし", by: "操作者",
            hold: "停止", release: "再開", held: "停止中（管理者）",
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
            captionOn: "On air / update", captionClear: "Clear", presets: "Presets", history: "History",
            delivery: "Delivery", live: "live", stalled: "stalled", offline: "offline", onAir: "ON AIR",
            inPreview: "PVW", passthrough: "passthrough", transcode: "transcode", slate: "Slate (no signal)",
            normal: "normal", onBackup: "on backup", onSlate: "on slate", pendingCut: "cut pending",
            receiving: "receiving", notReceiving: "NOT RECEIVING", disconnected: "not connected", bitrate: "Bitrate",
            drops: "Drops", reconnects: "Reconnects", readers: "Readers", rtt: "RTT", loss: "Loss",
            kick: "Kick", tookEffect: "Cut took effect", waited: "waited", cutRefused: "Cut refused",
            noPermission: "Your role does not allow this", none: "none", by: "by",
            hold: "Hold", release: "Release", held: "held by an admin",
          },
        };
        const ROLE_RIGHTS = { viewer: [], operator: ["operate"], coordinator: ["coordinate"], admin: ["operate", "coordinate", "admin"] };

        let language = localStorage.getItem("relayd.language") || "ja";
        let session = null;
        let view = null;
        let events = null;

        const $ = (id) => document.getElementById(id);
        const t = (key) => LABELS[language][key] ?? LABELS.en[key] ?? key;
        const can = (right) => !!session && (ROLE_RIGHTS[session.role] || []).includes(right);

        // Every value from relayd (labels, names, caption text) reaches the page as text nodes
        // and attribute values set through the DOM, never parsed as markup.
        function element(tag, attributes = {}, ...children) {
          const node = document.createElement(tag);
          for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
          for (const child of children) node.append(child);
          return node;
        }

        function bitrate(bits) {
          if (!bits) return "0 kb/s";
          return bits >= 1e6 ? (bits / 1e6).toFixed(2) + " Mb/s" : Math.round(bits / 1e3) + " kb/s";
        }
        function clock(iso) {
          if (!iso) return "—";
          const date = new Date(iso);
          return date.toLocaleTimeString(language === "ja" ? "ja-JP" : "en-GB", { hour12: false }) + "." + String(date.getMilliseconds()).padStart(3, "0");
        }

        // MARK: API

        async function api(method, path, body) {
          const headers = { Accept: "application/json" };
          if (body !== undefined) headers["Content-Type"] = "application/json";
          if (method !== "GET" && session && session.csrf_token) headers["X-CSRF-Token"] = session.csrf_token;
          const response = await fetch(path, { method, headers, credentials: "same-origin",
                                               body: body === undefined ? undefined : JSON.stringify(body) });
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

        function report(target, error) {
          const node = $(target);
          node.classList.toggle("error", !!error);
          if (!error) return;
          const reason = error.status === 403 ? t("noPermission") : error.message;
          node.textContent = reason + (error.detail && error.status !== 403 ? " — " + error.detail : "");
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
              : error.status === 401 ? t("loginFailed") : error.message;
          }
        }

        async function logout() {
          try { await api("DELETE", "/api/session"); } catch (_) { /* the session may be gone already */ }
          showLogin();
        }

        function renderSession() {
          $("who").textContent = session ? session.name + " (" + session.role + ")" : "";
          $("open-mode").hidden = !(session && session.open);
          $("logout").hidden = !session || !!session.open;
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
          node.textContent = up ? t("connected") : t("reconnecting");
        }

        // MARK: Rendering

        function render() {
          document.documentElement.lang = language;
          document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
          $("lang-toggle").textContent = language === "ja" ? "English" : "日本語";
          if (!view) return;
          renderTiles();
          renderProgram();
          renderCaptions();
          renderSinks();
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

        function renderTiles() {
          const tiles = $("tiles");
          const onAir = view.program ? view.program.on_air : null;
          for (const source of view.sources) {
            let tile = tiles.querySelector(`[data-source="${CSS.escape(source.id)}"]`);
            if (!tile) {
              tile = element("article", { class: "tile", "data-source": source.id, title: source.id },
                element("div", { class: "thumb" }, element("img", { alt: source.label })),
                element("div", { class: "meta" },
                  element("span", { class: "label" }), element("span", { class: "tally" }),
                  element("span", { class: "kind" }), element("span", { class: "state" }),
                  element("span", { class: "numbers" }), element("span", { class: "admin" })));
              tile.addEventListener("click", () => choosePreview(source.id));
              tiles.append(tile);
            }
            tile.classList.toggle("on-air", source.id === onAir);
            tile.classList.toggle("preview", source.id === view.preview);
            tile.querySelector(".tally").textContent = source.id === onAir ? t("onAir") : source.id === view.preview ? t("inPreview") : "";
            tile.querySelector(".label").textContent = source.label;
            tile.querySelector(".kind").textContent = source.kind + " · " + source.id;
            const state = tile.querySelector(".state");
            state.className = "state " + source.state;
            state.textContent = t(source.state);
            const srt = source.srt || {};
            tile.querySelector(".numbers").textContent = bitrate(source.bitrate_bits_per_second) + " · " + t("rtt") + " " +
              (srt.rtt_milliseconds !== undefined ? srt.rtt_milliseconds.toFixed(1) + " ms" : "—") + " · " + t("loss") + " " + (srt.packets_lost ?? 0);
            tile.querySelector(".thumb").classList.toggle("stale", source.state !== "live");
            if (!source.enabled) state.textContent += " · " + t("held");
            tile.querySelector(".admin").replaceChildren(...(can("admin") ? [holdButton("sources", source.id, source.enabled)] : []));
            thumbnail(tile.querySelector("img"), source.id, `/api/sources/${encodeURIComponent(source.id)}/thumbnail.jpg`);
          }
        }

        function renderProgram() {
          const program = view.program;
          $("preview-source").textContent = view.preview || "—";
          if (view.preview) thumbnail($("preview-img"), view.preview, `/api/sources/${encodeURIComponent(view.preview)}/thumbnail.jpg`);
          $("take-button").disabled = !can("operate") || !view.preview || !program || view.preview === program.on_air;
          if (!program) return;
          $("on-air-source").textContent = program.on_air === "slate" ? t("slate") : program.on_air;
          thumbnail($("program-img"), "program", "/api/program/thumbnail.jpg");
          $("program-mode").textContent = t(program.mode);
          const lastMove = program.automatic_moves.length ? program.automatic_moves[program.automatic_moves.length - 1] : null;
          let failover = t("normal");
          if (program.pending_cut) failover = t("pendingCut") + ": " + program.pending_cut;
          else if (program.on_air === "slate") failover = t("onSlate");
          else if (lastMove && lastMove.reason === "failover" && lastMove.to === program.on_air) failover = t("onBackup") + " (" + lastMove.from + " → " + lastMove.to + ")";
          const node = $("failover-state");
          node.textContent = failover + (lastMove ? " · " + lastMove.reason + " " + clock(lastMove.at) : "");
          node.classList.toggle("failover-active", failover !== t("normal"));
          $("last-cut").textContent = program.last_cut ? program.last_cut.source + " " + clock(program.last_cut.took_effect_at) + (program.last_cut.by ? " · " + t("by") + " " + program.last_cut.by : "") : "—";
        }

        function renderCaptions() {
          const caption = view.program && view.program.caption;
          $("caption-on-air").textContent = caption ? caption.text : t("none");
          for (const id of ["caption-on", "caption-clear", "caption-text"]) $(id).disabled = !can("operate");
          const presets = $("presets");
          if (presets.childElementCount !== view.presets.length) {
            presets.replaceChildren(...view.presets.map((preset) => {
              const button = element("button", { type: "button", "data-preset": preset.name, title: preset.caption.text }, preset.name);
              button.addEventListener("click", () => showPreset(preset.name));
              return button;
            }));
          }
          presets.querySelectorAll("button").forEach((button) => { button.disabled = !can("operate"); });
          $("caption-history").replaceChildren(...view.caption_history.map((use) => {
            const item = element("li", { title: use.position + " · " + use.style }, use.text + " ", element("small", {}, clock(use.at) + " · " + use.by));
            item.addEventListener("click", () => { $("caption-text").value = use.text; $("caption-position").value = use.position; $("caption-style").value = use.style; });
            return item;
          }));
        }

        function renderSinks() {
          const sinks = $("sinks");
          for (const sink of view.sinks) {
            let card = sinks.querySelector(`[data-sink="${CSS.escape(sink.id)}"]`);
            if (!card) {
              card = element("article", { class: "sink", "data-sink": sink.id },
                element("div", { class: "name" }), element("div", { class: "status" }), element("dl"), element("div", { class: "connections" }));
              sinks.append(card);
            }
            card.classList.toggle("down", !sink.receiving);
            card.querySelector(".name").textContent = sink.name + " (" + sink.id + ")";
            card.querySelector(".status").textContent = (!sink.enabled ? t("held") + " · " : "") +
              (!sink.connected ? t("disconnected") : sink.receiving ? t("receiving") : t("notReceiving"));
            const facts = [[t("bitrate"), bitrate(sink.bitrate_bits_per_second)], [t("drops"), sink.dropped_payloads + sink.packets_dropped],
                           [t("reconnects"), sink.reconnects], [t("readers"), sink.readers.length],
                           [t("rtt"), sink.rtt_milliseconds != null ? sink.rtt_milliseconds.toFixed(1) + " ms" : "—"]];
            card.querySelector("dl").replaceChildren(...facts.flatMap(([name, value]) => [element("dt", {}, name), element("dd", {}, String(value))]));
            card.querySelector(".connections").replaceChildren(...(can("admin") ? sink.readers.map((reader) => {
              const button = element("button", { type: "button", "data-reader": String(reader.id) }, t("kick") + " #" + reader.id);
              button.addEventListener("click", () => kick(reader.id));
              return button;
            }).concat([holdButton("sinks", sink.id, sink.enabled)]) : []));
          }
        }

        function holdButton(kind, id, enabled) {
          const button = element("button", { type: "button", class: "hold", "data-hold": kind + "/" + id }, enabled ? t("hold") : t("release"));
          button.addEventListener("click", async (event) => {
            event.stopPropagation();
            try { await api("PUT", `/api/${kind}/${encodeURIComponent(id)}/enabled`, { enabled: !enabled }); report("delivery-result", null); }
            catch (error) { report("delivery-result", error); }
          });
          return button;
        }

        // MARK: Actions

        async function choosePreview(source) {
          if (!can("operate")) return;
          try { await api("POST", "/api/control-room/preview", { source }); report("cut-result", null); } catch (error) { report("cut-result", error); }
        }

        async function take() {
          const source = view && view.preview;
          if (!source) return;
          $("take-button").disabled = true;
          $("cut-result").textContent = "…";
          try {
            const result = await api("POST", "/api/program/cut", { source });
            report("cut-result", null);
            $("cut-result").textContent = t("tookEffect") + ": " + result.source + " " + clock(result.took_effect_at) + " (" + t("waited") + " " + result.waited_milliseconds + " ms)";
          } catch (error) {
            report("cut-result", error);
          }
        }

        async function putCaption() {
          const text = $("caption-text").value;
          try {
            await api("PUT", "/api/program/caption", { text, position: $("caption-position").value, style: $("caption-style").value });
            $("caption-result").textContent = "";
            report("caption-result", null);
          } catch (error) { report("caption-result", error); }
        }

        async function showPreset(name) {
          try { await api("PUT", "/api/program/presets/" + encodeURIComponent(name) + "/on-air"); report("caption-result", null); } catch (error) { report("caption-result", error); }
        }

        async function clearCaption() {
          try { await api("DELETE", "/api/program/caption"); report("caption-result", null); } catch (error) { report("caption-result", error); }
        }

        async function kick(reader) {
          try { await api("DELETE", "/api/readers/" + reader); report("delivery-result", null); } catch (error) { report("delivery-result", error); }
        }

        document.addEventListener("DOMContentLoaded", () => {
          $("login-form").addEventListener("submit", login);
          $("logout").addEventListener("click", logout);
          $("take-button").addEventListener("click", take);
          $("caption-on").addEventListener("click", putCaption);
          $("caption-clear").addEventListener("click", clearCaption);
          $("lang-toggle").addEventListener("click", () => {
            language = language === "ja" ? "en" : "ja";
            localStorage.setItem("relayd.language", language);
            render();
          });
          render();
          start();
        });
        """#
}
