"""Browser tests of the control room: the real relayd (with simulated field units pushing the
sample clips over SRT), real srt-live-transmit receivers as the HQ sinks, and Debian's headless
Chromium driven through chromedriver by Selenium.

Run by scripts/test after the Swift tests:  python3 -m unittest discover -s Tests/Browser -v
Set RELAYD_SCREENSHOT=path to save a screenshot of the control room with three live sources.
"""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RELAYD = os.environ.get("RELAYD_BINARY", os.path.join(ROOT, ".build", "debug", "relayd"))
# Generous upper bounds for events on a loaded 2-core machine; the tests wait for events, they
# do not measure time.
WAIT = 30

# Where a bottom caption's box sits in the picture (fractions: top, bottom, left, right): the
# middle of the box, which is centred and as wide as its text.
CAPTION_BOX = (0.88, 0.93, 0.42, 0.58)

ACCOUNTS = {"sato": ("operator", "kanri-sato-2026"), "suzuki": ("viewer", "miru-suzuki-2026")}


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hash_password(password):
    result = subprocess.run([RELAYD, "hash-password"], input=password, capture_output=True, text=True, check=True)
    # It prints the config line: "password_hash: <hash>".
    return result.stdout.strip().split(": ", 1)[-1]


class Relayd:
    """relayd demo in a temporary directory with one account per role used here."""

    def __init__(self, directory, accounts=None, http_extra=""):
        self.directory = directory
        self.http_port = free_port(socket.SOCK_STREAM)
        self.srt_port = free_port(socket.SOCK_DGRAM)
        accounts = "\n".join(
            f"  - name: {name}\n    role: {role}\n    password_hash: '{hash_password(password)}'"
            for name, (role, password) in (accounts or ACCOUNTS).items())
        self.config = os.path.join(directory, "relayd.yaml")
        with open(self.config, "w", encoding="utf-8") as config:
            config.write(f"""srt:
  listen: 127.0.0.1:{self.srt_port}
http:
  listen: 127.0.0.1:{self.http_port}
{http_extra}accounts:
{accounts}
sources:
  - id: heli-1
    kind: helicopter
    label: ヘリ1 (上空)
  - id: drone-1
    kind: drone
    label: ドローン1
  - id: mobile-1
    kind: mobile
    label: 移動カメラ1
program:
  presets:
    - name: 速報
      text: 速報
      style: banner
      position: top
users:
  - name: hq
    request: [program]
  - name: npa
    request: [program]
  - name: kantei
    request: [program]
sinks:
  - id: hq
    name: 警察本部
    feed: program
    mode: pull
    user: hq
  - id: npa
    name: 警察庁
    feed: program
    mode: pull
    user: npa
  - id: kantei
    name: 首相官邸
    feed: program
    mode: pull
    user: kantei
""")
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self):
        log = open(os.path.join(self.directory, "relayd.log"), "ab")
        self.process = subprocess.Popen(
            [RELAYD, "demo", "--config", self.config, "--data-dir", os.path.join(self.directory, "data"),
             "--audit-key", os.path.join(self.directory, "audit.key"), "--media", os.path.join(ROOT, "Media")],
            stdout=log, stderr=log, cwd=ROOT)
        self.wait_until(lambda: self.health().get("sources_live") == 3, "three live sources")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=WAIT)

    def health(self):
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return {}

    def wait_until(self, condition, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"relayd exited ({self.process.returncode}) waiting for {what}")
            if condition():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}")

    def receiver(self, user):
        """An HQ pulling the program with srt-live-transmit, discarding what it receives."""
        url = f"srt://127.0.0.1:{self.srt_port}?streamid=#!::r=program,m=request,u={user}"
        return subprocess.Popen(["srt-live-transmit", "-q", url, "file://con"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class ControlRoomTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temporary = tempfile.TemporaryDirectory(prefix="relayd-browser-")
        cls.relayd = Relayd(cls.temporary.name)
        cls.relayd.start()
        cls.receivers = {user: cls.relayd.receiver(user) for user in ("hq", "npa", "kantei")}
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1920,1080",
                         "--lang=ja", "--font-render-hinting=none"):
            options.add_argument(argument)
        cls.browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        cls.browser.set_window_size(1920, 1080)

    @classmethod
    def tearDownClass(cls):
        cls.browser.quit()
        for receiver in cls.receivers.values():
            if receiver.poll() is None:
                receiver.kill()
                receiver.wait()
        cls.relayd.stop()
        cls.temporary.cleanup()

    # MARK: helpers

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(lambda _: condition(), message=what)
        except Exception:
            logs = self.browser.get_log("browser")
            raise AssertionError(f"{what}; browser log: {logs}")

    def find(self, selector):
        return self.browser.find_element(By.CSS_SELECTOR, selector)

    def classes(self, selector):
        return self.find(selector).get_attribute("class").split()

    def login(self, name):
        self.browser.delete_all_cookies()
        self.browser.get(self.relayd.url + "/")
        self.wait(lambda: self.find("#login").is_displayed(), "the login form appears")
        self.find("#login-name").send_keys(name)
        self.find("#login-password").send_keys(ACCOUNTS[name][1])
        self.find("#login-submit").click()
        self.wait(lambda: not self.find("#login").is_displayed(), f"{name} is logged in")
        self.wait(lambda: len(self.browser.find_elements(By.CSS_SELECTOR, ".tile")) == 3, "three source tiles")

    def seq(self, selector):
        return self.find(selector).get_attribute("data-seq")

    def region_colour(self, selector, top, bottom, left=0.0, right=1.0):
        """Average RGB of a box (fractions of the height and width) of a loaded image."""
        return self.browser.execute_script("""
            const image = document.querySelector(arguments[0]);
            if (!image || !image.complete || !image.naturalWidth) return null;
            const canvas = document.createElement("canvas");
            canvas.width = image.naturalWidth; canvas.height = image.naturalHeight;
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const y0 = Math.floor(canvas.height * arguments[1]), y1 = Math.ceil(canvas.height * arguments[2]);
            const x0 = Math.floor(canvas.width * arguments[3]), x1 = Math.ceil(canvas.width * arguments[4]);
            const data = context.getImageData(x0, y0, x1 - x0, y1 - y0).data;
            const sum = [0, 0, 0];
            for (let i = 0; i < data.length; i += 4) { sum[0] += data[i]; sum[1] += data[i + 1]; sum[2] += data[i + 2]; }
            const n = data.length / 4;
            return sum.map((v) => Math.round(v / n));
        """, selector, top, bottom, left, right)

    def dominant(self, selector, top=0.0, bottom=0.25, left=0.0, right=1.0):
        colour = self.region_colour(selector, top, bottom, left, right)
        if colour is None:
            return None
        return ("red", "green", "blue")[colour.index(max(colour))]

    def api(self, method, path, body=None):
        """The API as the browser's session sees it (same cookie, same CSRF token)."""
        return self.browser.execute_async_script("""
            const [method, path, body, done] = arguments;
            fetch("/api/session").then((r) => r.json()).then((session) => fetch(path, {
              method, headers: {"Content-Type": "application/json", "X-CSRF-Token": session.csrf_token || ""},
              body: body === null ? undefined : JSON.stringify(body)}))
            .then(async (r) => done({status: r.status, body: await r.text()}));
        """, method, path, body)

    # MARK: tests (run in name order, sharing one relayd)

    def test_1_login_shows_live_thumbnails_that_change(self):
        self.login("sato")
        self.assertIn("sato", self.find("#who").text)
        for source in ("heli-1", "drone-1", "mobile-1"):
            image = f'.tile[data-source="{source}"] img'
            self.wait(lambda: self.seq(image) is not None, f"{source} shows a thumbnail")
            first = self.seq(image)
            self.wait(lambda: self.seq(image) != first, f"{source}'s thumbnail is refreshed")
        self.wait(lambda: self.seq("#program-img") is not None, "the program shows a thumbnail")
        self.wait(lambda: self.dominant('.tile[data-source="drone-1"] img') == "green", "drone-1's tile shows its green picture")
        self.wait(lambda: self.dominant('.tile[data-source="heli-1"] img') == "blue", "heli-1's tile shows its blue picture")

    def test_2_cut_moves_the_tally_and_changes_the_program(self):
        self.login("sato")
        on_air = self.wait(lambda: self.find("#on-air-source").text not in ("", "—") and self.find("#on-air-source").text, "a source on air")
        target = "drone-1" if on_air != "drone-1" else "mobile-1"
        colour = {"drone-1": "green", "mobile-1": "red"}[target]
        self.find(f'.tile[data-source="{target}"]').click()
        self.wait(lambda: "preview" in self.classes(f'.tile[data-source="{target}"]'), "the chosen tile turns green (preview)")
        self.assertNotIn("on-air", self.classes(f'.tile[data-source="{target}"]'))
        self.wait(lambda: self.find("#take-button").is_enabled(), "take is enabled")
        self.find("#take-button").click()
        self.wait(lambda: "on-air" in self.classes(f'.tile[data-source="{target}"]'), "the tally moves to the cut source (red)")
        self.wait(lambda: "on-air" not in self.classes(f'.tile[data-source="{on_air}"]'), "the previous source loses the red tally")
        self.assertEqual(self.find("#on-air-source").text, target)
        self.assertTrue(self.find("#cut-result").text.strip(), "the cut's result is reported")
        self.wait(lambda: self.dominant("#program-img") == colour, f"the program thumbnail shows {target}'s picture")

    def test_3_caption_appears_in_the_program_thumbnail_and_goes_when_cleared(self):
        self.login("sato")
        self.wait(lambda: self.dominant("#program-img") is not None, "a program thumbnail")
        on_air = self.find("#on-air-source").text
        # A banner is a red box: on a blue or green source the bottom band turns red.
        if on_air == "mobile-1":
            self.api("POST", "/api/program/cut", {"source": "heli-1"})
            self.wait(lambda: self.dominant("#program-img") == "blue", "heli-1 on air")
        self.wait(lambda: self.dominant("#program-img", *CAPTION_BOX) != "red", "no red band before the caption")
        text = "現場上空から中継 LIVE"
        self.find("#caption-text").clear()
        self.find("#caption-text").send_keys(text)
        Select(self.find("#caption-style")).select_by_value("banner")
        self.find("#caption-on").click()
        self.wait(lambda: self.find("#caption-on-air").text == text, "the caption is reported on air")
        self.wait(lambda: self.dominant("#program-img", *CAPTION_BOX) == "red", "the banner shows in the program thumbnail")
        self.wait(lambda: text in self.find("#caption-history").text, "the caption is in the history")
        self.find("#caption-clear").click()
        self.wait(lambda: self.dominant("#program-img", *CAPTION_BOX) != "red", "the banner leaves the program thumbnail")

    def test_4_a_sink_whose_receiver_stops_turns_red(self):
        self.login("sato")
        for sink in ("hq", "npa", "kantei"):
            self.wait(lambda: "down" not in self.classes(f'.sink[data-sink="{sink}"]'), f"{sink} receives")
        receiver = self.receivers["hq"]
        receiver.send_signal(signal.SIGKILL)
        receiver.wait()
        stopped = time.monotonic()
        self.wait(lambda: "down" in self.classes('.sink[data-sink="hq"]'), "hq turns red")
        print(f"\nhq turned red {time.monotonic() - stopped:.2f} s after its receiver was killed")
        self.assertNotIn("down", self.classes('.sink[data-sink="npa"]'))
        self.receivers["hq"] = self.relayd.receiver("hq")
        self.wait(lambda: "down" not in self.classes('.sink[data-sink="hq"]'), "hq is back once a receiver calls in again")

    def test_5_a_viewer_watches_but_cannot_cut_or_caption(self):
        self.login("suzuki")
        self.find('.tile[data-source="mobile-1"]').click()
        self.assertFalse(self.find("#take-button").is_enabled())
        self.assertFalse(self.find("#caption-on").is_enabled())
        refused = self.api("POST", "/api/program/cut", {"source": "mobile-1"})
        self.assertEqual(refused["status"], 403)

    def test_6_labels_switch_between_japanese_and_english(self):
        self.login("sato")
        self.assertEqual(self.find("#multiview-title").text, "マルチビュー")
        self.find("#lang-toggle").click()
        self.assertEqual(self.find("#multiview-title").text, "Multiview")
        self.find("#lang-toggle").click()
        self.assertEqual(self.find("#multiview-title").text, "マルチビュー")

    def test_7_the_page_recovers_by_itself_when_relayd_restarts(self):
        self.login("sato")
        self.wait(lambda: self.find("#connection").get_attribute("class") == "connection", "the page is live")
        self.browser.execute_script("window.notReloaded = true;")
        self.relayd.stop()
        self.wait(lambda: "down" in self.find("#connection").get_attribute("class").split(), "the page shows it lost relayd")
        self.relayd.start()
        for user in list(self.receivers):
            self.receivers[user].kill()
            self.receivers[user].wait()
            self.receivers[user] = self.relayd.receiver(user)
        self.wait(lambda: self.find("#connection").get_attribute("class") == "connection", "the page is live again")
        self.assertTrue(self.browser.execute_script("return window.notReloaded === true;"), "the page was not reloaded")
        self.assertFalse(self.find("#login").is_displayed(), "the session survived the restart")
        self.wait(lambda: all(
            "live" in tile.find_element(By.CSS_SELECTOR, ".state").get_attribute("class")
            for tile in self.browser.find_elements(By.CSS_SELECTOR, ".tile")), "the sources are live again on the page")

    def test_8_screenshot_with_three_live_sources(self):
        path = os.environ.get("RELAYD_SCREENSHOT")
        if not path:
            self.skipTest("RELAYD_SCREENSHOT not set")
        self.login("sato")
        on_air = self.wait(lambda: self.find("#on-air-source").text not in ("", "—") and self.find("#on-air-source").text, "a source on air")
        preview = "drone-1" if on_air != "drone-1" else "heli-1"
        self.find(f'.tile[data-source="{preview}"]').click()
        self.wait(lambda: self.seq("#preview-img") is not None, "the preview monitor shows its source")
        self.api("PUT", "/api/program/caption", {"text": "現場上空から中継", "position": "bottom", "style": "label"})
        for source in ("heli-1", "drone-1", "mobile-1"):
            self.wait(lambda: self.seq(f'.tile[data-source="{source}"] img') is not None, f"{source} thumbnail")
        self.wait(lambda: self.find("#caption-on-air").text == "現場上空から中継", "caption on air")
        first = self.seq("#program-img")
        self.wait(lambda: self.seq("#program-img") != first, "a program thumbnail with the caption")
        self.browser.save_screenshot(path)
        self.api("DELETE", "/api/program/caption")

    def test_9_the_controls_fit_a_control_room_screen_and_a_laptop(self):
        self.login("sato")
        controls = ["#take-button", "#caption-text", "#caption-on", "#caption-clear", "#program-img", "#preview-img",
                    '.tile[data-source="heli-1"]', '.tile[data-source="drone-1"]', '.tile[data-source="mobile-1"]',
                    '.sink[data-sink="hq"]', '.sink[data-sink="npa"]', '.sink[data-sink="kantei"]']
        try:
            for width, height in ((1920, 1080), (1366, 768)):
                self.browser.set_window_size(width, height)
                self.wait(lambda: self.browser.execute_script("return window.innerWidth") <= width, f"the window is {width} wide")
                overflow = self.browser.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                self.assertLessEqual(overflow, 0, f"no sideways scrolling at {width}x{height}")
                bottoms = []
                for selector in controls:
                    box = self.browser.execute_script("""
                        const r = document.querySelector(arguments[0]).getBoundingClientRect();
                        return [r.left, r.right, r.width, r.height, r.bottom, document.documentElement.clientWidth];""", selector)
                    left, right, w, h, bottom, viewport = box
                    self.assertTrue(w > 0 and h > 0, f"{selector} is shown at {width}x{height}")
                    self.assertTrue(left >= 0 and right <= viewport + 0.5, f"{selector} lies within the width at {width}x{height}: {box}")
                    bottoms.append(bottom)
                if (width, height) == (1920, 1080):
                    # The control-room screen shows everything at once: no scrolling to reach a control.
                    self.assertLessEqual(max(bottoms), self.browser.execute_script("return window.innerHeight"), "every control is on the 1080p screen")
        finally:
            self.browser.set_window_size(1920, 1080)


if __name__ == "__main__":
    unittest.main()
