"""Browser tests of the FieldOps pages: a unit coordinator does every task from the pages alone
(units, deployments, check-in and check-out, activity notes, kits, stations, generators,
readings, refuel runs), in Japanese and in English, at 1920x1080 and 1366x768, in Debian's
headless Chromium driven by Selenium against the real relayd. Any console error fails a test
(refusals a step provokes on purpose are the only network errors let through).

Run by scripts/test:  python3 -m unittest discover -s Tests/Browser -v
Set FIELDOPS_SCREENSHOTS=dir to save the deployments board and a station with a critical
generator (docs/ holds the committed ones).
"""

import csv
import io
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from relayd_server import RELAYD, WAIT, RelaydServer
SIZES = {"1920x1080": (1920, 1080), "1366x768": (1366, 768)}
COORDINATOR_PASSWORD = "haken-kanri-2026"


class Relayd(RelaydServer):
    """relayd serve with no sources and no program pipeline (FieldOps only), in a temporary
    directory; open on loopback, or with one coordinator account."""

    def __init__(self, directory, accounts=False):
        super().__init__(directory)
        text = "program:\n  pipeline: false\n"
        if accounts:
            hashed = subprocess.run([RELAYD, "hash-password"], input=COORDINATOR_PASSWORD, capture_output=True,
                                    text=True, check=True).stdout.strip().split(": ", 1)[-1]
            text += f"accounts:\n  - name: 山田\n    role: coordinator\n    password_hash: '{hashed}'\n"
        self.write_config_after_listeners(text)

    def get(self, path):
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            text = response.read().decode()
            return json.loads(text) if response.headers.get("Content-Type", "").startswith("application/json") else text

    def status(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def post(self, path, body, actor="api"):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Actor", urllib.parse.quote(actor))
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read().decode())


def chromium(size):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.set_window_size(*size)
    return browser


class Page:
    """One browser window on relayd's FieldOps pages, in one language."""

    def __init__(self, test, relayd, browser, language):
        self.test, self.relayd, self.browser, self.language = test, relayd, browser, language
        self.allowed_errors = []

    def words(self, japanese, english):
        return japanese if self.language == "ja" else english

    def open(self, path):
        self.browser.get(self.relayd.url + path)
        self.browser.execute_script("localStorage.setItem('relayd.language', arguments[0])", self.language)
        self.browser.get(self.relayd.url + path)
        self.wait(lambda: self.browser.execute_script("return document.documentElement.lang") == self.language,
                  f"{path} shows in {self.language}")

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.browser, WAIT, poll_frequency=0.1).until(lambda _: condition(), message=what)
        except Exception as error:
            raise AssertionError(f"{what}: {error}; browser log: {self.browser.get_log('browser')}") from None

    def find(self, selector, within=None):
        return (within or self.browser).find_element(By.CSS_SELECTOR, selector)

    def finds(self, selector, within=None):
        return (within or self.browser).find_elements(By.CSS_SELECTOR, selector)

    def set_actor(self, name):
        field = self.find("#actor")
        field.clear()
        if name:
            field.send_keys(name)
        self.browser.execute_script("arguments[0].dispatchEvent(new Event('change'))", field)

    def form(self, url, within=None):
        return self.find(f'form[data-url="{url}"]', within)

    def fill(self, form, values):
        for name, value in values.items():
            field = self.find(f'[name="{name}"]', form)
            if not field.is_displayed():
                self.browser.execute_script("arguments[0].closest('details').open = true", field)
            if field.tag_name == "select":
                Select(field).select_by_value(str(value))
            elif field.get_attribute("type") == "datetime-local":
                # What the picker leaves in the field: a wall time in the display zone.
                self.browser.execute_script("arguments[0].value = arguments[1]", field, value)
            else:
                field.clear()
                field.send_keys(value)

    def submit(self, form, values=None, confirm=None):
        """Fills and submits a form, accepting (True) or dismissing (False) a confirmation, and
        waits for the page's message."""
        self.open_details(form)
        self.fill(form, values or {})
        self.clear_messages()
        self.find('button[type="submit"]', form).click()
        return self.after_click(confirm)

    def click(self, button, confirm=None):
        self.clear_messages()
        button.click()
        return self.after_click(confirm)

    def after_click(self, confirm):
        if confirm is not None:
            WebDriverWait(self.browser, WAIT).until(expected_conditions.alert_is_present())
            alert = self.browser.switch_to.alert
            text = alert.text
            alert.accept() if confirm else alert.dismiss()
            if not confirm:
                return text
        self.wait(lambda: self.find("#status").text or self.find("#error").text, "the page answers the action")
        error = self.find("#error").text
        self.test.assertEqual(error, "", "the action succeeded")
        return self.find("#status").text

    def refused(self, form, values=None):
        """Submits a form the server refuses; answers the page's error text."""
        self.open_details(form)
        self.fill(form, values or {})
        self.clear_messages()
        self.find('button[type="submit"]', form).click()
        self.wait(lambda: self.find("#error").text, "the page shows the refusal")
        self.allowed_errors.append("the server responded with a status of 4")
        return self.find("#error").text

    def open_details(self, element):
        self.browser.execute_script("const d = arguments[0].closest('details'); if (d) d.open = true", element)

    def clear_messages(self):
        self.browser.execute_script("document.getElementById('status').textContent=''; document.getElementById('error').textContent=''")

    def action(self, url, target):
        """The action button moving a record to `target`."""
        return self.browser.execute_script(
            "return [...document.querySelectorAll('button.act')].find((b) => b.dataset.url === arguments[0] && JSON.parse(b.dataset.body).to === arguments[1])",
            url, target)

    def check_console(self):
        entries = [entry for entry in self.browser.get_log("browser") if entry["level"] == "SEVERE"]
        unexpected = [entry for entry in entries if not any(allowed in entry["message"] for allowed in self.allowed_errors)]
        self.test.assertEqual(unexpected, [], "no console errors")
        self.allowed_errors = []

    def fits_width(self):
        return self.browser.execute_script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


