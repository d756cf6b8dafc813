"""Browser tests of the control room as operators use it under pressure: every click counts,
keyboard work, confirmations before cutting anyone off, errors in the page's language, times in
the display time zone, the laptop layout, and FieldOps alerts in the header.

The real relayd (`relayd demo`: simulated field units push the sample clips over SRT), real
srt-live-transmit receivers as the HQ sinks (restarted whenever a kick ends them), a real ffmpeg
publisher for a spare source that is kicked, and Debian's headless Chromium through
chromedriver. Effects are counted on the server (the audit trail), not in the page. Each test
fails on any error in the browser console (the refusals a test provokes on purpose are the only
network errors it accepts, each by its exact URL and status).

Run: python3 -m unittest discover -s Tests/Browser -v   (after swift build)
"""

import datetime
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_control_room import ACCOUNTS, ROOT, WAIT, Relayd  # noqa: E402

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

USERS = dict(ACCOUNTS, kanri=("admin", "kanri-admin-2026"))
# The source this test publishes itself (the demo has no clip for it), so it can be kicked at
# will: a new publisher calls in as soon as the previous one is gone.
SPARE = "spare-1"
CLICKS = 20
PACE = 0.15  # seconds between clicks: a quick human
RECEIVER_SILENCE = 3.0  # seconds without data after which a receiver is taken to hang
SIZES = ((1920, 1080), (1366, 768))
ZONE = zoneinfo.ZoneInfo("Asia/Tokyo")


class Respawned:
    """A child process started again whenever it ends (a receiver or publisher that is kicked).

    A receiver (`receives=True`) is also started again when nothing has arrived on its stdout
    for RECEIVER_SILENCE seconds: srt-live-transmit 1.5 can hang after a refused call instead of
    ending (Haivision/srt#2776), and a real HQ's watchdog would restart it the same way. The
    program always flows (the slate when nothing else), so a connected receiver is never silent
    that long."""

    def __init__(self, command, receives=False):
        self.command = command
        self.receives = receives
        self.process = None
        self.last_data = time.monotonic()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _drain(self, stream):
        while chunk := stream.read1(65536):
            self.last_data = time.monotonic()

    def _silent(self):
        return self.receives and time.monotonic() - self.last_data > RECEIVER_SILENCE

    def _run(self):
        while not self.stopping.is_set():
            self.last_data = time.monotonic()
            self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE if self.receives else subprocess.DEVNULL)
            if self.receives:
                threading.Thread(target=self._drain, args=(self.process.stdout,), daemon=True).start()
            while self.process.poll() is None and not self.stopping.is_set():
                if self._silent():
                    self.process.kill()
                time.sleep(0.05)
            self.process.wait()
            if self.process.stdout:
                self.process.stdout.close()
            # A caller refused while its source or sink is held would otherwise be restarted
            # in a tight loop.
            self.stopping.wait(0.2)

    def stop(self):
        self.stopping.set()
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.thread.join(timeout=5)


