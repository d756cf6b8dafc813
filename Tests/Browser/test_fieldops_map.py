"""Browser tests of the FieldOps map (/fieldops/map) in Debian's headless Chromium against the
real relayd: relay stations coloured by fuel band, deployments by state, units at their
deployment, popups with the order-by time and access lead times, in Japanese and in English;
the shipped coastline drawn with no request leaving loopback; live refresh from the event
stream; a configured tile server allowed by the Content-Security-Policy. Any console error
fails a test.

Run by scripts/test:  python3 -m unittest discover -s Tests/Browser -v
Set FIELDOPS_SCREENSHOTS=dir to save the map (docs/fieldops-map.png is the committed one).
"""

import datetime
import http.server
import json
import os
import subprocess
import tempfile
import threading
import unittest
import urllib.parse
import urllib.request
import zlib
import struct

from selenium.webdriver.common.by import By

from test_fieldops_pages import RELAYD, SIZES, Page, Relayd, chromium

BAND_COLOURS = {"critical": "#b00020", "stale": "#6d4c41", "low": "#e65100", "watch": "#f9a825", "ok": "#2e7d32"}
STATE_COLOURS = {"planned": "rgb(96, 125, 139)", "mobilizing": "rgb(106, 27, 154)", "active": "rgb(21, 101, 192)",
                 "demobilizing": "rgb(0, 131, 143)"}
JST = datetime.timezone(datetime.timedelta(hours=9))


def jst(iso):
    """An API time as the pages show it in the display zone (Asia/Tokyo)."""
    moment = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


class MapPage(Page):
    def markers(self):
        """Station id -> the fill colour of its circle."""
        return self.browser.execute_script(
            "return Object.fromEntries([...document.querySelectorAll('path.station-marker')].map((p) =>"
            " [[...p.classList].find((c) => /^station-\\d+$/.test(c)).slice(8), p.getAttribute('fill')]))")

    def deployment_colour(self, number):
        return self.browser.execute_script(
            "const m = document.querySelector('.deployment-marker.deployment-' + arguments[0]);"
            "return m ? getComputedStyle(m).backgroundColor : null", number)

    def popup(self, selector):
        """Clicks a marker as a person would and answers its popup's text."""
        self.browser.execute_script("const p = document.querySelector('.leaflet-popup-close-button'); if (p) p.click()")
        self.wait(lambda: not self.finds(".leaflet-popup"), "the open popup has faded out")
        marker = self.find(selector)
        self.browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", marker)
        marker.click()
        self.wait(lambda: self.browser.execute_script(
            "const p = document.querySelector('.leaflet-popup'); return p && getComputedStyle(p).opacity === '1'"),
            f"the popup of {selector} has faded in")
        return self.find(".leaflet-popup-content").text

    def unit_labels(self):
        """The callsigns on the map, read in one step (labels come and go as the map refreshes)."""
        return sorted(self.browser.execute_script("return [...document.querySelectorAll('.unit-marker')].map((e) => e.textContent)"))

    def requests_beyond(self, origin):
        return self.browser.execute_script(
            "return performance.getEntriesByType('resource').map((e) => e.name).filter((n) => !n.startsWith(arguments[0]))",
            origin)


