"""Stored script injection, attacked the way an outsider with write access to one free-text field
would: through the real relayd's JSON API, then every page that shows the data rendered in
Debian's headless Chromium (chromedriver, Selenium).

Every free-text field of every FieldOps entity (and of the config and API that feed the control
room: source labels, sink names, presets, caption text, the actor's name) holds each payload of
PAYLOADS: quotes followed by a combining mark (one Character in Swift, still a quote to the HTML
parser), `</script>`, `<img onerror>`, `javascript:` URLs, event attributes, `</textarea>`,
`</style>`. Each payload runs `top.__pwned=1` if it ever executes. A page fails when the marker is
set (after firing the events the payloads hook on every element), when any element carries an
attribute a payload could have added (`on...`, `autofocus`, `style`, odd names, `javascript:`
URLs, stray `<script>`/`<img>`/`<svg>` elements), when the browser logs any error at all, or when
a payload is missing from the page's text (it must be shown, as text). The response headers
(Content-Security-Policy, nosniff, no-referrer) are checked on pages, scripts and API answers.

Run by scripts/test after the Swift tests:  python3 -m unittest discover -s Tests/Browser -v
"""

import json
import os
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from relayd_server import WAIT, RelaydServer

RUN = "top.__pwned=1"
PAYLOADS = [
    # The hole: U+0301 after the quote makes one Character that an escaper walking Characters
    # does not recognise as a quote; the HTML parser still ends the attribute value there.
    f'"\u0301 autofocus onfocus={RUN} onmouseover={RUN} x="',
    f"'\u0301 autofocus onfocus={RUN} onmouseover={RUN} x='",
    f'" onmouseover="{RUN}" x="',
    f"</script><script>{RUN}</script>",
    f"<img src=x onerror={RUN}>",
    f"javascript:{RUN}",
    f"</textarea><svg onload={RUN}>",
    f"</style><img src=x onerror={RUN}>",
    f"</title><script>{RUN}</script>",
]
# The actor's name travels in a header: the same payloads, as UTF-8 bytes.
ACTOR = PAYLOADS[0] + " actor"

# The only scripts relayd's pages load.
SCRIPT_SOURCES = {"/static/control-room.js", "/static/fieldops.js"}

# Walks the rendered document and reports whatever a payload could have added.
INSPECT = """
const found = [];
// The control room's monitors and tiles are the only images relayd puts on a page.
const expectedImage = (node) => node.id === "preview-img" || node.id === "program-img" || node.closest(".thumb") !== null;
for (const node of document.querySelectorAll("*")) {
  const tag = node.tagName.toLowerCase();
  for (const { name, value } of node.attributes) {
    if (!/^[a-z][a-z0-9-]*$/.test(name) || name.startsWith("on") || ["autofocus", "style", "srcdoc", "formaction", "x"].includes(name)
        || (name === "src" && tag !== "script" && !(tag === "img" && expectedImage(node))))
      found.push(`<${tag}> attribute ${JSON.stringify(name)}=${JSON.stringify(value)}`);
    if (["href", "src", "action", "formaction", "data"].includes(name) && /^\\s*javascript:/i.test(value))
      found.push(`<${tag}> ${name} is a javascript: URL`);
  }
  if (tag === "script" && !arguments[0].includes(node.getAttribute("src"))) found.push(`<script> ${node.outerHTML.slice(0, 80)}`);
  if (["svg", "iframe", "object", "embed", "base", "style", "frame"].includes(tag)) found.push(`<${tag}> element`);
  if (tag === "img" && !expectedImage(node)) found.push(`<img> ${node.outerHTML.slice(0, 80)}`);
}
return found;
"""

# Fires every event the payloads hook, on every element, as a visitor moving the mouse, tabbing
# and loading would (inline handlers run for synthetic events as for real ones).
FIRE = """
for (const node of document.querySelectorAll("*"))
  for (const type of ["mouseover", "focus", "error", "load"]) node.dispatchEvent(new Event(type));
return window.__pwned === 1;
"""


def yaml_string(text):
    # JSON strings are YAML double-quoted scalars.
    return json.dumps(text, ensure_ascii=True)


def payload(index, field):
    """The payload of `index`, made unique per field (names and serials are unique keys)."""
    return f"{PAYLOADS[index]} {field}{index}"


