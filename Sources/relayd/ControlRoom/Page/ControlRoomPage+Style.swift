extension ControlRoomPage {
    /// Dark, high-contrast, laid out for a 1920x1080 wall screen and folding to one column on a
    /// laptop. Tally colours follow broadcast habit: red on air, green in preview.
    static let style = [baseStyle, recordingsStyle].joined(separator: "\n")

    private static let baseStyle = #"""
        :root { --bg: #101418; --panel: #1a2027; --line: #2c3640; --text: #e8edf2; --muted: #9aa7b4;
                --program: #e02424; --preview: #1fa34a; --warn: #e0a800; --focus: #4da3ff; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text);
               font: 15px/1.4 "Noto Sans CJK JP", "Noto Sans JP", system-ui, sans-serif; }
        header { display: flex; align-items: center; gap: 10px; padding: 6px 16px; background: #0b0e11;
                 border-bottom: 1px solid var(--line); }
        header h1 { font-size: 18px; margin: 0; white-space: nowrap; }
        .spacer { flex: 1; }
        .connection { padding: 2px 8px; border-radius: 4px; font-size: 13px; background: var(--preview); white-space: nowrap; }
        .connection.down { background: var(--warn); color: #000; }
        .open-mode { padding: 2px 8px; border-radius: 4px; font-size: 13px; background: var(--warn); color: #000; }
        .clock { font-size: 13px; color: var(--muted); white-space: nowrap; }
        .clock b { color: var(--text); font-size: 15px; font-variant-numeric: tabular-nums; }
        a { color: #8cc4ff; }
        .fieldops { display: flex; align-items: center; gap: 6px; min-width: 0; font-size: 13px; }
        .fieldops > a { white-space: nowrap; }
        .alerts { display: flex; gap: 6px; margin: 0; padding: 0; list-style: none; min-width: 0; overflow: hidden; }
        .alerts li { min-width: 0; }
        .alert { display: block; padding: 2px 8px; border-radius: 4px; text-decoration: none; white-space: nowrap;
                 overflow: hidden; text-overflow: ellipsis; max-width: 340px; color: var(--text); border: 1px solid var(--line); }
        .alert.critical { background: var(--program); border-color: #ff6b6b; font-weight: bold; }
        .alert.low { background: var(--warn); color: #000; border-color: var(--warn); }
        .alert.ok { color: var(--muted); }
        button { background: #2b3742; color: var(--text); border: 1px solid #44525f; border-radius: 4px;
                 padding: 6px 12px; font: inherit; cursor: pointer; }
        button:disabled { opacity: .45; cursor: not-allowed; }
        :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
        button.take, button.on-air { background: var(--program); border-color: #ff6b6b; font-weight: bold; }
        button.danger { border-color: #b84a4a; color: #ffb4b4; }
        .dialog button.danger { background: var(--program); color: #fff; font-weight: bold; }
        main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; padding: 12px; }
        section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; }
        h2 { font-size: 16px; margin: 0 0 8px; color: var(--muted); }
        h3 { font-size: 14px; margin: 10px 0 4px; color: var(--muted); }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px; }
        .tile { border: 4px solid var(--line); border-radius: 6px; background: #0b0e11; cursor: pointer; }
        .tile.preview { border-color: var(--preview); }
        .tile.on-air { border-color: var(--program); }
        .tile .tally { display: inline-block; min-width: 44px; text-align: center; font-size: 12px; font-weight: bold;
                       border-radius: 3px; padding: 0 4px; }
        .tile.on-air .tally { background: var(--program); }
        .tile.preview:not(.on-air) .tally { background: var(--preview); }
        .thumb { position: relative; aspect-ratio: 16 / 9; background: #000; display: flex; align-items: center;
                 justify-content: center; color: var(--muted); overflow: hidden; }
        .thumb img { width: 100%; height: 100%; object-fit: contain; display: block; }
        .thumb .number { position: absolute; right: 6px; bottom: 4px; font-weight: bold; font-size: 18px; padding: 0 6px;
                         background: rgba(0,0,0,.6); border-radius: 3px; }
        img:not([src]) { visibility: hidden; }
        .thumb.stale img, .monitor.stale img { opacity: .35; filter: grayscale(1); }
        .tile .meta { padding: 6px 8px; display: grid; grid-template-columns: 1fr auto; gap: 2px 8px; font-size: 13px; }
        .tile .label { font-weight: bold; font-size: 15px; }
        .state { font-weight: bold; }
        .state.live { color: #4ade80; } .state.stalled { color: var(--warn); } .state.offline { color: var(--muted); }
        .numbers { grid-column: 1 / -1; color: var(--muted); font-variant-numeric: tabular-nums;
                   white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .link-advice { color: var(--warn); font-size: 12px; margin: 0; }
        .thumb .link-advice { position: absolute; left: 0; right: 0; top: 0; padding: 2px 6px; background: rgba(0,0,0,.8); }
        .link-advice:empty { display: none; }
        .hops { grid-column: 1 / -1; margin: 0; padding: 0; list-style: none; font-size: 12px; }
        .hops li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .hops:empty { display: none; }
        .hops-note { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
        .thumb .health-alarm { position: absolute; left: 6px; bottom: 4px; padding: 0 6px; border-radius: 3px; font-weight: bold;
                               font-size: 14px; background: var(--program); color: #fff; white-space: nowrap; }
        .health-alarm:empty { display: none; }
        .monitors { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
        .monitor { margin: 0; border: 4px solid var(--line); border-radius: 6px; background: #000; min-width: 0; }
        .monitor.preview { border-color: var(--preview); } .monitor.program { border-color: var(--program); }
        .monitor.preview.stale { border-color: var(--line); }
        .monitor figcaption { padding: 4px 8px; background: #0b0e11; font-size: 13px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .monitor-state { font-weight: bold; color: var(--warn); }
        .screen { position: relative; }
        .monitor img { width: 100%; height: auto; aspect-ratio: 16 / 9; object-fit: contain; display: block; }
        .take-row { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; margin: 10px 0; }
        .take { font-size: 18px; padding: 10px 28px; }
        .hint { color: var(--muted); font-size: 13px; }
        .facts { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; font-size: 14px; }
        .facts dt { color: var(--muted); } .facts dd { margin: 0; }
        .failover-active { color: var(--warn); font-weight: bold; }
        textarea, select, input { background: #0b0e11; color: var(--text); border: 1px solid #44525f; border-radius: 4px;
                                  font: inherit; padding: 6px; }
        textarea { width: 100%; font-size: 18px; resize: vertical; }
        /* Writing on the left, presets and history on the right, so the whole panel fits the
           wall screen beside the multiview. */
        #captions { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 0 16px; align-content: start; }
        #captions > h2 { grid-column: 1 / -1; }
        .caption-library h3:first-child { margin-top: 0; }
        .on-air-caption { margin: 0 0 6px; }
        .caption-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 6px; }
        .presets { display: flex; flex-wrap: wrap; gap: 6px; align-items: start; align-content: start; }
        .preset { display: grid; text-align: left; padding: 4px 10px; }
        .preset small, .history small { color: var(--muted); font-size: 12px; }
        .history { margin: 0; padding-left: 20px; max-height: 132px; overflow-y: auto; font-size: 14px; }
        .history li { padding: 1px 0; }
        .recall { padding: 1px 6px; font-size: 14px; background: transparent; border-color: var(--line); text-align: left; }
        .sinks { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px; }
        .sink { border: 3px solid var(--preview); border-radius: 6px; padding: 6px 8px; font-size: 13px; min-width: 0; }
        .sink.down { border-color: var(--program); background: #3a1111; }
        .sink .name { font-weight: bold; font-size: 15px; }
        .sink .status { font-weight: bold; }
        .sink.down .status { color: #ff8080; }
        .sink dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 4px 0; font-variant-numeric: tabular-nums; }
        .sink dd { margin: 0; }
        .connections, .sink .admin { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
        button.kick, button.hold { font-size: 12px; padding: 2px 8px; text-align: left; overflow-wrap: anywhere; }
        .source-admin { list-style: none; margin: 0; padding: 0; display: grid; gap: 4px; font-size: 13px; }
        .source-admin li { display: grid; grid-template-columns: minmax(0, 1fr) 7em minmax(0, 1.3fr); align-items: center; gap: 6px; }
        .source-admin .who { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .source-admin .kick { justify-self: start; }
        .sink .admin .hold { min-width: 7em; }
        .sink .name, .sink .status { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
        .result { min-height: 1.4em; margin: 6px 0 0; font-size: 13px; }
        .take-row .result { margin: 0; }
        .error, .result.error { color: #ff8080; font-weight: bold; }
        .overlay { position: fixed; inset: 0; background: rgba(0,0,0,.75); display: flex; align-items: center;
                   justify-content: center; z-index: 10; }
        .overlay[hidden] { display: none; }
        .overlay form, .dialog { background: var(--panel); padding: 24px; border-radius: 8px; display: grid; gap: 10px;
                                 min-width: 300px; max-width: 640px; border: 1px solid var(--line); }
        .dialog h2 { color: var(--text); font-size: 18px; margin: 0; }
        .dialog p { margin: 0; }
        .dialog-buttons { display: flex; justify-content: flex-end; gap: 10px; }
        .keys { display: grid; grid-template-columns: auto 1fr; gap: 6px 16px; margin: 0; }
        .keys dd { margin: 0; }
        kbd { display: inline-block; padding: 0 6px; border: 1px solid #44525f; border-bottom-width: 2px; border-radius: 4px;
              background: #0b0e11; font: 13px/1.5 ui-monospace, monospace; }
        .overlay label { display: grid; gap: 4px; }
        /* A laptop (1366x768): the multiview and monitors on the left, captions and delivery on
           the right, all on the first screen. */
        @media (max-width: 1600px), (max-height: 900px) {
          header h1 { font-size: 16px; }
          main { grid-template-columns: minmax(0, 11fr) minmax(0, 9fr); grid-template-areas: "multiview captions" "program captions" "program delivery";
                 grid-template-rows: auto auto 1fr; gap: 8px; padding: 8px; align-items: start; }
          #multiview { grid-area: multiview; } #program-panel { grid-area: program; }
          #captions { grid-area: captions; grid-template-columns: minmax(0, 1fr); } #delivery { grid-area: delivery; }
          section { padding: 6px 8px; }
          h2 { font-size: 14px; margin-bottom: 4px; }
          h3 { font-size: 13px; margin: 6px 0 2px; }
          .tiles { grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 6px; }
          .tile { border-width: 3px; }
          .tile .meta { padding: 2px 6px; font-size: 12px; }
          .tile .kind, .tile .numbers { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
          .tile .label { font-size: 13px; }
          .monitors { gap: 6px; }
          .take-row { margin: 6px 0; }
          .take { font-size: 16px; padding: 6px 20px; }
          .facts { font-size: 13px; display: flex; flex-wrap: wrap; gap: 0 6px; }
          .facts dd { margin-right: 10px; }
          textarea { font-size: 16px; }
          .caption-row { margin-top: 4px; gap: 6px; }
          .caption-library { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); grid-template-rows: auto auto;
                             grid-auto-flow: column; gap: 0 10px; }
          .caption-library h3 { margin-top: 0; }
          .result { min-height: 1.2em; margin-top: 2px; }
          .history { max-height: 76px; font-size: 13px; }
          .history li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
          .sinks { grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 6px; }
          .sink { padding: 4px 6px; }
          .sink dl { display: flex; flex-wrap: wrap; gap: 0 4px; }
          .sink dd { margin-right: 6px; }
        }
        @media (max-width: 1000px) {
          main { grid-template-columns: 1fr; grid-template-areas: "multiview" "program" "captions" "delivery"; grid-template-rows: none; }
        }
        """#
}
