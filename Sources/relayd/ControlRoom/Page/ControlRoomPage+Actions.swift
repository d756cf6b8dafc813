extension ControlRoomPage {
    /// What the operator's clicks and keys do: confirmations, cuts, captions, holds, kicks and the
    /// keyboard shortcuts.
    static let actionsScript = #"""
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
            // A tile previews its source; the clip control inside it answers for itself.
            if (tile && event.target === tile) { event.preventDefault(); choosePreview(tile.dataset.source); return; }
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
          $("recordings-window").addEventListener("change", () => { timelineDrawnAt = 0; renderRecordings(); });
          document.addEventListener("keydown", onKey);
          setInterval(renderClock, 1000);
          // The timeline's window ends now: it moves on even while no event arrives.
          setInterval(() => { if (view) renderRecordings(); }, 5000);
          applyLanguage();
          start();
        });
        """#
}
