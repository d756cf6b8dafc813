extension ControlRoomPage {
    /// Draws the pushed view into the page: tiles, preview and program, captions, delivery, the
    /// admin list and FieldOps alerts, each element kept and only changed in place.
    static let renderScript = #"""
        // MARK: Rendering

        function applyLanguage() {
          document.documentElement.lang = language;
          document.querySelectorAll("[data-i18n]").forEach((node) => setText(node, t(node.dataset.i18n)));
          $("caption-text").placeholder = t("captionPlaceholder");
          setText($("lang-toggle"), language === "ja" ? "English" : "日本語");
          timelineDrawnAt = 0;
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
          renderRecordings();
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

        // A source fed from another site also says where its link to that site stands.
        function sourceState(source) {
          const upstream = source.upstream;
          const link = !upstream || upstream.state === "connected" ? ""
            : " · " + (upstream.state === "connecting" ? t("upstreamConnecting")
                       : t("upstreamRetrying", { time: clock(upstream.next_attempt_at) }));
          return t(source.state) + link + (sourceEnabled(source) ? "" : " · " + t("held"));
        }

        // A link's figures as [name, value] pairs, the same pairs whether the link is measured yet
        // or not, so nothing on the page changes size when the first measurement arrives.
        function linkFacts(link) {
          return [[t("rtt"), link ? link.rtt_milliseconds.toFixed(1) + " ms" : "—"], [t("loss"), link ? link.loss_percent.toFixed(2) + " %" : "—"],
                  [t("retransmits"), link ? String(link.retransmitted_packets) : "—"], [t("lateDrops"), link ? String(link.too_late_drops) : "—"],
                  [t("latency"), link ? link.latency_milliseconds + " ms" : "—"]];
        }
        const factsLine = (facts) => facts.map(([name, value]) => name + " " + value).join(" · ");

        // What to do about a link that dropped packets as too late; empty while it dropped none.
        function linkAdvice(link) {
          const advice = link && link.advice;
          if (!advice) return "";
          return t(advice.beyond_rule ? "linkAdviceBurst" : "linkAdvice", {
            drops: link.too_late_drops, recommended: advice.recommended_milliseconds, current: advice.current_milliseconds,
            rtt: link.rtt_milliseconds.toFixed(1), multiplier: advice.rtt_multiplier, loss: link.loss_percent.toFixed(2) });
        }

        // The picture-health states of a source, short, for the alarm over its picture.
        function healthLabel(health) {
          if (!health) return "";
          const labels = { frozen: "healthFrozen", black: "healthBlack", silent: "healthSilent" };
          return Object.keys(labels).filter((condition) => health[condition]).map((condition) => t(labels[condition])).join(" · ");
        }

        // One upstream site of a chained source: its on-air source and caption, and its delay.
        function hopLine(hop) {
          return (hop.site_name || hop.site_id) + ": " + hop.on_air + (hop.caption ? " 「" + hop.caption + "」" : "") + " · " +
            t("hopDelay", { delay: Math.round(hop.delay_milliseconds), share: Math.round(hop.hop_delay_milliseconds) });
        }

        function renderTiles() {
          setHidden($("hops-note"), !view.sources.some((source) => source.hops && source.hops.length));
          const onAir = onAirSource();
          const preview = previewSource();
          reconcile($("tiles"), view.sources, (source) => source.id, (source) => {
            const tile = element("article", { class: "tile", "data-source": source.id, tabindex: "0", role: "button" },
              // The advice lies over the picture and each line of figures is one line high, so a
              // tile keeps its size whatever the link does and nothing moves under the pointer.
              element("div", { class: "thumb" }, element("img", { alt: "" }), element("span", { class: "number" }),
                element("span", { class: "link-advice", role: "status" }), element("span", { class: "health-alarm", role: "status" }),
                clipControl(source.id)),
              element("div", { class: "meta" },
                element("span", { class: "label" }), element("span", { class: "tally" }),
                element("span", { class: "kind" }), element("span", { class: "state" }),
                element("span", { class: "numbers" }), element("span", { class: "numbers link-numbers" }),
                element("ul", { class: "hops" })));
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
            // A chained site's program names the site and its on-air source in its SDT.
            setText(tile.querySelector(".kind"), source.kind + " · " + source.id +
              (source.service ? " · " + source.service.provider + " / " + source.service.name : ""));
            const state = tile.querySelector(".state");
            const stateClass = "state " + source.state;
            if (state.className !== stateClass) state.className = stateClass;
            setText(state, sourceState(source));
            const facts = linkFacts(source.link);
            const [rate, link] = tile.querySelectorAll(".numbers");
            setText(rate, factsLine([[t("bitrate"), bitrate(source.bitrate_bits_per_second)], ...facts.slice(0, 2)]));
            setText(link, factsLine(facts.slice(2)));
            setText(tile.querySelector(".link-advice"), linkAdvice(source.link));
            setText(tile.querySelector(".health-alarm"), healthLabel(source.health));
            // Another site's program: each upstream site, farthest first, from its delay stamps.
            reconcile(tile.querySelector(".hops"), source.hops || [], (hop) => hop.site_id, () => element("li"),
              (line, hop) => setText(line, hopLine(hop)));
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
          // The label follows the same belief as the tally, so the two never disagree after a take.
          const onAir = onAirSource();
          setText($("on-air-source"), onAir === "slate" ? t("slate") : onAir);
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
          // A conversion that fell behind skips to stay live: how often, and the latest, marked for a minute.
          const behind = program.last_fell_behind;
          setText($("program-behind"), behind ? t("behindSummary", {
            n: program.fell_behind, skipped: program.pictures_skipped_to_stay_live, time: clock(behind.at),
            source: behind.source, lag: (behind.lag_milliseconds / 1000).toFixed(1) }) : t("none"));
          $("program-behind").classList.toggle("failover-active", !!behind && Date.now() - Date.parse(behind.at) < 60000);
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
              // The hold and kick buttons sit above everything whose size changes with the figures,
              // so they never move under the pointer.
              element("div", { class: "name" }), element("div", { class: "status" }), element("div", { class: "admin" }),
              element("div", { class: "connections" }), element("dl"), element("p", { class: "link-advice", role: "status" }));
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
                           [t("reconnects"), sink.reconnects], [t("readers"), sink.readers.length], ...linkFacts(sink.link)];
            setText(card.querySelector(".link-advice"), linkAdvice(sink.link));
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
        """#
}
