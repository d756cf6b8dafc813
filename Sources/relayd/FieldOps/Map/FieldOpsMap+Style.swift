extension FieldOpsMap {
    /// The map page's style sheet, on top of the pages' own (`HTML.style`) and Leaflet's. The
    /// deployment states' colours are here; the bands' are the badges' of every FieldOps page
    /// and `script`'s `BAND_COLOURS`.
    static let style = """
        .map-layout{display:grid;grid-template-columns:minmax(0,1fr) 17rem;gap:.8rem;align-items:start}
        @media (max-width:900px){.map-layout{grid-template-columns:1fr}}
        .map{height:calc(100vh - 11rem);min-height:24rem;border:1px solid #99a;border-radius:.3rem}
        .map.coastline{background:#cfe3f0}
        .map-side h2{margin:.2rem 0 .4rem}
        .map-side p{margin:.3rem 0 .8rem;line-height:1.9}
        .map-error{background:#fdecea;border:2px solid #b00020;color:#b00020;font-weight:bold;padding:.4rem .6rem;border-radius:.3rem}
        .map-error code{font-weight:normal;color:#333}
        .legend-deployment{white-space:nowrap;margin-right:.5rem}
        .swatch{display:inline-block;width:.9rem;height:.9rem;border:1px solid #fff;outline:1px solid #333;vertical-align:middle;margin-right:.25rem}
        .state-planned.swatch,.deployment-marker.state-planned{background:#607d8b}
        .state-mobilizing.swatch,.deployment-marker.state-mobilizing{background:#6a1b9a}
        .state-active.swatch,.deployment-marker.state-active{background:#1565c0}
        .state-demobilizing.swatch,.deployment-marker.state-demobilizing{background:#00838f}
        .deployment-marker{border:2px solid #fff;outline:1px solid #222;border-radius:.2rem;color:#fff;font:bold 11px/18px system-ui,sans-serif;text-align:center;box-shadow:0 1px 4px rgba(0,0,0,.5)}
        .unit-marker{background:#fff;border:1px solid #1565c0;border-radius:.2rem;color:#0d3c74;font:bold 11px/15px system-ui,sans-serif;padding:0 .3rem;white-space:nowrap;box-shadow:0 1px 3px rgba(0,0,0,.35)}
        .leaflet-popup-content{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;font-size:13px;min-width:16rem}
        .leaflet-popup-content h3{margin:0 0 .3rem;font-size:15px}
        .leaflet-popup-content p{margin:.3rem 0}
        .leaflet-popup-content table{margin:.3rem 0;width:100%}
        .leaflet-popup-content th,.leaflet-popup-content td{padding:.15rem .35rem}
        .leaflet-tooltip{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif}
        """
}