class Relayd(RelaydServer):
    """relayd serve, open (no accounts, loopback only), in a temporary directory; the control
    room's labels, names and presets come from the config and carry the payloads too."""

    def __init__(self, directory):
        super().__init__(directory)
        sources = "".join(
            f"  - id: cam-{i}\n    kind: mobile\n    label: {yaml_string(payload(i, 'label'))}\n" for i in range(len(PAYLOADS)))
        presets = "".join(
            f"    - name: {yaml_string(payload(i, 'preset'))}\n      text: {yaml_string(payload(i, 'preset-text'))}\n"
            for i in range(len(PAYLOADS)))
        sinks = "".join(
            f"  - id: hq-{i}\n    name: {yaml_string(payload(i, 'sink'))}\n    feed: program\n    mode: pull\n    user: hq\n"
            for i in range(len(PAYLOADS)))
        self.write_config_after_listeners(
            f"sources:\n{sources}program:\n  presets:\n{presets}users:\n  - name: hq\n    request: [program]\n"
            f"sinks:\n{sinks}")

    def request(self, method, path, body=None):
        """One API call; answers (status, headers, parsed JSON or text)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        # Bytes, so http.client sends the UTF-8 as it is (it would refuse a str beyond Latin-1).
        request.add_header("X-Actor", ACTOR.encode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, headers, text = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, headers, text = error.code, error.headers, error.read().decode()
        try:
            return status, headers, json.loads(text)
        except ValueError:
            return status, headers, text

    def call(self, method, path, body=None):
        status, _, answer = self.request(method, path, body)
        if status >= 300:
            raise AssertionError(f"{method} {path} answered {status}: {answer}")
        return answer


def seed(relayd, index):
    """One of every FieldOps entity with payload `index` in every free-text field, in states that
    put each field on a page: a deployment mobilizing (board, ICS 211/214/218) and a cancelled one
    (closed table), a kit checked out (return form: serials as checkbox values), a kit returned
    incomplete then unserviceable (missing components), a station with a generator, a reading and
    a period, a refuel run aborted and a proposed one."""
    text = lambda field: payload(index, field)  # noqa: E731
    unit = relayd.call("POST", "/api/fieldops/units", {
        "callsign": text("callsign"), "home_base": text("base"),
        "members": [{"name": text("member"), "qualifications": [text("qualification")]}]})
    deployment = relayd.call("POST", "/api/fieldops/deployments", {
        "kind": "disaster", "incident_name": text("incident"), "location": text("location"), "lead_unit_id": unit["id"]})["deployment"]
    relayd.call("POST", f"/api/fieldops/deployments/{deployment['id']}/transitions", {"to": "mobilizing", "version": 1})
    relayd.call("POST", f"/api/fieldops/deployments/{deployment['id']}/check-ins", {"unit_id": unit["id"], "assignment": text("assignment")})
    relayd.call("POST", f"/api/fieldops/deployments/{deployment['id']}/activity", {"text": text("activity")})
    cancelled = relayd.call("POST", "/api/fieldops/deployments", {
        "kind": "investigation", "incident_name": text("cancelled-incident"), "location": text("cancelled-location"),
        "lead_unit_id": unit["id"]})["deployment"]
    relayd.call("POST", f"/api/fieldops/deployments/{cancelled['id']}/transitions", {"to": "cancelled", "version": 1, "reason": text("reason")})

    def kit(name):
        return relayd.call("POST", "/api/fieldops/kits", {"name": text(name), "kind": "satellite_terminal", "components": [
            {"serial": text(name + "-serial-a"), "description": text(name + "-description-a")},
            {"serial": text(name + "-serial-b"), "description": text(name + "-description-b")}]})["kit"]
    out = kit("kit-out")
    relayd.call("POST", f"/api/fieldops/kits/{out['id']}/checkout", {"deployment_id": deployment["id"], "version": 1})
    back = kit("kit-back")
    relayd.call("POST", f"/api/fieldops/kits/{back['id']}/checkout", {"deployment_id": deployment["id"], "version": 1})
    relayd.call("POST", f"/api/fieldops/kits/{back['id']}/return", {"present_serials": [text("kit-back-serial-a")], "version": 2})
    relayd.call("POST", f"/api/fieldops/kits/{back['id']}/transitions", {"to": "unserviceable", "version": 3, "notes": text("notes")})

    station = relayd.call("POST", "/api/fieldops/stations", {
        "name": text("station"), "latitude": 38.14, "longitude": 140.44, "elevation_m": 1736, "seasonal_notes": text("season"),
        "access_modes": [{"mode": "road", "lead_hours": 6, "note": text("road-note")}, {"mode": "helicopter", "lead_hours": 2}]})
    generator = relayd.call("POST", f"/api/fieldops/stations/{station['id']}/generators", {
        "name": text("generator"), "rated_kw": 7.5, "tank_litres": 100, "usable_fraction": 0.9, "reserve_litres": 10,
        "curve": [[25, 2], [50, 3], [75, 4], [100, 5]]})
    relayd.call("POST", f"/api/fieldops/generators/{generator['id']}/readings", {"litres": 60, "load_percent": 60, "source": "dip"})
    relayd.call("POST", f"/api/fieldops/generators/{generator['id']}/periods", {
        "kind": "outage", "started_at": "2026-01-01T00:00:00Z", "note": text("period")})
    run = relayd.call("POST", "/api/fieldops/refuel-runs", {"generator_id": generator["id"], "planned_litres": 40, "note": text("run")})
    relayd.call("POST", f"/api/fieldops/refuel-runs/{run['id']}/transitions", {"to": "scheduled", "version": 1})
    relayd.call("POST", f"/api/fieldops/refuel-runs/{run['id']}/transitions", {
        "to": "aborted", "version": 2, "reason": "weather", "note": text("abort")})
    relayd.call("POST", "/api/fieldops/refuel-runs", {"generator_id": generator["id"], "planned_litres": 30, "note": text("proposed-run")})
    return deployment["id"], cancelled["id"]


class ScriptInjectionTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temporary = tempfile.TemporaryDirectory(prefix="relayd-injection-")
        cls.relayd = Relayd(cls.temporary.name)
        cls.relayd.start()
        cls.deployments = [seed(cls.relayd, index) for index in range(len(PAYLOADS))]
        # The control room's live text: a caption on air (and so in the history, by the actor).
        cls.relayd.call("PUT", "/api/program/caption", {"text": payload(1, "caption"), "position": "bottom", "style": "label"})
        cls.relayd.call("PUT", "/api/program/caption", {"text": payload(0, "caption"), "position": "bottom", "style": "label"})
        cls.relayd.call("POST", "/api/control-room/preview", {"source": "cam-0"})
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1366,768"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        cls.relayd.stop()
        cls.temporary.cleanup()

    def render(self, path, shown, ready="return document.readyState === 'complete'"):
        """Loads `path`, waits until `ready`, fires the hooked events, and checks that no payload
        ran, none added an attribute or element, the browser logged no error, and every text in
        `shown` is on the page as text."""
        self.browser.get(self.relayd.url + path)
        deadline = time.monotonic() + WAIT
        while not self.browser.execute_script(ready):
            if time.monotonic() > deadline:
                self.fail(f"{path} did not get ready; browser log: {self.browser.get_log('browser')}")
            time.sleep(0.1)
        ran = self.browser.execute_script(FIRE)
        added = self.browser.execute_script(INSPECT, sorted(SCRIPT_SOURCES))
        log = self.browser.get_log("browser")
        self.assertFalse(ran, f"an injected script ran on {path}; added: {added}; browser log: {log}")
        self.assertEqual(added, [], f"payloads broke out into markup on {path}")
        # No error at all, and no report of the Content-Security-Policy blocking anything: with
        # the payloads kept as text there is nothing to block, and the pages' own code is allowed.
        errors = [entry for entry in log if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]]
        self.assertEqual(errors, [], f"the browser logged errors on {path}")
        text = self.browser.execute_script("return document.body.textContent")
        missing = [expected for expected in shown if expected not in text]
        self.assertEqual(missing, [], f"payloads not shown as text on {path}")

    def all_payloads(self, *fields):
        return [payload(index, field) for index in range(len(PAYLOADS)) for field in fields]

    # MARK: tests

    def test_fieldops_pages_show_every_payload_as_text(self):
        pages = {
            "/fieldops/deployments": ("incident", "location", "callsign", "cancelled-incident"),
            "/fieldops/kits": ("kit-out", "kit-out-serial-a", "kit-out-serial-b", "kit-back", "kit-back-serial-a", "kit-back-serial-b"),
            "/fieldops/stations": ("station", "season", "generator"),
            "/fieldops/refuel": ("station", "generator"),
        }
        for path, fields in pages.items():
            with self.subTest(page=path):
                self.render(path, self.all_payloads(*fields))

    def test_ics_printable_exports_show_every_payload_as_text(self):
        forms = {
            "211": ("callsign", "base", "member", "qualification", "assignment"),
            "214": ("activity",),
            "218": ("kit-out", "kit-out-serial-a", "kit-back-serial-b"),
        }
        for index, (deployment, cancelled) in enumerate(self.deployments):
            for form, fields in forms.items():
                with self.subTest(payload=index, form=form):
                    shown = [payload(index, field) for field in fields + ("incident", "location")]
                    if form == "214":
                        shown.append(ACTOR)
                    self.render(f"/api/fieldops/deployments/{deployment}/ics/{form}?format=html", shown)
            with self.subTest(payload=index, form="214 cancelled"):
                self.render(f"/api/fieldops/deployments/{cancelled}/ics/214?format=html",
                            [payload(index, "cancelled-incident"), payload(index, "reason")])

    def test_control_room_shows_every_payload_as_text(self):
        ready = ("return document.querySelectorAll('.tile').length === %d && document.querySelectorAll('.sink').length === %d && "
                 "document.querySelectorAll('#caption-history li').length >= 2" % (len(PAYLOADS), len(PAYLOADS)))
        shown = self.all_payloads("label", "sink", "preset") + [payload(0, "caption"), payload(1, "caption"), ACTOR]
        self.render("/", shown, ready=ready)

    def test_fieldops_buttons_and_forms_still_work_under_the_policy(self):
        unit = self.relayd.call("POST", "/api/fieldops/units", {"callsign": "CSP-1", "home_base": "Sendai"})
        deployment = self.relayd.call("POST", "/api/fieldops/deployments", {
            "kind": "disaster", "incident_name": "CSP drill", "location": "Sendai", "lead_unit_id": unit["id"]})["deployment"]
        kit = self.relayd.call("POST", "/api/fieldops/kits", {
            "name": "CSP-KIT", "kind": "video_uplink", "components": [{"serial": "CSP-SERIAL"}]})["kit"]

        def wait_for_state(path, key, state):
            deadline = time.monotonic() + WAIT
            while self.relayd.call("GET", path)[key]["state"] != state:
                if time.monotonic() > deadline:
                    self.fail(f"{path} never reached {state}; browser log: {self.browser.get_log('browser')}")
                time.sleep(0.1)

        # An action button (bound by fieldops.js with addEventListener). The pages record
        # nothing without the recorder's name, kept in the browser.
        self.browser.get(self.relayd.url + "/fieldops/deployments")
        self.browser.execute_script("localStorage.setItem('fieldops.actor', 'csp')")
        self.browser.get(self.relayd.url + "/fieldops/deployments")
        button = self.browser.execute_script("""
            return [...document.querySelectorAll("button.act")].find((b) =>
              b.dataset.url === arguments[0] && JSON.parse(b.dataset.body).to === "mobilizing");""",
            f"/api/fieldops/deployments/{deployment['id']}/transitions")
        self.assertIsNotNone(button, "the board shows the deployment's mobilize button")
        button.click()
        wait_for_state(f"/api/fieldops/deployments/{deployment['id']}", "deployment", "mobilizing")
        # A form (its submit handler sends the JSON the API takes).
        self.browser.get(self.relayd.url + "/fieldops/kits")
        form = self.browser.find_element(By.CSS_SELECTOR, f'form[data-url="/api/fieldops/kits/{kit["id"]}/checkout"]')
        form.find_element(By.CSS_SELECTOR, 'input[name="deployment_id"]').send_keys(str(deployment["id"]))
        form.find_element(By.CSS_SELECTOR, "button").click()
        wait_for_state(f"/api/fieldops/kits/{kit['id']}", "kit", "checked_out")
        blocked = [entry for entry in self.browser.get_log("browser")
                   if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]]
        self.assertEqual(blocked, [], "the pages' own scripts ran without errors or CSP reports")

    def test_headers_forbid_inline_script_framing_sniffing_and_referrers(self):
        paths = ["/", "/fieldops/kits", f"/api/fieldops/deployments/{self.deployments[0][0]}/ics/211?format=html",
                 "/static/control-room.js", "/static/control-room.css", "/static/fieldops.js", "/static/fieldops.css",
                 "/api/fieldops/kits", "/api/no-such-route", "/healthz"]
        for path in paths:
            with self.subTest(path=path):
                status, headers, _ = self.relayd.request("GET", path)
                self.assertIn(status, (200, 404))
                policy = {directive.split()[0]: directive.split()[1:]
                          for directive in (headers.get("Content-Security-Policy") or "").split(";") if directive.strip()}
                self.assertEqual(policy.get("script-src"), ["'self'"], f"script-src of {path}: {headers}")
                self.assertEqual(policy.get("object-src"), ["'none'"])
                self.assertEqual(policy.get("base-uri"), ["'none'"])
                self.assertEqual(policy.get("frame-ancestors"), ["'none'"])
                self.assertEqual(policy.get("form-action"), ["'self'"])
                for sources in policy.values():
                    self.assertNotIn("'unsafe-inline'", sources)
                    self.assertNotIn("'unsafe-eval'", sources)
                self.assertEqual(headers.get("X-Content-Type-Options"), "nosniff")
                self.assertEqual(headers.get("Referrer-Policy"), "no-referrer")
        status, headers, _ = self.relayd.request("GET", "/static/fieldops.js")
        self.assertEqual((status, headers.get("Content-Type")), (200, "text/javascript; charset=utf-8"))

    def test_pages_carry_no_inline_script_or_style(self):
        for path in ("/", "/fieldops/deployments", "/fieldops/kits", "/fieldops/stations", "/fieldops/refuel",
                     f"/api/fieldops/deployments/{self.deployments[0][0]}/ics/218?format=html"):
            with self.subTest(path=path):
                status, _, html = self.relayd.request("GET", path)
                self.assertEqual(status, 200)
                self.assertNotIn("<script>", html)
                self.assertNotIn("<style", html)


if __name__ == "__main__":
    unittest.main()