class Client:
    """The JSON API as one account, with its own session cookie and CSRF token."""

    def __init__(self, url, name):
        self.url = url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None
        session = self.call("POST", "/api/session", {"name": name, "password": USERS[name][1]})
        self.csrf = session["csrf_token"]
        self.cookie = next(cookie for cookie in self.jar if cookie.name == "relayd_session")

    def call(self, method, path, body=None, expect=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if self.csrf:
            request.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(request, timeout=WAIT) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            if expect == error.code:
                return json.loads(error.read().decode() or "null")
            raise AssertionError(f"{method} {path}: {error.code} {error.read().decode()}")
        return json.loads(text) if text else None

    def audit_count(self, action, where=lambda entry: True):
        page = self.call("GET", "/api/audit?limit=1000&action=" + urllib.parse.quote(action))
        return sum(1 for entry in page["entries"] if entry["action"] == action and where(entry))


def record(answer, name):
    """The record in a FieldOps answer, whether it comes alone or with its details beside it."""
    return answer if "id" in answer else answer[name]


class ControlRoomUsabilityTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temporary = tempfile.TemporaryDirectory(prefix="relayd-usability-")
        cls.relayd = Relayd(cls.temporary.name, accounts=USERS)
        with open(cls.relayd.config, encoding="utf-8") as config:
            text = config.read()
        with open(cls.relayd.config, "w", encoding="utf-8") as config:
            config.write(text.replace("program:\n", f"  - id: {SPARE}\n    kind: mobile\n    label: 予備カメラ\nprogram:\n", 1))
        cls.relayd.start()
        srt = f"srt://127.0.0.1:{cls.relayd.srt_port}"
        # Without its own reconnecting (which stops calling after a run of refusals while a sink is
        # held), so a kicked or refused receiver ends and is started again.
        cls.children = [Respawned(["srt-live-transmit", "-q", "-a:no", f"{srt}?streamid=#!::r=program,m=request,u={user}", "file://con"], receives=True)
                        for user in ("hq", "npa", "kantei")]
        cls.children.append(Respawned([
            "ffmpeg", "-hide_banner", "-loglevel", "quiet", "-re", "-stream_loop", "-1", "-i", os.path.join(ROOT, "Media", "mobile-1.ts"),
            "-c", "copy", "-f", "mpegts", f"{srt}?streamid=#!::r={SPARE},m=publish"]))
        cls.admin = Client(cls.relayd.url, "kanri")
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1920,1080",
                         "--lang=ja", "--font-render-hinting=none"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        for child in cls.children:
            child.stop()
        cls.relayd.stop()
        cls.temporary.cleanup()

    def setUp(self):
        self.expected_refusals = []
        self.browser.get_log("browser")  # start each test with an empty console

    def tearDown(self):
        errors = [entry for entry in self.browser.get_log("browser") if entry["level"] == "SEVERE"
                  and not any(refusal in entry["message"] for refusal in self.expected_refusals)]
        self.browser.set_window_size(1920, 1080)
        self.assertEqual([entry["message"] for entry in errors], [], "the browser console shows no error")

    # MARK: helpers

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.browser, WAIT, poll_frequency=0.1).until(lambda _: condition(), message=what)
        except Exception as error:
            self.browser.save_screenshot(os.path.join(tempfile.gettempdir(), "control-room-failure.png"))
            raise AssertionError(f"{what}: {error}; browser log: {self.browser.get_log('browser')}")

    def find(self, selector):
        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def finds(self, selector):
        return self.browser.find_elements(By.CSS_SELECTOR, selector)

    def js(self, script, *arguments):
        return self.browser.execute_script(script, *arguments)

    def open_page(self, name, language="ja", size=(1920, 1080)):
        """The control room as `name`, logged in with a session made through the API (so the page
        never meets a 401), in `language`, at `size`."""
        client = Client(self.relayd.url, name)
        self.browser.set_window_size(*size)
        # A cookie can only be set on relayd's origin: a style sheet is loaded first (the browser
        # asks it for /favicon.ico, which relayd does not serve; the control room names none).
        self.expected_refusals.append("/favicon.ico - Failed to load resource")
        self.browser.get(self.relayd.url + "/static/control-room.css")
        self.browser.delete_all_cookies()
        self.browser.add_cookie({"name": "relayd_session", "value": client.cookie.value, "path": "/"})
        self.js("localStorage.setItem('relayd.language', arguments[0])", language)
        self.browser.get(self.relayd.url + "/")
        self.wait(lambda: len(self.finds(".tile")) == 4, "four source tiles")
        self.wait(lambda: self.find("#connection").get_attribute("class") == "connection", "the page is live")
        self.assertEqual(self.js("return document.documentElement.lang"), language)
        return client

    def classes(self, selector):
        return (self.find(selector).get_attribute("class") or "").split()

    def on_air(self):
        return self.admin.call("GET", "/api/program")["on_air"]

    def source(self, source_id):
        return self.admin.call("GET", "/api/sources/" + source_id)

    def sink(self, sink_id):
        return next(sink for sink in self.admin.call("GET", "/api/sinks") if sink["id"] == sink_id)

    def wait_live(self, *sources):
        for source in sources:
            self.wait(lambda: self.source(source)["state"] == "live", f"{source} is live")

    def click(self, selector):
        """One click where the pointer is, as a person would: the element under it at that moment."""
        element = self.find(selector)
        ActionChains(self.browser).move_to_element(element).click().perform()

    def confirm(self, expected_words):
        self.wait(lambda: self.find("#confirm").is_displayed(), "the confirmation appears")
        text = self.find("#confirm-text").text
        for word in expected_words:
            self.assertIn(word, text, "the confirmation names what will be cut off")
        self.click("#confirm-ok")
        self.wait(lambda: not self.find("#confirm").is_displayed(), "the confirmation closes")

    def count_updates(self):
        """Starts counting the page's DOM changes from server updates (the sources' and sinks'
        figures move several times a second)."""
        self.js("""window.__updates = 0;
            new MutationObserver(() => { window.__updates += 1; })
              .observe(document.querySelector("main"), { subtree: true, childList: true, characterData: true });""")

    # MARK: 1. every click takes effect

    def test_1_every_click_takes_effect(self):
        self.wait_live("heli-1", "drone-1", "mobile-1", SPARE)
        self.open_page("kanri", "ja", (1920, 1080))
        admin = self.admin

        # Preview: tiles, 20 clicks at 150 ms.
        before = admin.audit_count("control_room.preview")
        tiles = ["heli-1", "drone-1", "mobile-1"]
        for index in range(CLICKS):
            self.click(f'.tile[data-source="{tiles[index % 3]}"]')
            time.sleep(PACE)
        self.wait(lambda: admin.audit_count("control_room.preview") - before == CLICKS, "20 preview clicks made 20 previews")

        # Take: 20 cuts, each a tile then Take, at 150 ms; a Take waits only for its button.
        before = admin.audit_count("program.cut", lambda entry: entry["details"]["result"] == "took effect")
        for index in range(CLICKS):
            target = next(source for source in ("heli-1", "drone-1") if source != self.on_air())
            self.click(f'.tile[data-source="{target}"]')
            time.sleep(PACE)
            self.wait(lambda: self.find("#take-button").is_enabled(), "Take is enabled for a live preview")
            self.click("#take-button")
            time.sleep(PACE)
            self.wait(lambda: self.on_air() == target, f"cut {index + 1} to {target} took effect")
        self.assertEqual(admin.audit_count("program.cut", lambda entry: entry["details"]["result"] == "took effect") - before, CLICKS)

        # Captions: on air, preset, clear, 20 clicks each.
        self.find("#caption-text").send_keys("現場から中継")
        for selector, actions in (("#caption-on", ("program.caption.on", "program.caption.edit")),
                                  ('.preset[data-preset="速報"]', ("program.caption.preset",)),
                                  ("#caption-clear", ("program.caption.off",))):
            before = sum(admin.audit_count(action) for action in actions)
            for _ in range(CLICKS):
                self.click(selector)
                time.sleep(PACE)
            self.wait(lambda: sum(admin.audit_count(action) for action in actions) - before == CLICKS, f"20 clicks on {selector} made 20 changes")

        # Hold and release a sink and a source: a hold asks first, a release does not.
        for selector, kind, name, words in (('.sink[data-sink="kantei"] .hold', "sink", "kantei", ["首相官邸", "kantei"]),
                                            (f'[data-source-admin="{SPARE}"] .hold', "source", SPARE, ["予備カメラ", SPARE])):
            actions = (f"relay.{kind}_held", f"relay.{kind}_enabled")
            before = sum(admin.audit_count(action) for action in actions)
            for index in range(CLICKS):
                self.click(selector)
                if index % 2 == 0:
                    self.confirm(words)
                time.sleep(PACE)
            self.wait(lambda: sum(admin.audit_count(action) for action in actions) - before == CLICKS, f"20 clicks on {kind} {name}'s hold made 20 changes")
            self.wait(lambda: (self.sink(name) if kind == "sink" else self.source(name))["enabled"], f"{name} is released at the end")

        # Kick a reader (an HQ's connection) and a publisher, 20 times each; each time a new one
        # calls in and the page shows its button.
        for selector, action, words in (('.sink[data-sink="npa"] .kick', "relay.kick_reader", ["警察庁", "npa", "127.0.0.1"]),
                                        (f'[data-source-admin="{SPARE}"] .kick', "relay.kick_publisher", ["予備カメラ", SPARE, "127.0.0.1"])):
            before = admin.audit_count(action)
            for index in range(CLICKS):
                self.wait(lambda: any(button.is_displayed() for button in self.finds(selector)), f"a connection to kick ({index + 1})")
                self.click(selector)
                self.confirm(words)
                time.sleep(PACE)
            self.wait(lambda: admin.audit_count(action) - before == CLICKS, f"20 kicks by {selector} cut 20 connections")

        # The language switch, 20 times: ends where it started.
        self.js("""window.__languageChanges = 0;
            new MutationObserver(() => { window.__languageChanges += 1; })
              .observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });""")
        for _ in range(CLICKS):
            self.click("#lang-toggle")
            time.sleep(PACE)
        self.assertEqual(self.js("return window.__languageChanges"), CLICKS)
        self.assertEqual(self.js("return document.documentElement.lang"), "ja")

    def test_2_focus_stays_on_a_button_across_updates(self):
        self.wait_live("heli-1", "drone-1", SPARE)
        for language, size in (("en", (1366, 768)), ("ja", (1920, 1080))):
            self.open_page("kanri", language, size)
            preview = "drone-1" if self.on_air() != "drone-1" else "heli-1"
            self.click(f'.tile[data-source="{preview}"]')
            self.wait(lambda: self.find("#take-button").is_enabled(), "Take is enabled")
            self.wait(lambda: self.finds('.sink[data-sink="hq"] .kick'), "hq's connection has a kick button")
            for selector in ("#take-button", "#caption-on", '.preset[data-preset="速報"]', '.tile[data-source="heli-1"]',
                             '.sink[data-sink="hq"] .kick', '.sink[data-sink="hq"] .hold',
                             f'[data-source-admin="{SPARE}"] .hold', f'[data-source-admin="{SPARE}"] .kick'):
                self.js("const node = document.querySelector(arguments[0]); node.__focused = true; node.focus();", selector)
                self.assertTrue(self.js("return document.activeElement.__focused === true"), f"{selector} has focus")
                self.count_updates()
                time.sleep(2.5)
                self.assertGreaterEqual(self.js("return window.__updates"), 5, "the page was updated meanwhile")
                self.assertTrue(self.js("return document.activeElement.__focused === true"),
                                f"{selector} keeps focus across updates ({language}, {size})")

    # MARK: 2. destructive actions

    def test_3_destructive_actions_ask_first_and_come_after_the_operating_controls(self):
        self.wait_live(SPARE)
        for language, size, cancel, words in (("ja", (1920, 1080), "キャンセル", ["警察本部", "hq"]),
                                              ("en", (1366, 768), "Cancel", ["警察本部", "hq"])):
            self.open_page("kanri", language, size)
            preview = "drone-1" if self.on_air() != "drone-1" else "heli-1"
            self.click(f'.tile[data-source="{preview}"]')
            self.wait(lambda: self.find("#take-button").is_enabled(), "Take is enabled (a disabled button is no Tab stop)")
            # Tab order: every operating control before the first action that cuts anyone off.
            self.click("header h1")  # Tab starts from the top of the page
            stops = []
            for _ in range(60):
                ActionChains(self.browser).send_keys(Keys.TAB).perform()
                stops.append(self.js("""const node = document.activeElement;
                    return node.id || (node.classList.contains("danger") ? "danger" : node.classList.contains("tile") ? "tile" : node.tagName);"""))
            first_danger = stops.index("danger")
            for control in ("take-button", "caption-text", "caption-on", "caption-clear"):
                self.assertIn(control, stops[:first_danger], f"{control} comes before any hold or kick in the Tab order")
            self.assertGreaterEqual(stops[:first_danger].count("tile"), 4, "every tile is a Tab stop before any hold or kick")

            # Hold asks, naming the sink; Cancel and Esc leave it alone; confirming holds it.
            hold = '.sink[data-sink="hq"] .hold'
            self.click(hold)
            self.wait(lambda: self.find("#confirm").is_displayed(), "holding asks first")
            for word in words:
                self.assertIn(word, self.find("#confirm-text").text)
            self.assertEqual(self.find("#confirm-cancel").text, cancel)
            self.assertEqual(self.js("return document.activeElement.id"), "confirm-cancel", "the safe answer has focus")
            self.click("#confirm-cancel")
            self.wait(lambda: not self.find("#confirm").is_displayed(), "Cancel closes the question")
            self.click(hold)
            self.wait(lambda: self.find("#confirm").is_displayed(), "holding asks again")
            self.browser.switch_to.active_element.send_keys(Keys.ESCAPE)
            self.wait(lambda: not self.find("#confirm").is_displayed(), "Esc closes the question")
            self.assertTrue(self.sink("hq")["enabled"], "neither Cancel nor Esc held the sink")
            self.assertEqual(self.js("return document.activeElement.dataset.hold"), "sinks/hq", "focus returns to the button")
            self.click(hold)
            self.confirm(words)
            self.wait(lambda: not self.sink("hq")["enabled"], "confirming holds the sink")
            self.click(hold)  # releasing cuts nobody off: no question
            self.wait(lambda: self.sink("hq")["enabled"], "the sink is released at once")
            self.assertFalse(self.find("#confirm").is_displayed())

            # A kick names who it cuts: user, sink, address.
            self.wait(lambda: self.finds('.sink[data-sink="hq"] .kick'), "hq's receiver is back")
            kick = self.find('.sink[data-sink="hq"] .kick')
            reader = self.sink("hq")["readers"][0]
            for part in ("hq", "警察本部", reader["address"]):
                self.assertIn(part, kick.text, "the kick button names who it cuts")
            publisher = self.find(f'[data-source-admin="{SPARE}"] .kick')
            self.assertIn(self.source(SPARE)["publisher_address"], publisher.text)
            self.click(f'[data-source-admin="{SPARE}"] .kick')
            self.wait(lambda: self.find("#confirm").is_displayed(), "kicking a publisher asks first")
            self.assertIn("予備カメラ", self.find("#confirm-text").text)
            self.click("#confirm-cancel")

    # MARK: 3. keyboard

    def test_4_keyboard_picks_takes_clears_and_captions(self):
        self.wait_live("heli-1", "drone-1", "mobile-1")
        for language, size, help_word in (("en", (1366, 768), "Pick the preview source"), ("ja", (1920, 1080), "プレビューのソースを選ぶ")):
            client = self.open_page("sato", language, size)
            client.call("DELETE", "/api/program/caption")
            self.js("document.activeElement && document.activeElement.blur();")
            body = self.find("body")
            order = [tile.get_attribute("data-source") for tile in self.finds(".tile")]
            target = next(source for source in ("heli-1", "drone-1", "mobile-1") if source != self.on_air())
            body.send_keys(str(order.index(target) + 1))
            self.wait(lambda: "preview" in self.classes(f'.tile[data-source="{target}"]'), "a digit picks the preview")
            self.wait(lambda: self.find("#take-button").is_enabled(), "Take is enabled")
            body.send_keys(Keys.ENTER)
            self.wait(lambda: self.on_air() == target, "Enter takes the preview")
            other = next(source for source in ("heli-1", "drone-1", "mobile-1") if source != target)
            body.send_keys(str(order.index(other) + 1))
            self.wait(lambda: self.find("#take-button").is_enabled(), "Take is enabled for the next preview")
            body.send_keys(Keys.SPACE)
            self.wait(lambda: self.on_air() == other, "Space takes the preview")
            body.send_keys(Keys.ESCAPE)
            self.wait(lambda: self.find("#preview-source").text == "—", "Esc clears the preview")
            self.assertIsNone(client.call("GET", "/api/control-room").get("preview"))

            # Tiles are Tab stops; Enter on one previews it (it does not take).
            tile = self.find(f'.tile[data-source="{target}"]')
            self.assertEqual(tile.get_attribute("tabindex"), "0")
            self.js("arguments[0].focus()", tile)
            self.browser.switch_to.active_element.send_keys(Keys.ENTER)
            self.wait(lambda: "preview" in self.classes(f'.tile[data-source="{target}"]'), "Enter on a tile previews it")
            self.assertEqual(self.on_air(), other, "Enter on a tile does not take")

            # Ctrl+Enter puts the typed caption on air.
            text = "キー操作のテロップ " + language
            field = self.find("#caption-text")
            field.clear()
            field.send_keys(text)
            field.send_keys(Keys.CONTROL, Keys.ENTER)
            self.wait(lambda: (client.call("GET", "/api/program").get("caption") or {}).get("text") == text, "Ctrl+Enter puts the caption on air")
            self.assertEqual(field.get_attribute("value"), text, "Ctrl+Enter does not add a line")
            # Digits typed into the caption are text, not source picks.
            digit = next(index for index, source in enumerate(order) if source != target) + 1
            field.send_keys(str(digit))
            self.assertEqual(field.get_attribute("value"), text + str(digit))
            self.assertEqual(client.call("GET", "/api/control-room").get("preview"), target, "a digit typed into the caption picks nothing")

            # `?` opens the list of keys, in the page's language; Esc closes it.
            self.js("document.activeElement.blur();")
            body.send_keys("?")
            self.wait(lambda: self.find("#help").is_displayed(), "? opens the list of keys")
            self.assertIn(help_word, self.find("#help").text)
            for key in ("Enter", "Esc", "Ctrl", "?"):
                self.assertIn(key, self.find("#help").text)
            self.browser.switch_to.active_element.send_keys(Keys.ESCAPE)
            self.wait(lambda: not self.find("#help").is_displayed(), "Esc closes the list of keys")
            client.call("DELETE", "/api/program/caption")

    # MARK: 4. errors

    def test_5_offline_source_cannot_be_taken_and_refusals_are_in_the_pages_language(self):
        self.wait_live("heli-1", "drone-1")
        for language, offline, refusal in (("ja", "オフライン", "テロップの文字を入力してください"), ("en", "offline", "Type the caption text first")):
            client = self.open_page("kanri", language, (1366, 768))
            client.call("PUT", f"/api/sources/{SPARE}/enabled", {"enabled": False})
            try:
                self.wait(lambda: self.source(SPARE)["state"] == "offline", "the held source goes offline")
                self.click(f'.tile[data-source="{SPARE}"]')
                self.wait(lambda: "preview" in self.classes(f'.tile[data-source="{SPARE}"]'), "the offline source is in preview")
                self.wait(lambda: offline in self.find("#preview-state").text, "the preview names the source's state")
                self.assertIn("stale", self.classes("#preview-monitor"), "the preview of an offline source is greyed")
                self.assertFalse(self.find("#take-button").is_enabled(), "Take is disabled for an offline source")
                self.assertIn(offline, self.find("#take-hint").text, "the page says why")
                self.find("body").send_keys(Keys.ENTER)
                self.assertNotEqual(self.on_air(), SPARE, "Enter does not take an offline source either")

                # A refusal in the page's language, gone once the next action succeeds.
                self.expected_refusals.append("/api/program/caption - Failed to load resource: the server responded with a status of 422")
                self.find("#caption-text").clear()
                self.click("#caption-on")
                self.wait(lambda: self.find("#caption-result").text == refusal, "the refusal is shown in the page's language")
                self.assertIn("error", self.classes("#caption-result"))
                live = "drone-1" if self.on_air() != "drone-1" else "heli-1"
                self.click(f'.tile[data-source="{live}"]')
                self.wait(lambda: self.find("#caption-result").text == "", "the error clears once the next action succeeds")
                self.wait(lambda: self.find("#take-button").is_enabled(), "Take is enabled for a live source")
                self.assertNotIn("stale", self.classes("#preview-monitor"))
            finally:
                client.call("PUT", f"/api/sources/{SPARE}/enabled", {"enabled": True})

    # MARK: 5. times, labels, layout

    def test_6_times_are_in_the_display_time_zone_to_the_second(self):
        client = self.open_page("sato", "en", (1920, 1080))
        self.assertEqual(self.find("#time-zone").text, "Asia/Tokyo", "the page names its time zone")
        shown = self.find("#clock").text
        self.assertRegex(shown, r"^\d{2}:\d{2}:\d{2}$", "times to the second, no milliseconds")
        now = datetime.datetime.now(ZONE)
        shown_time = datetime.datetime.combine(now.date(), datetime.time.fromisoformat(shown), ZONE)
        self.assertLess(abs((now - shown_time).total_seconds()) % 86400, 5, "the clock shows Tokyo time")
        target = "drone-1" if self.on_air() != "drone-1" else "heli-1"
        cut = client.call("POST", "/api/program/cut", {"source": target})
        at = datetime.datetime.fromisoformat(cut["took_effect_at"].replace("Z", "+00:00")).astimezone(ZONE)
        self.wait(lambda: self.find("#last-cut").text.startswith(target + " " + at.strftime("%H:%M:%S")), "the last cut in Tokyo time")
        self.assertNotRegex(self.find("#last-cut").text, r"\d{2}:\d{2}:\d{2}\.\d", "no milliseconds")

    def test_7_presets_are_labelled_and_the_laptop_shows_captions_and_delivery(self):
        for language in ("ja", "en"):
            for size in SIZES:
                self.open_page("kanri", language, size)
                preset = self.find('.preset[data-preset="速報"]')
                self.assertIn("速報", preset.text)
                self.assertIn("速報帯" if language == "ja" else "Breaking banner", preset.text, "a preset shows what it puts on air")
                self.assertIn("即送出" if language == "ja" else "on air at one press", self.find("#captions").text, "presets are labelled")
                controls = ["#take-button", "#caption-text", "#caption-on", "#caption-clear", '.preset[data-preset="速報"]',
                            '.tile[data-source="heli-1"]', '.sink[data-sink="hq"]', '.sink[data-sink="npa"]', '.sink[data-sink="kantei"]',
                            '.sink[data-sink="hq"] .hold']
                for selector in controls:
                    box = self.js("""const r = document.querySelector(arguments[0]).getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight];""", selector)
                    left, top, right, bottom, width, height = box
                    self.assertTrue(left >= 0 and top >= 0 and right <= width + 0.5 and bottom <= height + 0.5,
                                    f"{selector} is on the first screen at {size} in {language}, no scrolling: {box}")
                overflow = self.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                self.assertLessEqual(overflow, 0, f"no sideways scrolling at {size}")

    # MARK: 6. FieldOps alerts

    def test_8_fieldops_alerts_show_in_the_header_and_link_to_fieldops(self):
        admin = self.admin
        station = record(admin.call("POST", "/api/fieldops/stations", {
            "name": "剣山中継所", "latitude": 33.85, "longitude": 134.09, "elevation_m": 1955,
            "access_modes": [{"mode": "road", "lead_hours": 6}]}), "station")
        generator = record(admin.call("POST", f"/api/fieldops/stations/{station['id']}/generators", {
            "name": "発電機A", "rated_kw": 5, "tank_litres": 100, "usable_fraction": 0.9, "reserve_litres": 5,
            "curve": [[0, 1], [100, 4]]}), "generator")
        # 20 L at full load: 5 L above the reserve, little over an hour: Critical, order-by passed.
        admin.call("POST", f"/api/fieldops/generators/{generator['id']}/readings", {"litres": 20, "load_percent": 100, "source": "dip"})
        unit = admin.call("POST", "/api/fieldops/units", {"callsign": "機通1", "home_base": "徳島"})
        unit = record(unit, "unit")
        deployment = record(admin.call("POST", "/api/fieldops/deployments", {
            "kind": "disaster", "incident_name": "豪雨", "location": "三好市", "lead_unit_id": unit["id"]}), "deployment")
        deployment = record(admin.call("POST", f"/api/fieldops/deployments/{deployment['id']}/transitions",
                                       {"to": "mobilizing", "version": deployment["version"]}), "deployment")
        kit = record(admin.call("POST", "/api/fieldops/kits", {"name": "SAT-07", "kind": "satellite_terminal",
                                                               "components": [{"serial": "SN-7001", "description": "terminal"}]}), "kit")
        admin.call("POST", f"/api/fieldops/kits/{kit['id']}/checkout", {"deployment_id": deployment["id"], "version": kit["version"]})
        admin.call("POST", f"/api/fieldops/deployments/{deployment['id']}/transitions",
                   {"to": "cancelled", "version": deployment["version"], "reason": "中止"})
        for language, words in (("ja", ("剣山中継所", "燃料 危険", "発注期限超過", "キット未返却", "SAT-07")),
                                ("en", ("剣山中継所", "fuel CRITICAL", "order-by time passed", "kit overdue", "SAT-07"))):
            self.open_page("sato", language, (1366, 768))
            self.wait(lambda: len(self.finds("#fieldops-alerts a.alert.critical")) >= 1, "a critical generator shows in the header")
            header = self.find("header").text
            for word in words:
                self.assertIn(word, header, f"the header shows {word!r}")
            links = [link.get_attribute("href") for link in self.finds("#fieldops-alerts a")]
            self.assertTrue(all("/fieldops" in link for link in links), links)
            for link in links:
                with urllib.request.urlopen(urllib.request.Request(link.split("#")[0], headers={"Cookie": f"relayd_session={admin.cookie.value}"}), timeout=WAIT) as page:
                    self.assertEqual(page.status, 200, f"{link} is a FieldOps page")
            alert = self.find("#fieldops-alerts a.alert.critical")
            self.assertTrue(alert.is_displayed())
            box = self.js("const r = arguments[0].getBoundingClientRect(); return [r.right, window.innerWidth];", alert)
            self.assertLessEqual(box[0], box[1], "the alert fits the header at 1366 wide")


if __name__ == "__main__":
    unittest.main()
