extension FieldOpsMap {
    /// The map page's script, run after Leaflet and the pages' own script (which keeps the
    /// language switch, the recorder field and the messages).
    ///
    /// - Builds every popup, tooltip and label as DOM nodes with text content: no data is ever
    ///   parsed as markup. Words come in both languages (`span.ja` / `span.en`), so the pages'
    ///   language switch applies to open popups too.
    /// - Keeps each marker (and its open popup) across refreshes and updates it in place:
    ///   position, colour, popup content. Markers of records gone or closed are removed.
    /// - Reloads its data when the FieldOps event stream reports a change, and every minute
    ///   as order-by times pass.
    static let script = #"""
        "use strict";
        (() => {
        const container = document.getElementById("map");
        if (!container || !window.L) return;
        // The bands' colours, as the badges of every FieldOps page show them.
        const BAND_COLOURS = {critical: "#b00020", stale: "#6d4c41", low: "#e65100", watch: "#f9a825", ok: "#2e7d32"};
        const JAPAN = [[24, 122.5], [46, 149]];

        function el(tag, attributes, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
          for (const child of children) if (child !== null && child !== undefined) node.append(child);
          return node;
        }
        function label(ja, en) {
          const fragment = document.createDocumentFragment();
          fragment.append(el("span", {class: "ja"}, ja), " ", el("span", {class: "en"}, en));
          return fragment;
        }
        const words = (pair) => label(pair.ja, pair.en);
        const time = (t) => el("time", {datetime: t.at}, t.text);
        const orderBy = (t) => (!t ? "–" : t.passed ? el("span", {class: "overdue"}, label("期限超過", "Overdue"), " ", time(t)) : time(t));
        const hours = (h) => `${h} h`;
        function table(headings, rows) {
          const head = el("tr", {}, ...headings.map(([ja, en]) => el("th", {}, label(ja, en))));
          return el("table", {}, el("thead", {}, head), el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
        }
        const say = (ja, en) => {
          document.getElementById("error").textContent = document.documentElement.lang === "en" ? en : ja;
        };

        const map = L.map(container, {minZoom: 4, maxZoom: 17});
        map.attributionControl.setPrefix(false);
        map.createPane("land");
        map.getPane("land").style.zIndex = 250;
        if (container.dataset.tiles) {
          L.tileLayer(container.dataset.tiles, {maxZoom: 19}).addTo(map);
        } else if (container.dataset.coastline) {
          container.classList.add("coastline");
          map.attributionControl.addAttribution("Natural Earth");
          fetch(container.dataset.coastline, {credentials: "same-origin"}).then((r) => (r.ok ? r.json() : Promise.reject(r.status))).then((land) => {
            L.geoJSON(land, {pane: "land", interactive: false, style: {color: "#74879a", weight: 1, fillColor: "#f3f0e4", fillOpacity: 1}}).addTo(map);
            container.dataset.coastlineDrawn = "true";
          }).catch(() => say("海岸線データを読み込めません", "Cannot load the coastline"));
        }

        // MARK: stations

        function stationPopup(s) {
          const generators = table([["発電機", "Generator"], ["区分", "Band"], ["発注期限", "Order by"]], s.generators.map((g) => [
            g.name, el("span", {class: `band band-${g.band.key}`}, words(g.band)),
            el("span", {}, orderBy(g.order_by), g.access_mode ? el("small", {}, " · ", words(g.access_mode)) : null),
          ]));
          const access = table([["アクセス手段", "Access"], ["所要時間", "Lead time"], ["状態", "State"]], s.access_modes.map((m) => [
            words(m.mode), el("span", {class: "lead"}, hours(m.lead_hours)),
            m.available ? label("使用可", "Open") : el("span", {class: "missing"}, label("閉鎖", "Closed")),
          ]));
          generators.classList.add("generators");
          access.classList.add("access");
          return el("div", {class: "popup station-popup", "data-station": String(s.id)},
            el("h3", {}, s.name, " ", el("span", {class: `band band-${s.band.key}`}, words(s.band))),
            el("p", {}, `${s.elevation_m} m · ${s.latitude}, ${s.longitude}`, s.seasonal_notes ? ` · ${s.seasonal_notes}` : ""),
            el("p", {class: "order-by"}, el("strong", {}, label("発注期限", "Order by")), " ", orderBy(s.order_by)),
            generators, access,
            el("p", {}, el("a", {href: `/fieldops/stations#station-${s.id}`}, label("中継所と燃料のページへ", "Open on the stations page"))));
        }

        const stations = new Map();
        function updateStations(list) {
          const seen = new Set();
          for (const s of list) {
            seen.add(s.id);
            const overdue = Boolean(s.order_by && s.order_by.passed);
            const style = {fillColor: BAND_COLOURS[s.band.key] || "#555", color: overdue ? "#000" : "#fff", weight: overdue ? 3 : 2};
            let marker = stations.get(s.id);
            if (!marker) {
              marker = L.circleMarker([s.latitude, s.longitude], {radius: 10, fillOpacity: 0.95, className: `station-marker station-${s.id}`, ...style});
              marker.bindPopup(stationPopup(s), {maxWidth: 380}).bindTooltip(el("span", {}, s.name), {direction: "top", offset: [0, -8]}).addTo(map);
              stations.set(s.id, marker);
            } else {
              marker.setLatLng([s.latitude, s.longitude]).setStyle(style);
              marker.setPopupContent(stationPopup(s)).setTooltipContent(el("span", {}, s.name));
            }
            const path = marker.getElement();
            if (path) {
              path.setAttribute("data-band", s.band.key);
              path.classList.toggle("overdue-marker", overdue);
            }
          }
          for (const [id, marker] of stations) if (!seen.has(id)) { marker.remove(); stations.delete(id); }
        }

        // MARK: deployments and the units on scene

        function deploymentPopup(d) {
          const units = table([["部隊", "Unit"], ["任務", "Assignment"], ["到着", "Checked in"]],
            d.units.map((u) => [u.callsign, u.assignment || "–", time(u.checked_in)]));
          return el("div", {class: "popup deployment-popup", "data-deployment": String(d.id)},
            el("h3", {}, el("span", {class: "number"}, `#${d.id}`), " ", d.incident_name),
            el("p", {}, el("span", {class: `state state-${d.state.key}`}, words(d.state)), " ", words(d.kind)),
            el("p", {}, el("strong", {}, label("場所", "Location")), " ", d.location),
            el("p", {}, el("strong", {}, label("指揮", "Lead")), " ", d.lead_callsign),
            el("p", {}, el("strong", {}, label("現場の部隊", "Units on scene")), ` ${d.units.length}`), units,
            el("p", {}, el("a", {href: `/fieldops/deployments/${d.id}`}, label("展開のページへ", "Open the deployment"))));
        }
        const deploymentIcon = (d) => L.divIcon({
          className: `deployment-marker deployment-${d.id} state-${d.state.key}`, html: el("span", {}, `#${d.id}`),
          iconSize: [30, 20], iconAnchor: [15, 10], popupAnchor: [0, -10], tooltipAnchor: [0, -10]});
        // Units sit beside their deployment's marker, one label a line below it.
        const unitIcon = (u, index) => L.divIcon({
          className: `unit-marker unit-${u.check_in_id}`, html: el("span", {}, u.callsign), iconSize: null,
          iconAnchor: [-18, -12 - 19 * index], popupAnchor: [40, 20 + 19 * index]});
        function unitPopup(u, d) {
          return el("div", {class: "popup unit-popup"},
            el("h3", {}, u.callsign),
            el("p", {}, el("strong", {}, label("展開", "Deployment")), " ", el("a", {href: `/fieldops/deployments/${d.id}`}, `#${d.id} ${d.incident_name}`)),
            el("p", {}, el("strong", {}, label("任務", "Assignment")), " ", u.assignment || "–"),
            el("p", {}, el("strong", {}, label("到着", "Checked in")), " ", time(u.checked_in)));
        }

        const deployments = new Map();
        const units = new Map();
        function updateDeployments(list) {
          const seenDeployments = new Set();
          const seenUnits = new Set();
          for (const d of list) {
            if (d.latitude === undefined || d.longitude === undefined || d.latitude === null || d.longitude === null) continue;
            seenDeployments.add(d.id);
            const at = [d.latitude, d.longitude];
            let marker = deployments.get(d.id);
            if (!marker) {
              marker = L.marker(at, {icon: deploymentIcon(d), zIndexOffset: 1000, keyboard: true});
              marker.bindPopup(deploymentPopup(d), {maxWidth: 380}).bindTooltip(el("span", {}, `#${d.id} ${d.incident_name}`), {direction: "top"}).addTo(map);
              marker.stateKey = d.state.key;
              deployments.set(d.id, marker);
            } else {
              marker.setLatLng(at);
              if (marker.stateKey !== d.state.key) { marker.setIcon(deploymentIcon(d)); marker.stateKey = d.state.key; }
              marker.setPopupContent(deploymentPopup(d)).setTooltipContent(el("span", {}, `#${d.id} ${d.incident_name}`));
            }
            d.units.forEach((u, index) => {
              seenUnits.add(u.check_in_id);
              let unit = units.get(u.check_in_id);
              const shape = `${index} ${u.callsign}`;
              if (!unit) {
                unit = L.marker(at, {icon: unitIcon(u, index), zIndexOffset: 500, keyboard: true});
                unit.bindPopup(unitPopup(u, d), {maxWidth: 320}).addTo(map);
                unit.shape = shape;
                units.set(u.check_in_id, unit);
              } else {
                unit.setLatLng(at);
                if (unit.shape !== shape) { unit.setIcon(unitIcon(u, index)); unit.shape = shape; }
                unit.setPopupContent(unitPopup(u, d));
              }
            });
          }
          for (const [id, marker] of deployments) if (!seenDeployments.has(id)) { marker.remove(); deployments.delete(id); }
          for (const [id, marker] of units) if (!seenUnits.has(id)) { marker.remove(); units.delete(id); }
        }

        // Open deployments with no coordinates, listed beside the map with a link to add them.
        let unplacedShape = "";
        function updateUnplaced(list) {
          const unplaced = list.filter((d) => d.latitude === undefined || d.latitude === null || d.longitude === undefined || d.longitude === null);
          const shape = JSON.stringify(unplaced.map((d) => [d.id, d.incident_name, d.state.key]));
          if (shape === unplacedShape) return;
          unplacedShape = shape;
          const items = unplaced.map((d) => el("li", {"data-key": `unplaced-${d.id}`},
            el("a", {href: `/fieldops/deployments/${d.id}`}, `#${d.id} ${d.incident_name}`), " ",
            el("span", {class: `state state-${d.state.key}`}, words(d.state))));
          document.getElementById("unplaced").replaceChildren(...(items.length ? items : [el("li", {}, "–")]));
        }

        // MARK: loading

        let fitted = false;
        function fit(data) {
          const points = data.stations.map((s) => [s.latitude, s.longitude]).concat(
            data.deployments.filter((d) => d.latitude !== undefined && d.latitude !== null).map((d) => [d.latitude, d.longitude]));
          if (points.length === 0) map.fitBounds(JAPAN);
          else map.fitBounds(L.latLngBounds(points).pad(0.4), {maxZoom: 7});
          fitted = true;
        }

        let loading = null;
        let again = false;
        function load() {
          if (loading) { again = true; return loading; }
          loading = (async () => {
            do {
              again = false;
              const response = await fetch(container.dataset.features, {credentials: "same-origin", cache: "no-store"});
              if (!response.ok) { say("地図のデータを読み込めません", "Cannot load the map's data"); break; }
              const data = await response.json();
              if (!fitted) fit(data);
              updateStations(data.stations);
              updateDeployments(data.deployments);
              updateUnplaced(data.deployments);
              document.getElementById("map-as-of").replaceChildren(label("更新", "Updated"), " ", time(data.as_of));
              container.dataset.revision = String(Number(container.dataset.revision || "0") + 1);
            } while (again);
          })().catch(() => say("サーバーに接続できません", "Cannot reach the server")).finally(() => { loading = null; });
          return loading;
        }

        if (!container.dataset.tiles && !container.dataset.coastline) map.fitBounds(JAPAN);
        load();
        const events = new EventSource("/api/fieldops/events");
        events.addEventListener("change", () => load());
        setInterval(load, 60000);
        })();
        """#
}
