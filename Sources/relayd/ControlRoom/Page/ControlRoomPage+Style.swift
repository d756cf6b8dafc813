extension ControlRoomPage {
    /// Dark, high-contrast, laid out for a 1920x1080 wall screen and folding to one column on a
    /// laptop. Tally colours follow broadcast habit: red on air, green in preview.
    static let style = #"""
        :root { --bg: #101418; --panel: #1a2027; --line: #2c3640; --text: #e8edf2; --muted: #9aa7b4;
                --program: #e02424; --preview: #1fa34a; --warn: #e0a800; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--text);
               font: 15px/1.4 "Noto Sans CJK JP", "Noto Sans JP", system-ui, sans-serif; }
        header { display: flex; align-items: center; gap: 12px; padding: 8px 16px; background: #0b0e11;
                 border-bottom: 1px solid var(--line); }
        header h1 { font-size: 18px; margin: 0; }
        .spacer { flex: 1; }
        .connection { padding: 2px 8px; border-radius: 4px; font-size: 13px; background: var(--preview); }
        .connection.down { background: var(--warn); color: #000; }
        .open-mode { padding: 2px 8px; border-radius: 4px; font-size: 13px; background: var(--warn); color: #000; }
        button { background: #2b3742; color: var(--text); border: 1px solid #44525f; border-radius: 4px;
                 padding: 6px 12px; font: inherit; cursor: pointer; }
        button:disabled { opacity: .45; cursor: not-allowed; }
        button.take, button.on-air { background: var(--program); border-color: #ff6b6b; font-weight: bold; }
        main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 12px; padding: 12px; }
        section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
        h2 { font-size: 16px; margin: 0 0 8px; color: var(--muted); }
        h3 { font-size: 14px; margin: 10px 0 4px; color: var(--muted); }
        .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 10px; }
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
        img:not([src]) { visibility: hidden; }
        .thumb.stale img { opacity: .35; filter: grayscale(1); }
        .tile .meta { padding: 6px 8px; display: grid; grid-template-columns: 1fr auto; gap: 2px 8px; font-size: 13px; }
        .tile .label { font-weight: bold; font-size: 15px; }
        .state { font-weight: bold; }
        .state.live { color: #4ade80; } .state.stalled { color: var(--warn); } .state.offline { color: var(--muted); }
        .tile .admin { grid-column: 1 / -1; }
        button.hold { font-size: 12px; padding: 2px 8px; }
        .numbers { grid-column: 1 / -1; color: var(--muted); font-variant-numeric: tabular-nums; }
        .monitors { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
        .monitor { margin: 0; border: 4px solid var(--line); border-radius: 6px; background: #000; }
        .monitor.preview { border-color: var(--preview); } .monitor.program { border-color: var(--program); }
        .monitor figcaption { padding: 4px 8px; background: #0b0e11; font-size: 13px; }
        .monitor img { width: 100%; height: auto; aspect-ratio: 16 / 9; object-fit: contain; display: block; }
        .take-row { display: flex; align-items: center; gap: 12px; margin: 10px 0; }
        .take { font-size: 18px; padding: 10px 28px; }
        .facts { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; font-size: 14px; }
        .facts dt { color: var(--muted); } .facts dd { margin: 0; }
        .failover-active { color: var(--warn); font-weight: bold; }
        textarea, select, input { background: #0b0e11; color: var(--text); border: 1px solid #44525f; border-radius: 4px;
                                  font: inherit; padding: 6px; }
        textarea { width: 100%; font-size: 18px; }
        .caption-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 6px; }
        .presets { display: flex; flex-wrap: wrap; gap: 6px; }
        .history { margin: 0; padding-left: 20px; max-height: 180px; overflow-y: auto; font-size: 14px; }
        .history li { cursor: pointer; padding: 2px 0; } .history li small { color: var(--muted); }
        .sinks { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px; }
        .sink { border: 3px solid var(--preview); border-radius: 6px; padding: 6px 8px; font-size: 13px; }
        .sink.down { border-color: var(--program); background: #3a1111; }
        .sink .name { font-weight: bold; font-size: 15px; }
        .sink .status { font-weight: bold; }
        .sink.down .status { color: #ff8080; }
        .sink dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 4px 0; font-variant-numeric: tabular-nums; }
        .sink dd { margin: 0; }
        .result { min-height: 1.4em; margin: 6px 0 0; font-size: 13px; }
        .error, .result.error { color: #ff8080; }
        .overlay { position: fixed; inset: 0; background: rgba(0,0,0,.75); display: flex; align-items: center;
                   justify-content: center; z-index: 10; }
        .overlay[hidden] { display: none; }
        .overlay form { background: var(--panel); padding: 24px; border-radius: 8px; display: grid; gap: 10px; min-width: 300px; }
        .overlay label { display: grid; gap: 4px; }
        @media (max-width: 1200px) {
          main { grid-template-columns: 1fr; }
          .tiles { grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); }
        }
        """#
}
