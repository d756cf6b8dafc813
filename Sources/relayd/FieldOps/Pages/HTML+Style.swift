extension HTML {
    /// The pages' style sheet. Layout fits 1366 px without sideways scrolling: the board's
    /// columns wrap, long words break, wide tables scroll inside their own box.
    static let style = """
        *{box-sizing:border-box}
        body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0 1rem 2rem;color:#111;overflow-wrap:anywhere}
        nav{display:flex;gap:.4rem 1rem;flex-wrap:wrap;align-items:center;border-bottom:1px solid #ccc;padding:.5rem 0;position:sticky;top:0;background:#fff;z-index:2}
        nav a[aria-current=page]{font-weight:bold;text-decoration:none;border-bottom:3px solid #1565c0}
        nav .home{font-weight:bold}
        nav .spacer{flex:1}
        .lang-ja .en,.lang-en .ja{display:none}
        .messages{position:sticky;top:2.6rem;z-index:1}
        .messages p{margin:.3rem 0}
        .messages p:empty{display:none}
        #status{background:#e8f5e9;border:1px solid #2e7d32;padding:.3rem .6rem;border-radius:.3rem}
        #error{background:#fdecea;border:2px solid #b00020;color:#b00020;font-weight:bold;padding:.4rem .6rem;border-radius:.3rem}
        h1{font-size:1.5rem;margin:.6rem 0}
        h2{font-size:1.2rem;margin:1rem 0 .4rem}
        h3{font-size:1rem;margin:.2rem 0}
        .scroll{max-width:100%;overflow-x:auto}
        table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
        th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f3f3f3}
        .board{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:.8rem;margin-top:.6rem}
        .column{background:#f4f6f8;padding:.5rem;border-radius:.3rem;min-width:0}
        .column h2{margin:.2rem 0}
        .card{background:#fff;border:1px solid #ccd;border-radius:.3rem;padding:.5rem;margin:.5rem 0}
        .card p{margin:.3rem 0}
        .number{font-weight:bold;color:#1565c0}
        .band,.state{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-weight:bold;white-space:nowrap}
        .band{color:#fff}
        .band-critical{background:#b00020}.band-stale{background:#6d4c41}.band-low{background:#e65100}
        .band-watch{background:#f9a825;color:#111}.band-ok{background:#2e7d32}
        .state{background:#e3e7ec}
        meter.gauge{width:8rem;height:1.2rem;vertical-align:middle}
        meter.band-critical::-webkit-meter-optimum-value,meter.band-critical::-webkit-meter-suboptimum-value,meter.band-critical::-webkit-meter-even-less-good-value{background:#b00020}
        meter.band-stale::-webkit-meter-optimum-value,meter.band-stale::-webkit-meter-suboptimum-value,meter.band-stale::-webkit-meter-even-less-good-value{background:#6d4c41}
        meter.band-low::-webkit-meter-optimum-value,meter.band-low::-webkit-meter-suboptimum-value,meter.band-low::-webkit-meter-even-less-good-value{background:#e65100}
        meter.band-watch::-webkit-meter-optimum-value,meter.band-watch::-webkit-meter-suboptimum-value,meter.band-watch::-webkit-meter-even-less-good-value{background:#f9a825}
        meter.band-ok::-webkit-meter-optimum-value,meter.band-ok::-webkit-meter-suboptimum-value,meter.band-ok::-webkit-meter-even-less-good-value{background:#2e7d32}
        meter.band-critical::-moz-meter-bar{background:#b00020}meter.band-stale::-moz-meter-bar{background:#6d4c41}
        meter.band-low::-moz-meter-bar{background:#e65100}meter.band-watch::-moz-meter-bar{background:#f9a825}meter.band-ok::-moz-meter-bar{background:#2e7d32}
        .overdue{color:#fff;background:#b00020;font-weight:bold;padding:.1rem .4rem;border-radius:.2rem}
        .missing,.blocked{color:#b00020;font-weight:bold}
        .hint,.zone{color:#555}
        ul.plain{margin:0;padding-left:1rem}
        .actions{display:flex;flex-wrap:wrap;gap:.3rem;align-items:flex-start}
        button{margin:.1rem;padding:.3rem .6rem;cursor:pointer}
        details{display:inline-block;vertical-align:top}
        details[open]{display:block;border:1px solid #ccd;border-radius:.3rem;padding:.4rem;margin:.3rem 0;background:#fafbfc}
        summary{cursor:pointer;color:#1565c0;padding:.2rem .3rem}
        form.inline{display:inline-flex;gap:.3rem;flex-wrap:wrap;align-items:center}
        form.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr));gap:.5rem;align-items:end}
        form.grid button{justify-self:start}
        label.field{display:flex;flex-direction:column;gap:.1rem}
        form.inline label.field{flex-direction:row;align-items:center;gap:.3rem}
        label.field .name{font-size:.85em;color:#333}
        input[type=number]{width:7rem}
        fieldset{grid-column:1/-1}
        .access-row{display:flex;gap:.6rem;align-items:center;flex-wrap:wrap;margin:.2rem 0}
        .facts{line-height:1.8}
        @media print{nav,button,form,details,.messages{display:none}}
        """
}
