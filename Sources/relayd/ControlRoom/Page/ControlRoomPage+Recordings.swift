extension ControlRoomPage {
    /// The Recordings panel: per resource a timeline of what is recorded with its gaps marked,
    /// bytes and retention (from `GET /api/recordings`, read again when the view's
    /// `recording_revision` grows); "clip the last N minutes" on each source tile and each row
    /// (operators and admins); export jobs with progress bars from the event stream, their
    /// downloads, and the API's own words when an export fails.
    ///
    /// The timeline is a row of cells, each a slice of the window shown: a cell is recorded,
    /// marked as a gap when any gap between two recorded ranges falls in it (so a gap of a few
    /// seconds stays visible in a window of days), or empty. Classes only: no style attributes,
    /// so the strict Content-Security-Policy holds.
    static let recordingsScript = #"""
        // MARK: Recordings

        Object.assign(LABELS.ja, {
          recordings: "録画", timelineWindow: "表示範囲", window1h: "1 時間", window6h: "6 時間", window24h: "24 時間",
          window7d: "7 日", windowAll: "すべて", noRecordings: "録画はまだありません", segments: "セグメント",
          keepAge: "保持 {hours} 時間", keepBytes: "上限 {size}", keepForever: "無期限保持", gaps: "途切れ {n} 件",
          latestGap: "直近の途切れ {from}–{to}", recordedRange: "記録 {from}–{to}", clip: "クリップ", minutes: "{n} 分",
          clipLast: "直近 {n} 分をクリップ", exports: "書き出し", exportRunning: "書き出し中", exportDone: "完了",
          exportFailed: "失敗", downloadClip: "MP4", downloadProof: "証明 (JSON)", exportStarted: "{resource} の直近 {n} 分を書き出しています",
          exportRefused: "書き出しできません", noExports: "書き出しはまだありません", programResource: "送出 (program)",
          recordedGap: "途切れ", recordedCell: "記録あり",
        });
        Object.assign(LABELS.en, {
          recordings: "Recordings", timelineWindow: "Show", window1h: "1 hour", window6h: "6 hours", window24h: "24 hours",
          window7d: "7 days", windowAll: "everything", noRecordings: "Nothing recorded yet", segments: "segments",
          keepAge: "kept {hours} h", keepBytes: "at most {size}", keepForever: "kept indefinitely", gaps: "{n} gap(s)",
          latestGap: "latest gap {from}–{to}", recordedRange: "recorded {from}–{to}", clip: "Clip", minutes: "{n} min",
          clipLast: "Clip the last {n} minutes", exports: "Exports", exportRunning: "exporting", exportDone: "done",
          exportFailed: "FAILED", downloadClip: "MP4", downloadProof: "proof (JSON)", exportStarted: "Exporting the last {n} minutes of {resource}",
          exportRefused: "Cannot export", noExports: "No exports yet", programResource: "Program",
          recordedGap: "gap", recordedCell: "recorded",
        });

        const CLIP_MINUTES = [1, 5, 10, 30];
        const DEFAULT_CLIP_MINUTES = 5;
        const TIMELINE_CELLS = 120;
        let recordings = [];
        let recordingsRevision = null;
        let recordingsReading = false;
        let timelineDrawnAt = 0;

        function size(bytes) {
          if (bytes >= 1e9) return (bytes / 1e9).toFixed(2) + " GB";
          if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + " MB";
          return Math.round(bytes / 1e3) + " kB";
        }

        // Reads the catalog when the recorder says it changed (and once at the start).
        async function refreshRecordings() {
          const revision = view ? view.recording_revision : null;
          if (revision === undefined || revision === null || revision === recordingsRevision || recordingsReading) return;
          recordingsReading = true;
          try {
            recordings = await api("GET", "/api/recordings");
            recordingsRevision = revision;
            timelineDrawnAt = 0;
            renderRecordings();
          } catch (_) { /* the next change tries again */ }
          finally { recordingsReading = false; }
        }

        // The gaps of a resource: the time between one recorded range and the next.
        function gapsOf(recording) {
          const gaps = [];
          for (let index = 1; index < recording.ranges.length; index += 1) {
            gaps.push({ from: recording.ranges[index - 1].to, to: recording.ranges[index].from });
          }
          return gaps;
        }

        function timelineWindow(now) {
          const choice = $("recordings-window").value;
          if (choice !== "all") return [now - Number(choice) * 1000, now];
          const starts = recordings.flatMap((recording) => recording.ranges.map((range) => Date.parse(range.from)));
          return [starts.length ? Math.min(...starts) : now - 3600 * 1000, now];
        }

        const overlap = (a, b, from, to) => Math.max(0, Math.min(b, to) - Math.max(a, from));

        // One class per cell: "gap" where a gap touches it, "rec" where only recording does.
        function cells(recording, start, end) {
          const width = (end - start) / TIMELINE_CELLS;
          const ranges = recording.ranges.map((range) => [Date.parse(range.from), Date.parse(range.to)]);
          const gaps = gapsOf(recording).map((gap) => [Date.parse(gap.from), Date.parse(gap.to)]);
          const result = [];
          for (let index = 0; index < TIMELINE_CELLS; index += 1) {
            const from = start + index * width, to = from + width;
            const kind = gaps.some(([a, b]) => overlap(a, b, from, to) > 0 || (a === b && a >= from && a < to)) ? "gap"
              : ranges.some(([a, b]) => overlap(a, b, from, to) > 0) ? "rec" : "none";
            result.push(kind);
          }
          return result;
        }

        // "clip the last N minutes": a select of N and a button, on a tile or a row.
        function clipControl(resource) {
          const select = element("select", { class: "clip-minutes" });
          for (const minutes of CLIP_MINUTES) select.append(element("option", { value: String(minutes) }));
          select.value = String(DEFAULT_CLIP_MINUTES);
          const button = element("button", { type: "button", class: "clip-button", "data-clip": resource });
          button.addEventListener("click", () => clipLast(button.dataset.clip, Number(select.value), button));
          const control = element("span", { class: "clip" }, select, button);
          // A tile previews its source when clicked: the clip control is not part of that click.
          control.addEventListener("click", (event) => event.stopPropagation());
          return control;
        }

        function updateClipControl(control) {
          setHidden(control, !can("operate"));
          const select = control.querySelector("select");
          for (const option of select.options) setText(option, t("minutes", { n: option.value }));
          const button = control.querySelector("button");
          setText(button, t("clip"));
          const label = t("clipLast", { n: select.value });
          if (button.getAttribute("aria-label") !== label) button.setAttribute("aria-label", label);
          if (button.title !== label) button.title = label;
        }

        // The last N minutes, from the start of the latest recorded range if a gap lies within
        // them (a range with a gap is refused; the clip says which range it really covers).
        async function clipLast(resource, minutes, button) {
          if (!can("operate")) return;
          const now = Date.now();
          let from = now - minutes * 60000;
          const recording = recordings.find((candidate) => candidate.resource === resource);
          const latest = recording && recording.ranges.length ? Date.parse(recording.ranges[recording.ranges.length - 1].from) : null;
          if (latest !== null && latest > from && latest < now) from = latest;
          setDisabled(button, true);
          try {
            await api("POST", "/api/recordings/" + encodeURIComponent(resource) + "/exports",
                      { from: new Date(from).toISOString(), to: new Date(now).toISOString() });
            succeeded("recordings-result", t("exportStarted", { resource, n: minutes }));
          } catch (error) {
            const node = $("recordings-result");
            node.classList.add("error");
            node.textContent = [0, 401, 403].includes(error.status) ? describe(error)
              : t("exportRefused") + " (" + resource + ", HTTP " + error.status + "): " + error.message + (typeof error.detail === "string" ? " — " + error.detail : "");
          } finally { setDisabled(button, false); }
        }

        function resourceName(resource) {
          if (resource === "program") return t("programResource");
          const source = view && view.sources.find((candidate) => candidate.id === resource);
          return source ? source.label + " (" + resource + ")" : resource;
        }

        function retentionText(retention) {
          const parts = [];
          if (retention && retention.max_age_seconds) parts.push(t("keepAge", { hours: Math.round(retention.max_age_seconds / 3600) }));
          if (retention && retention.max_bytes) parts.push(t("keepBytes", { size: size(retention.max_bytes) }));
          return parts.length ? parts.join(" · ") : t("keepForever");
        }

        function renderRecordings() {
          if (!view) return;
          refreshRecordings();
          const now = Date.now();
          const redraw = now - timelineDrawnAt >= 1000;
          setHidden($("recordings-empty"), recordings.length > 0);
          if (redraw) {
            timelineDrawnAt = now;
            const [start, end] = timelineWindow(now);
            setText($("recordings-span"), clock(new Date(start).toISOString()) + " – " + clock(new Date(end).toISOString()));
            reconcile($("recordings-list"), recordings, (recording) => recording.resource, (recording) => {
              const timeline = element("div", { class: "timeline", role: "img" });
              for (let index = 0; index < TIMELINE_CELLS; index += 1) timeline.append(element("span", { class: "cell none" }));
              return element("li", { class: "recording", "data-resource": recording.resource },
                element("div", { class: "recording-head" }, element("b", { class: "name" }), element("span", { class: "facts" }), clipControl(recording.resource)),
                timeline, element("div", { class: "recording-ranges" }));
            }, (row, recording) => {
              const gaps = gapsOf(recording);
              setText(row.querySelector(".name"), resourceName(recording.resource));
              setText(row.querySelector(".facts"), size(recording.bytes) + " · " + recording.segments + " " + t("segments") + " · " + retentionText(recording.retention));
              updateClipControl(row.querySelector(".clip"));
              row.dataset.gaps = String(gaps.length);
              const kinds = cells(recording, start, end);
              const timeline = row.querySelector(".timeline");
              kinds.forEach((kind, index) => {
                const cell = timeline.children[index];
                if (cell.className !== "cell " + kind) cell.className = "cell " + kind;
              });
              const last = recording.ranges[recording.ranges.length - 1];
              const described = [last ? t("recordedRange", { from: clock(last.from), to: clock(last.to) }) : "", t("gaps", { n: gaps.length })];
              if (gaps.length) described.push(t("latestGap", { from: clock(gaps[gaps.length - 1].from), to: clock(gaps[gaps.length - 1].to) }));
              const text = described.filter((part) => part).join(" · ");
              setText(row.querySelector(".recording-ranges"), text);
              if (timeline.getAttribute("aria-label") !== text) timeline.setAttribute("aria-label", text);
            });
          }
          for (const control of document.querySelectorAll(".tile .clip")) updateClipControl(control);
          renderExports();
        }

        const EXPORT_STATES = { running: "exportRunning", done: "exportDone", failed: "exportFailed" };

        function renderExports() {
          const jobs = view.exports || [];
          setHidden($("exports-empty"), jobs.length > 0);
          reconcile($("exports-list"), jobs, (job) => job.id, (job) => {
            const base = "/api/recordings/exports/" + encodeURIComponent(job.id);
            return element("li", { class: "export", "data-export": job.id },
              element("span", { class: "what" }), element("progress", { max: "1", value: "0" }), element("span", { class: "state" }),
              element("a", { class: "download-clip", href: base + "/clip.mp4", download: job.id + ".mp4", hidden: "" }),
              element("a", { class: "download-proof", href: base + "/proof.json", download: job.id + ".proof.json", hidden: "" }),
              element("p", { class: "export-error error", role: "alert" }));
          }, (item, job) => {
            const from = job.actual_from || job.from, to = job.actual_to || job.to;
            setText(item.querySelector(".what"), resourceName(job.resource) + " " + clock(from) + "–" + clock(to) + (job.by ? " · " + job.by : ""));
            const progress = item.querySelector("progress");
            if (progress.value !== job.progress) progress.value = job.progress;
            item.dataset.state = job.state;
            setText(item.querySelector(".state"), t(EXPORT_STATES[job.state] || job.state) +
              (job.state === "running" ? " " + Math.round(job.progress * 100) + " %" : job.size ? " · " + size(job.size) : ""));
            const done = job.state === "done";
            setHidden(item.querySelector(".download-clip"), !done);
            setHidden(item.querySelector(".download-proof"), !done);
            setText(item.querySelector(".download-clip"), t("downloadClip"));
            setText(item.querySelector(".download-proof"), t("downloadProof"));
            setText(item.querySelector(".export-error"), job.state === "failed" ? t("exportFailed") + ": " + (job.error || "") : "");
          });
        }
        """#

    /// The Recordings panel's look: the timeline's cells, the export rows and the clip control
    /// over a tile's picture.
    static let recordingsStyle = #"""
        #recordings { grid-column: 1 / -1; }
        .recordings-head { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; font-size: 13px; }
        .recordings-list, .exports-list { list-style: none; margin: 6px 0 0; padding: 0; display: grid; gap: 6px; }
        .recording-head { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; font-size: 13px; }
        .recording-head .facts, .recording-ranges { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
        .timeline { display: grid; grid-template-columns: repeat(120, minmax(0, 1fr)); height: 16px; margin: 3px 0; background: #0b0e11;
                    border: 1px solid var(--line); border-radius: 3px; overflow: hidden; }
        .timeline .cell.rec { background: #2f8f5b; }
        .timeline .cell.gap { background: repeating-linear-gradient(135deg, var(--program) 0 3px, #0b0e11 3px 6px); }
        .export { display: grid; grid-template-columns: minmax(0, 1fr) 140px auto auto auto; align-items: center; gap: 2px 10px; font-size: 13px; }
        .export progress { width: 140px; }
        .export .what { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .export .export-error { grid-column: 1 / -1; margin: 0; }
        .export .export-error:empty { display: none; }
        .export[data-state="failed"] .state { color: #ff8080; font-weight: bold; }
        .clip { display: inline-flex; gap: 2px; align-items: center; }
        .clip[hidden], .export a[hidden] { display: none; }
        .clip select, .clip button { font-size: 12px; padding: 1px 4px; }
        .thumb .clip { position: absolute; right: 4px; top: 4px; z-index: 1; background: rgba(0,0,0,.6); border-radius: 3px; padding: 1px; }
        """#
}