class FieldOpsPagesTests(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory(prefix="relayd-fieldops-")
        self.relayd = Relayd(self.temporary.name)
        self.relayd.start()
        self.browsers = []

    def tearDown(self):
        for browser in self.browsers:
            browser.quit()
        self.relayd.stop()
        self.temporary.cleanup()

    def page(self, size, language):
        browser = chromium(SIZES[size])
        self.browsers.append(browser)
        return Page(self, self.relayd, browser, language)

    def audit_actors(self, entity, record):
        return {entry["actor"] for entry in self.relayd.get(f"/api/fieldops/audit?entity={entity}&id={record}")["items"]}

    # MARK: every coordinator task

    def test_every_coordinator_task_in_japanese_at_1920x1080(self):
        self.every_task(self.page("1920x1080", "ja"), recorder="森")

    def test_every_coordinator_task_in_english_at_1366x768(self):
        self.every_task(self.page("1366x768", "en"), recorder="Tanaka Aoi")

    def every_task(self, p, recorder):
        w = p.words
        # Units: register with members and qualifications, then edit.
        p.open("/fieldops/units")
        p.set_actor("")
        form = p.form("/api/fieldops/units")
        p.open_details(form)
        p.fill(form, {"callsign": "NONAME-1", "home_base": "仙台"})
        p.clear_messages()
        p.find('button[type="submit"]', form).click()
        p.wait(lambda: p.find("#error").text, "an empty name is refused")
        self.assertIn(w("記録者の名前を入力", "Enter your name"), p.find("#error").text)
        self.assertEqual(self.relayd.get("/api/fieldops/units")["items"], [], "nothing was recorded without a name")
        p.set_actor(recorder)
        p.submit(form, {"callsign": "MIYAGI-TSU-1", "home_base": "仙台", "members": "佐藤 健: 衛星, 運転\nSuzuki Mai: drone"})
        unit = self.relayd.get("/api/fieldops/units")["items"][0]
        self.assertEqual([(m["name"], m["qualifications"]) for m in unit["members"]],
                         [("Suzuki Mai", ["drone"]), ("佐藤 健", ["衛星", "運転"])])
        self.assertEqual(self.audit_actors("unit", unit["id"]), {recorder}, "the name in any script is the recorder")
        p.wait(lambda: "MIYAGI-TSU-1" in p.find("main").text, "the new unit shows without a reload")
        p.submit(p.form(f"/api/fieldops/units/{unit['id']}"), {"members": "佐藤 健: 衛星, 運転, 無線\nSuzuki Mai: drone"})
        unit = self.relayd.get(f"/api/fieldops/units/{unit['id']}")
        self.assertEqual(unit["members"][1]["qualifications"], ["衛星", "運転", "無線"])
        p.check_console()

        # Deployments: log one from the board; its card carries its number; mobilize it.
        p.open("/fieldops/deployments")
        p.submit(p.form("/api/fieldops/deployments"), {
            "kind": "disaster", "incident_name": "気仙沼 水害", "location": "気仙沼港", "lead_unit_id": unit["id"], "video_sources": "heli-1"})
        deployment = self.relayd.get("/api/fieldops/deployments")["items"][0]
        number = deployment["id"]
        card = p.wait(lambda: p.finds(f"#deployment-{number}"), "the card appears")[0]
        self.assertIn(f"#{number}", card.text, "the card shows the deployment number the kit form asks for")
        self.assertIn(w("災害", "Disaster"), card.text)
        message = p.click(p.action(f"/api/fieldops/deployments/{number}/transitions", "mobilizing"))
        self.assertIn(w("記録しました", "Saved"), message, "the button says what it did")
        p.wait(lambda: w("出動準備", "Mobilizing") in p.find(f"#deployment-{number}").find_element(By.XPATH, "..").text,
               "the card moves to the mobilizing column")
        for link in p.finds(f"#deployment-{number} .exports a"):
            self.assertEqual(self.relayd.status(urllib.parse.urlparse(link.get_attribute("href")).path + "?" +
                                                urllib.parse.urlparse(link.get_attribute("href")).query), 200, link.text)
        self.assertTrue(p.fits_width(), "the board fits the window")
        p.check_console()

        # The deployment's page: check in and out (ICS-211), notes (ICS-214), edit, moves.
        p.open(f"/fieldops/deployments/{number}")
        p.submit(p.form(f"/api/fieldops/deployments/{number}/check-ins"), {"unit_id": unit["id"], "assignment": "衛星回線"})
        check_in = self.relayd.get(f"/api/fieldops/deployments/{number}")["check_ins"][0]
        p.wait(lambda: p.finds(f'form[data-url="/api/fieldops/deployments/{number}/check-ins/{check_in["id"]}/check-out"]'),
               "the check-in shows with its check-out form")
        p.submit(p.form(f"/api/fieldops/deployments/{number}/check-ins/{check_in['id']}/check-out"))
        ics211 = list(csv.reader(io.StringIO(self.relayd.get(f"/api/fieldops/deployments/{number}/ics/211?format=csv"))))
        self.assertTrue(ics211[1][-1], f"ICS-211's check-out column is filled: {ics211}")
        p.submit(p.form(f"/api/fieldops/deployments/{number}/activity"), {"text": "衛星回線 確立"})
        p.wait(lambda: "衛星回線 確立" in p.find("main").text, "the note shows in the log")
        p.submit(p.form(f"/api/fieldops/deployments/{number}"), {"location": "気仙沼港 第2岸壁"})
        self.assertEqual(self.relayd.get(f"/api/fieldops/deployments/{number}")["deployment"]["location"], "気仙沼港 第2岸壁")
        p.wait(lambda: p.action(f"/api/fieldops/deployments/{number}/transitions", "active"), "the activate button")
        p.click(p.action(f"/api/fieldops/deployments/{number}/transitions", "active"))
        p.check_console()

        # Kits: register with component descriptions, edit, reserve, check out, deploy, return
        # with a component missing (confirmed), inspection failed, service, available.
        p.open("/fieldops/kits")
        p.submit(p.form("/api/fieldops/kits"), {"name": "SAT-01", "kind": "satellite_terminal", "components": "TERM-100: 端末\nANT-778: アンテナ"})
        kit = self.relayd.get("/api/fieldops/kits")["items"][0]
        kid = kit["id"]
        p.wait(lambda: p.finds(f'form[data-url="/api/fieldops/kits/{kid}"]'), "the kit shows")
        p.submit(p.form(f"/api/fieldops/kits/{kid}"), {"components": "TERM-100: 衛星端末\nANT-778: アンテナ\nBAT-1: 電池"})
        self.assertEqual([c["description"] for c in self.relayd.get(f"/api/fieldops/kits/{kid}")["components"]], ["アンテナ", "電池", "衛星端末"])
        refusal = p.refused(p.form(f"/api/fieldops/kits/{kid}/checkout"), {"deployment_id": "999"})
        self.assertIn(w("展開番号", "Deployment #"), refusal, "the refusal names the field in the page's language")
        p.check_console()
        p.submit(p.form(f"/api/fieldops/kits/{kid}/checkout"), {"deployment_id": str(number)})
        p.wait(lambda: p.action(f"/api/fieldops/kits/{kid}/transitions", "deployed"), "the deploy button")
        p.click(p.action(f"/api/fieldops/kits/{kid}/transitions", "deployed"))
        form = p.form(f"/api/fieldops/kits/{kid}/return")
        p.open_details(form)
        boxes = p.finds('input[name="present_serials[]"]', form)
        self.assertFalse(any(box.is_selected() for box in boxes), "the return starts with nothing ticked")
        p.find('input[value="TERM-100"]', form).click()
        p.find('input[value="BAT-1"]', form).click()
        asked = p.submit(form, confirm=False)
        self.assertIn("ANT-778", asked, "the return names the missing component before recording it")
        self.assertEqual(self.relayd.get(f"/api/fieldops/kits/{kid}")["kit"]["state"], "deployed", "nothing recorded when dismissed")
        p.submit(form, confirm=True)
        returned = self.relayd.get(f"/api/fieldops/kits/{kid}")["kit"]
        self.assertEqual((returned["state"], returned["missing_components"]), ("returned", ["ANT-778"]))
        p.wait(lambda: not p.action(f"/api/fieldops/kits/{kid}/transitions", "deployed"), "the page follows")
        self.assertIsNone(p.action(f"/api/fieldops/kits/{kid}/transitions", "available"), "available is not offered where it would be refused")
        log = self.relayd.get(f"/api/fieldops/deployments/{number}/ics/214?format=csv")
        self.assertIn("Kit SAT-01 deployed", log, "the kit's move to deployed is in ICS-214")
        p.submit(p.form(f"/api/fieldops/kits/{kid}/transitions", p.find(f'details[data-key="unserviceable-{kid}"]')), {"notes": "アンテナ欠品"})
        p.wait(lambda: p.finds(f'details[data-key="in_service-{kid}"]'), "start service is offered")
        p.submit(p.form(f"/api/fieldops/kits/{kid}/transitions", p.find(f'details[data-key="in_service-{kid}"]')), {"notes": "アンテナ交換"})
        p.wait(lambda: p.action(f"/api/fieldops/kits/{kid}/transitions", "available"), "make available is offered")
        p.click(p.action(f"/api/fieldops/kits/{kid}/transitions", "available"))
        p.wait(lambda: p.finds(f'details[data-key="lost-{kid}"]'), "record as lost is offered")
        p.submit(p.form(f"/api/fieldops/kits/{kid}/transitions", p.find(f'details[data-key="lost-{kid}"]')), {"reason": "輸送中に紛失"})
        self.assertEqual(self.relayd.get(f"/api/fieldops/kits/{kid}")["kit"]["state"], "lost")
        p.check_console()

        # Stations: register with access modes, close and reopen a road, change a lead time,
        # edit, add a generator with its burn curve, edit it, log a reading with its time.
        p.open("/fieldops/stations")
        form = p.form("/api/fieldops/stations")
        p.open_details(form)
        p.fill(form, {"name": "蔵王中継所", "latitude": "38.14", "longitude": "140.44", "elevation_m": "1736", "seasonal_notes": "12–4月 道路閉鎖"})
        p.find('[data-item]:nth-of-type(1) input[data-key="lead_hours"]', form).send_keys("6")
        p.find('[data-item]:nth-of-type(3) input[data-key="lead_hours"]', form).send_keys("2")
        p.submit(form)
        station = self.relayd.get("/api/fieldops/stations")["items"][0]
        sid = station["id"]
        self.assertEqual(sorted((m["mode"], m["lead_hours"], m["available"]) for m in station["access_modes"]),
                         [("helicopter", 2, True), ("road", 6, True)])
        road = f"/api/fieldops/stations/{sid}/access-modes/road"
        p.wait(lambda: p.finds(f'button.act[data-url="{road}"]'), "the road's close button")
        p.click(p.find(f'button.act[data-url="{road}"]'))
        p.wait(lambda: p.find(f'tr[data-key="mode-{sid}-road"] td:nth-child(3)').text == w("閉鎖", "Closed"), "the road shows closed")
        p.click(p.find(f'button.act[data-url="{road}"]'))
        p.wait(lambda: p.find(f'tr[data-key="mode-{sid}-road"] td:nth-child(3)').text == w("使用可", "Open"), "the road shows open")
        p.submit(p.form(road), {"lead_hours": "8"})
        p.submit(p.form(f"/api/fieldops/stations/{sid}"), {"seasonal_notes": "12–4月 道路閉鎖、ヘリのみ"})
        p.submit(p.form(f"/api/fieldops/stations/{sid}/generators"), {
            "name": "G1", "rated_kw": "5", "tank_litres": "100", "usable_fraction": "0.9", "reserve_litres": "10",
            "curve": "25: 2\n50: 3\n75: 4\n100: 5"})
        station = self.relayd.get(f"/api/fieldops/stations/{sid}")
        self.assertEqual(station["seasonal_notes"], "12–4月 道路閉鎖、ヘリのみ")
        self.assertEqual({m["mode"]: m["lead_hours"] for m in station["access_modes"]}["road"], 8)
        generator = station["generators"][0]
        gid = generator["id"]
        self.assertEqual(generator["curve"], [[25, 2], [50, 3], [75, 4], [100, 5]])
        p.wait(lambda: p.finds(f'form[data-url="/api/fieldops/generators/{gid}"]'), "the generator shows")
        p.submit(p.form(f"/api/fieldops/generators/{gid}"), {"rated_kw": "5.5"})
        self.assertEqual(self.relayd.get(f"/api/fieldops/generators/{gid}")["rated_kw"], 5.5)
        # A dip taken an hour ago, typed as the wall time in Tokyo.
        taken = time.time() - 3600
        local = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(taken + 9 * 3600))
        p.submit(p.form(f"/api/fieldops/generators/{gid}/readings"), {"litres": "20", "load_percent": "60", "at": local})
        reading = self.relayd.get(f"/api/fieldops/generators/{gid}/readings")["items"][0]
        self.assertEqual(reading["at"], time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(taken)), "the reading has the time typed, in JST")
        p.wait(lambda: "band-critical" in p.find(f'tr[data-key="generator-{gid}"] meter').get_attribute("class"), "the gauge shows the band")
        gauge = p.browser.execute_script(
            "return getComputedStyle(arguments[0], '::-webkit-meter-optimum-value').backgroundColor",
            p.find(f'tr[data-key="generator-{gid}"] meter'))
        self.assertEqual(gauge, "rgb(176, 0, 32)", "the gauge's colour follows the band (critical)")
        row = p.find(f'tr[data-key="generator-{gid}"]').text
        self.assertIn(w("期限超過", "Overdue"), row, "a past order-by says overdue")
        self.assertIn(w("危険", "Critical"), row)
        self.assertIn(w("データ不足", "not enough data"), row, "one reading gives no observed burn rate")
        self.assertIn("JST", row, "times are in the display zone")
        if os.environ.get("FIELDOPS_SCREENSHOTS") and p.language == "ja":
            p.browser.save_screenshot(os.path.join(os.environ["FIELDOPS_SCREENSHOTS"], "fieldops-station-critical.png"))
        p.check_console()

        # Refuel runs: propose; a second proposal warns first; cancel it; schedule with mode and
        # departure; depart; abort with a listed reason and a note; propose again; deliver.
        p.open("/fieldops/refuel")
        propose = p.form("/api/fieldops/refuel-runs")
        p.submit(propose, {"planned_litres": "80"})
        p.wait(lambda: p.form("/api/fieldops/refuel-runs").get_attribute("data-confirm-ja"), "the form knows a run is open")
        warning = p.submit(p.form("/api/fieldops/refuel-runs"), confirm=False)
        self.assertIn(w("未完了の給油便", "already has an open refuel run"), warning)
        self.assertEqual(len(self.relayd.get("/api/fieldops/refuel-runs")["items"]), 1, "dismissing the warning proposes nothing")
        p.submit(p.form("/api/fieldops/refuel-runs"), confirm=True)
        runs = self.relayd.get("/api/fieldops/refuel-runs")["items"]
        second, first = runs[0]["id"], runs[1]["id"]
        url = lambda run: f"/api/fieldops/refuel-runs/{run}/transitions"
        p.wait(lambda: p.finds(f'details[data-key="cancel-{second}"]'), "the second run can be cancelled")
        p.submit(p.form(url(second), p.find(f'details[data-key="cancel-{second}"]')), {"note": "二重提案"})
        self.assertEqual(self.relayd.get(f"/api/fieldops/refuel-runs/{second}")["state"], "cancelled")
        departs = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() + 9 * 3600 + 1800))
        p.submit(p.form(url(first), p.find(f'details[data-key="schedule-{first}"]')), {"access_mode": "helicopter", "departs_at": departs})
        run = self.relayd.get(f"/api/fieldops/refuel-runs/{first}")
        self.assertEqual((run["state"], run["access_mode"]), ("scheduled", "helicopter"))
        p.wait(lambda: w("到着予定", "ETA") in p.find(f'tr[data-key="run-{first}"]').text, "departure and ETA show")
        p.click(p.action(url(first), "en_route"))
        p.wait(lambda: p.finds(f'details[data-key="abort-{first}"]'), "abort is offered")
        abort = p.form(url(first), p.find(f'details[data-key="abort-{first}"]'))
        self.assertEqual([o.get_attribute("value") for o in Select(p.find('select[name="reason"]', abort)).options], ["weather", "access", "aircraft"])
        p.submit(abort, {"reason": "weather", "note": "山頂付近 視界不良"})
        run = self.relayd.get(f"/api/fieldops/refuel-runs/{first}")
        self.assertEqual((run["state"], run["abort_reason"], run["note"]), ("aborted", "weather", "山頂付近 視界不良"))
        p.wait(lambda: w("天候", "Weather") in p.find(f'tr[data-key="run-{first}"]').text, "the reason shows translated")
        p.click(p.action(url(first), "proposed"))
        p.wait(lambda: p.finds(f'details[data-key="schedule-{first}"]'), "schedule again")
        p.submit(p.form(url(first), p.find(f'details[data-key="schedule-{first}"]')), {"access_mode": "road"})
        p.wait(lambda: p.action(url(first), "en_route"), "departed is offered")
        p.click(p.action(url(first), "en_route"))
        p.wait(lambda: p.finds(f'details[data-key="deliver-{first}"]'), "delivered is offered")
        p.submit(p.form(url(first), p.find(f'details[data-key="deliver-{first}"]')), {"delivered_litres": "75"})
        p.wait(lambda: "75.0 L" in p.find(f'tr[data-key="run-{first}"]').text, "the delivered litres show")
        self.assertTrue(p.fits_width(), "the refuel page fits the window")
        p.check_console()

        # Cancelling a deployment needs a reason, asked for in a field.
        other = self.relayd.post("/api/fieldops/deployments", {"kind": "investigation", "incident_name": "訓練", "location": "仙台", "lead_unit_id": unit["id"]})
        oid = other["deployment"]["id"]
        p.open("/fieldops/deployments")
        p.submit(p.form(f"/api/fieldops/deployments/{oid}/transitions", p.find(f'details[data-key="move-{oid}-cancelled"]')), {"reason": "訓練中止"})
        self.assertEqual(self.relayd.get(f"/api/fieldops/deployments/{oid}")["deployment"]["state"], "cancelled")
        if os.environ.get("FIELDOPS_SCREENSHOTS") and p.language == "ja":
            p.browser.save_screenshot(os.path.join(os.environ["FIELDOPS_SCREENSHOTS"], "fieldops-board.png"))
        p.check_console()

    # MARK: layout

    def test_every_page_fits_both_sizes_in_both_languages(self):
        unit = self.relayd.post("/api/fieldops/units", {"callsign": "MIYAGI-TSU-1", "home_base": "Sendai"})
        for index in range(6):
            self.relayd.post("/api/fieldops/deployments", {
                "kind": "security_event", "incident_name": f"Long incident name number {index} " + "x" * 60,
                "location": "Sendai International Center", "lead_unit_id": unit["id"]})
        station = self.relayd.post("/api/fieldops/stations", {"name": "Zao relay", "latitude": 38.1, "longitude": 140.4, "elevation_m": 1736,
                                                               "access_modes": [{"mode": "helicopter", "lead_hours": 2}]})
        self.relayd.post(f"/api/fieldops/stations/{station['id']}/generators", {
            "rated_kw": 5, "tank_litres": 100, "usable_fraction": 0.9, "reserve_litres": 10, "curve": [[50, 3]]})
        for size in SIZES:
            for language in ("ja", "en"):
                p = self.page(size, language)
                for path in ("/fieldops/deployments", "/fieldops/units", "/fieldops/kits", "/fieldops/stations", "/fieldops/refuel"):
                    p.open(path)
                    self.assertTrue(p.fits_width(), f"{path} fits {size} in {language} without sideways scrolling")
                    hidden = "en" if language == "ja" else "ja"
                    shown = [e.text for e in p.finds(f"main .{hidden}") if e.is_displayed()]
                    self.assertEqual(shown, [], f"{path} shows only {language}")
                p.check_console()
                p.browser.quit()
                self.browsers.remove(p.browser)

    # MARK: live refresh

    def test_a_reading_logged_elsewhere_moves_the_band_on_every_open_page(self):
        station = self.relayd.post("/api/fieldops/stations", {"name": "Zao relay", "latitude": 38.1, "longitude": 140.4, "elevation_m": 1736,
                                                               "access_modes": [{"mode": "helicopter", "lead_hours": 2}]})
        generator = self.relayd.post(f"/api/fieldops/stations/{station['id']}/generators", {
            "rated_kw": 5, "tank_litres": 1000, "usable_fraction": 0.9, "reserve_litres": 10, "curve": [[50, 3]]})
        gid = generator["id"]
        self.relayd.post(f"/api/fieldops/generators/{gid}/readings", {"litres": 900, "load_percent": 50, "source": "dip"})
        writer = self.page("1366x768", "ja")
        watchers = [self.page("1920x1080", "en"), self.page("1366x768", "ja")]
        writer.open("/fieldops/stations")
        watchers[0].open("/fieldops/stations")
        watchers[1].open("/fieldops/refuel")
        for watcher in watchers:
            self.assertEqual(len(watcher.finds("span.band-ok")), 2 if watcher is watchers[0] else 1, "OK before the reading")
        # Another coordinator keeps a form half-filled on a watching page: it survives refreshes.
        note = watchers[1].find('form[data-url="/api/fieldops/refuel-runs"] input[name="note"]')
        note.send_keys("下書き")
        writer.set_actor("森")
        started = time.monotonic()
        writer.submit(writer.form(f"/api/fieldops/generators/{gid}/readings"), {"litres": "30", "load_percent": "50"})
        for watcher in watchers:
            watcher.wait(lambda: watcher.finds("span.band-critical"), "the band moves on the other page")
        elapsed = time.monotonic() - started
        print(f"\nband moved on both other pages {elapsed:.2f} s after the reading was sent")
        self.assertEqual(note.get_attribute("value"), "下書き", "a half-typed field keeps its text and identity")
        for page in [writer] + watchers:
            page.check_console()

    # MARK: accounts

    def test_with_accounts_the_logged_in_account_records(self):
        self.relayd.stop()
        self.temporary.cleanup()
        self.temporary = tempfile.TemporaryDirectory(prefix="relayd-fieldops-")
        self.relayd = Relayd(self.temporary.name, accounts=True)
        self.relayd.start()
        p = self.page("1366x768", "ja")
        p.browser.get(self.relayd.url + "/")
        p.wait(lambda: p.find("#login").is_displayed(), "the login form")
        p.find("#login-name").send_keys("山田")
        p.find("#login-password").send_keys(COORDINATOR_PASSWORD)
        p.find("#login-submit").click()
        p.wait(lambda: not p.find("#login").is_displayed(), "logged in")
        p.allowed_errors.append("/api/session - Failed to load resource: the server responded with a status of 401")
        p.check_console()
        p.open("/fieldops/units")
        p.wait(lambda: p.find("#account").is_displayed(), "the account replaces the name field")
        self.assertFalse(p.find("#actor-field").is_displayed())
        self.assertIn("山田", p.find("#account").text)
        p.submit(p.form("/api/fieldops/units"), {"callsign": "TSU-9", "home_base": "仙台"})
        p.wait(lambda: "TSU-9" in p.find("main").text, "the unit shows")
        p.check_console()
        # The audit names the account (read through the browser's session).
        actors = p.browser.execute_script(
            "const r = await fetch('/api/fieldops/units'); const u = (await r.json()).items[0];"
            "const a = await fetch('/api/fieldops/audit?entity=unit&id=' + u.id); return (await a.json()).items.map((e) => e.actor);")
        self.assertEqual(actors, ["山田"])


if __name__ == "__main__":
    unittest.main()