class FieldOpsMapTests(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory(prefix="relayd-map-")
        self.relayd = Relayd(self.temporary.name)
        self.browsers = []

    def tearDown(self):
        for browser in self.browsers:
            browser.quit()
        self.relayd.stop()
        self.temporary.cleanup()

    def page(self, size, language):
        browser = chromium(SIZES[size])
        self.browsers.append(browser)
        return MapPage(self, self.relayd, browser, language)

    def put(self, path, body):
        request = urllib.request.Request(self.relayd.url + path, data=json.dumps(body).encode(), method="PUT")
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Actor", "api")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode())

    def station(self, name, latitude, longitude, litres, lead_hours=2):
        """A station whose generator burns 3 L/h: 110 L of its 1000 L tank are unusable, so
        `litres` sets the hours to empty ((litres - 110) / 3) and with them the band."""
        station = self.relayd.post("/api/fieldops/stations", {
            "name": name, "latitude": latitude, "longitude": longitude, "elevation_m": 1200,
            "access_modes": [{"mode": "helicopter", "lead_hours": lead_hours}, {"mode": "road", "lead_hours": 6, "available": False}]})
        generator = self.relayd.post(f"/api/fieldops/stations/{station['id']}/generators", {
            "name": "G1", "rated_kw": 5, "tank_litres": 1000, "usable_fraction": 0.9, "reserve_litres": 10, "curve": [[50, 3]]})
        if litres is not None:
            self.relayd.post(f"/api/fieldops/generators/{generator['id']}/readings", {"litres": litres, "load_percent": 50, "source": "dip"})
        return station["id"], generator["id"]

    def seed(self):
        self.unit = self.relayd.post("/api/fieldops/units", {"callsign": "MIYAGI-TSU-1", "home_base": "仙台"})["id"]
        self.other_unit = self.relayd.post("/api/fieldops/units", {"callsign": "IWATE-TSU-2", "home_base": "盛岡"})["id"]
        # One station in each band: order-by = reading + hours to empty - 2 h lead - 12 h margin.
        self.stations = {
            "critical": self.station("蔵王中継所", 38.14, 140.44, 120),     # 3.3 h to empty: order-by passed
            "low": self.station("栗駒中継所", 38.96, 140.79, 200),         # 30 h: order-by in 16 h
            "watch": self.station("早池峰中継所", 39.56, 141.49, 290),     # 60 h: in 46 h
            "ok": self.station("蔵王東中継所", 38.30, 140.90, 710),        # 200 h: in 186 h
            "stale": self.station("月山中継所", 38.55, 140.03, None),      # no reading
        }
        self.deployments = {}
        for state, name, position in [("active", "気仙沼 水害", (38.90, 141.57)), ("mobilizing", "石巻 捜索", (38.43, 141.30)),
                                      ("planned", "仙台 警備", None)]:
            body = {"kind": "disaster", "incident_name": name, "location": name.split()[0], "lead_unit_id": self.unit}
            if position:
                body["latitude"], body["longitude"] = position
            number = self.relayd.post("/api/fieldops/deployments", body)["deployment"]["id"]
            version = 1
            for step in ["mobilizing", "active"][: ["planned", "mobilizing", "active"].index(state)]:
                version = self.relayd.post(f"/api/fieldops/deployments/{number}/transitions", {"to": step, "version": version})["deployment"]["version"]
            self.deployments[state] = number
        self.relayd.post(f"/api/fieldops/deployments/{self.deployments['active']}/check-ins", {"unit_id": self.unit, "assignment": "衛星回線"})
        self.relayd.post(f"/api/fieldops/deployments/{self.deployments['active']}/check-ins", {"unit_id": self.other_unit, "assignment": "中継"})

    def check_map(self, p):
        w = p.words
        p.open("/fieldops/map")
        p.wait(lambda: len(p.markers()) == 5, "every station has a marker")
        self.assertEqual(p.markers(), {str(sid): BAND_COLOURS[band] for band, (sid, _) in self.stations.items()},
                         "each station is coloured by its fuel band")
        for state in ("active", "mobilizing"):
            self.assertEqual(p.deployment_colour(self.deployments[state]), STATE_COLOURS[state], f"the {state} deployment's colour")
        self.assertIsNone(p.deployment_colour(self.deployments["planned"]), "no position, no marker")
        unplaced = p.find("#unplaced").text
        self.assertIn(f"#{self.deployments['planned']} 仙台 警備", unplaced, "a deployment without a position is listed beside the map")
        self.assertIn(w("計画", "Planned"), unplaced)
        self.assertEqual(p.unit_labels(), ["IWATE-TSU-2", "MIYAGI-TSU-1"], "the units checked in show at their deployment")

        # The coastline shipped with relayd is drawn, and nothing was asked of the network.
        p.wait(lambda: p.find("#map").get_attribute("data-coastline-drawn") == "true", "the coastline layer is drawn")
        land = p.browser.execute_script("return document.querySelectorAll('.leaflet-land-pane path').length")
        self.assertGreater(land, 0, "land polygons in the land pane")
        self.assertEqual(p.finds(".leaflet-tile"), [], "no tiles without a tile server")
        self.assertEqual(p.requests_beyond(self.relayd.url + "/"), [], "no request leaves relayd on loopback")

        # The critical station's popup: the order-by time, overdue, and the lead times.
        critical_station, critical_generator = self.stations["critical"]
        order_by = self.relayd.get(f"/api/fieldops/generators/{critical_generator}")["order_by"]
        text = p.popup(f"path.station-{critical_station}")
        self.assertIn("蔵王中継所", text)
        self.assertIn(f"{w('期限超過', 'Overdue')} {jst(order_by)}", text, "the order-by time, in JST, says overdue")
        overdue = p.find(".leaflet-popup-content .order-by .overdue")
        self.assertEqual(overdue.value_of_css_property("background-color"), "rgba(176, 0, 32, 1)", "overdue stands out")
        access = [row.text for row in p.finds(".leaflet-popup-content table.access tbody tr")]
        self.assertEqual(access, [f"{w('ヘリコプター', 'Helicopter')} 2 h {w('使用可', 'Open')}", f"{w('道路', 'Road')} 6 h {w('閉鎖', 'Closed')}"],
                         "every access mode with its lead time and whether it is open")
        # A station whose order-by is still ahead shows it without the overdue mark.
        low_station, low_generator = self.stations["low"]
        text = p.popup(f"path.station-{low_station}")
        self.assertIn(jst(self.relayd.get(f"/api/fieldops/generators/{low_generator}")["order_by"]), text)
        self.assertNotIn(w("期限超過", "Overdue"), text)
        self.assertIn(w("残少", "Low"), text)

        # The active deployment's popup: state, lead and units on scene.
        text = p.popup(f".deployment-marker.deployment-{self.deployments['active']}")
        self.assertIn("気仙沼 水害", text)
        self.assertIn(w("活動中", "Active"), text)
        self.assertIn("MIYAGI-TSU-1", text)
        self.assertIn("衛星回線", text)
        self.assertTrue(p.fits_width(), "the map page fits the window")
        hidden = "en" if p.language == "ja" else "ja"
        self.assertEqual([e.text for e in p.finds(f"main .{hidden}") if e.is_displayed()], [], f"only {p.language} shows")
        p.check_console()

    def test_the_map_in_japanese_at_1920x1080_and_english_at_1366x768_with_the_shipped_coastline(self):
        self.relayd.start()
        self.seed()
        japanese = self.page("1920x1080", "ja")
        self.check_map(japanese)
        # The language switch rewords an open popup in place.
        japanese.find("#lang-toggle").click()
        japanese.wait(lambda: "Helicopter 2 h Open" in japanese.find(".leaflet-popup-content").text or
                      "Active" in japanese.find(".leaflet-popup-content").text, "the open popup follows the switch")
        japanese.check_console()
        if os.environ.get("FIELDOPS_SCREENSHOTS"):
            japanese.find("#lang-toggle").click()
            # Two levels closer, so the popup leaves the other markers in view.
            japanese.browser.execute_script("const p = document.querySelector('.leaflet-popup-close-button'); if (p) p.click()")
            for _ in range(2):
                japanese.find(".leaflet-control-zoom-in").click()
                japanese.wait(lambda: not japanese.finds(".leaflet-zoom-anim"), "the zoom has settled")
            japanese.popup(f"path.station-{self.stations['critical'][0]}")
            japanese.browser.save_screenshot(os.path.join(os.environ["FIELDOPS_SCREENSHOTS"], "fieldops-map.png"))
        self.check_map(self.page("1366x768", "en"))

    def test_a_change_elsewhere_moves_the_markers_in_place_and_a_position_set_on_the_pages_places_a_deployment(self):
        self.relayd.start()
        self.seed()
        watcher = self.page("1366x768", "ja")
        watcher.open("/fieldops/map")
        watcher.wait(lambda: len(watcher.markers()) == 5, "the markers")
        ok_station, ok_generator = self.stations["ok"]
        marker = watcher.find(f"path.station-{ok_station}")
        popup = watcher.popup(f"path.station-{ok_station}")
        self.assertIn("正常", popup)
        # Another coordinator logs a dip that leaves the generator nearly dry.
        self.relayd.post(f"/api/fieldops/generators/{ok_generator}/readings", {"litres": 115, "load_percent": 50, "source": "dip"})
        watcher.wait(lambda: watcher.markers()[str(ok_station)] == BAND_COLOURS["critical"], "the marker turns critical")
        self.assertTrue(watcher.browser.execute_script("return arguments[0].isConnected", marker), "the same marker, recoloured")
        watcher.wait(lambda: "期限超過" in watcher.find(".leaflet-popup-content").text, "the open popup follows: overdue")
        # The active deployment demobilizes; its colour follows.
        active = self.deployments["active"]
        version = self.relayd.get(f"/api/fieldops/deployments/{active}")["deployment"]["version"]
        self.relayd.post(f"/api/fieldops/deployments/{active}/transitions", {"to": "demobilizing", "version": version})
        watcher.wait(lambda: watcher.deployment_colour(active) == STATE_COLOURS["demobilizing"], "the deployment's colour follows its state")
        # A unit checks out: its label leaves the map.
        check_in = self.relayd.get(f"/api/fieldops/deployments/{active}")["check_ins"][1]
        self.relayd.post(f"/api/fieldops/deployments/{active}/check-ins/{check_in['id']}/check-out", {})
        watcher.wait(lambda: watcher.unit_labels() == ["MIYAGI-TSU-1"], "the unit that left is gone")

        # The planned deployment gets its position from its page's edit form, in another window.
        editor = self.page("1920x1080", "en")
        planned = self.deployments["planned"]
        editor.open(f"/fieldops/deployments/{planned}")
        editor.set_actor("森")
        form = editor.form(f"/api/fieldops/deployments/{planned}")
        editor.submit(form, {"latitude": "38.26", "longitude": "140.87"})
        saved = self.relayd.get(f"/api/fieldops/deployments/{planned}")["deployment"]
        self.assertEqual((saved["latitude"], saved["longitude"]), (38.26, 140.87))
        watcher.wait(lambda: watcher.deployment_colour(planned) == STATE_COLOURS["planned"], "the deployment appears on the map")
        watcher.wait(lambda: f"#{planned}" not in watcher.find("#unplaced").text, "and leaves the list of unplaced ones")
        editor.wait(lambda: "38.26, 140.87" in editor.find("main").text, "the deployment's page shows its position")
        log = self.relayd.get(f"/api/fieldops/deployments/{planned}/activity")["items"]
        self.assertIn("Details edited: map position", [entry["text"] for entry in log])
        # Only one coordinate is refused, naming the missing one.
        refusal = editor.refused(editor.form(f"/api/fieldops/deployments/{planned}"), {"latitude": "", "longitude": "141"})
        self.assertIn("Latitude", refusal)
        for page in (watcher, editor):
            page.check_console()

    def test_a_configured_tile_server_is_the_base_layer_and_the_only_other_origin_allowed(self):
        tiles = TileServer()
        self.addCleanup(tiles.stop)
        template = f"http://127.0.0.1:{tiles.port}/{{z}}/{{x}}/{{y}}.png"
        with open(self.relayd.config, "a", encoding="utf-8") as config:
            config.write(f"fieldops:\n  map:\n    tile_url: '{template}'\n")
        self.relayd.start()
        self.seed()
        with urllib.request.urlopen(self.relayd.url + "/fieldops/map", timeout=10) as response:
            policy = response.headers["Content-Security-Policy"]
        directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
        self.assertEqual(directives["img-src"], ["'self'", "data:", f"http://127.0.0.1:{tiles.port}"], "the tile server's origin, for images only")
        self.assertEqual(directives["connect-src"], ["'self'"])
        self.assertEqual(directives["script-src"], ["'self'"])
        p = self.page("1366x768", "en")
        p.open("/fieldops/map")
        p.wait(lambda: len(p.finds("img.leaflet-tile-loaded")) > 0, "tiles from the configured server load")
        self.assertTrue(tiles.paths, "the tile server was asked")
        self.assertTrue(all(path.count("/") == 3 and path.endswith(".png") for path in tiles.paths), tiles.paths)
        self.assertEqual(p.browser.execute_script("return document.querySelectorAll('.leaflet-land-pane path').length"), 0, "no coastline under tiles")
        self.assertEqual(len(p.markers()), 5)
        p.check_console()

    def test_check_config_refuses_a_tile_url_that_is_not_one_plain_origin(self):
        for url in ["https://{s}.tile.example/{z}/{x}/{y}.png", "javascript:alert(1)//{z}/{x}/{y}", "https://gis.example/tiles.png",
                    "https://gis.example/{z}/{x}/{y}.png; script-src *", "https://user:pw@gis.example/{z}/{x}/{y}.png"]:
            path = os.path.join(self.temporary.name, "bad.yaml")
            with open(path, "w", encoding="utf-8") as config:
                config.write(f"fieldops:\n  map:\n    tile_url: '{url}'\n")
            result = subprocess.run([RELAYD, "check-config", path], capture_output=True, text=True)
            self.assertEqual(result.returncode, 2, url)
            self.assertIn("fieldops.map.tile_url", result.stderr, url)


class TileServer:
    """A tile server on loopback answering every tile with the same 256x256 PNG."""

    def __init__(self):
        raw = b"".join(b"\x00" + b"\xcf\xe3\xf0" * 256 for _ in range(256))
        chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)) + \
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
        self.paths = []
        paths = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                paths.append(urllib.parse.urlparse(self.path).path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    unittest.main()
