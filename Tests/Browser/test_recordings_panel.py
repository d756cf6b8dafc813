"""Browser test of the control room's Recordings panel: the real relayd recording a source that a
real ffmpeg encoder publishes, and Debian's headless Chromium. The panel shows the recorded
range; an operator clips the last minute from the source's tile, the progress bar reaches done,
and the downloaded MP4 opens in ffprobe and its proof passes `relayd recording verify-clip`; a
publisher that stops and comes back leaves a gap on the timeline (and a later clip still works);
a refused export says why in the API's words; a viewer sees the list and downloads but no export
control.

Run by scripts/test after the Swift tests:  python3 -m unittest discover -s Tests/Browser -v
"""

import json
import os
import subprocess
import tempfile
import unittest
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from relayd_server import RELAYD, WAIT, RelaydServer, headless_chromium, stop_process

ACCOUNTS = {"sato": ("operator", "kanri-sato-2026"), "suzuki": ("viewer", "miru-suzuki-2026")}
HELI = '.recording[data-resource="heli-1"]'


def hash_password(password):
    result = subprocess.run([RELAYD, "hash-password"], input=password, capture_output=True, text=True, check=True)
    return result.stdout.strip().split(": ", 1)[-1]


class RecordingsPanelTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.temporary = tempfile.TemporaryDirectory(prefix="relayd-recordings-panel-")
        cls.relayd = RelaydServer(cls.temporary.name)
        accounts = "\n".join(f"  - name: {name}\n    role: {role}\n    password_hash: '{hash_password(password)}'"
                             for name, (role, password) in ACCOUNTS.items())
        cls.relayd.write_config_after_listeners(f"""\
accounts:
{accounts}
sources:
  - id: heli-1
    kind: helicopter
    label: ヘリ1
  - id: drone-1
    kind: drone
    label: ドローン1
program:
  pipeline: false
  record: false
recording:
  segment_s: 1
  min_free_mb: 0
""")
        # Class cleanups run even when set-up fails half way, so no relayd is left behind.
        cls.addClassCleanup(cls.temporary.cleanup)
        cls.addClassCleanup(cls.relayd.stop)
        cls.relayd.start()
        cls.publisher = None
        cls.addClassCleanup(lambda: cls.publisher and stop_process(cls.publisher))
        cls.browser = headless_chromium("1600,1000")
        cls.addClassCleanup(cls.browser.quit)

    # MARK: helpers

    def wait(self, condition, what):
        try:
            return WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(lambda _: condition(), message=what)
        except Exception as error:
            raise AssertionError(f"{what}: {error}; relayd log: {self.relayd.log_text()}")

    def finds(self, selector):
        return self.browser.find_elements(By.CSS_SELECTOR, selector)

    def text(self, selector):
        found = self.finds(selector)
        return found[0].text if found else ""

    def publish(self):
        type(self).publisher = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "mpegts",
             f"srt://127.0.0.1:{self.relayd.srt_port}?streamid=#!::r=heli-1,m=publish"],
            stdin=subprocess.DEVNULL)

    def login(self, name):
        self.browser.delete_all_cookies()
        self.browser.get(self.relayd.url + "/")
        self.wait(lambda: self.finds("#login") and self.finds("#login")[0].is_displayed(), "the login form appears")
        self.browser.find_element(By.ID, "login-name").send_keys(name)
        self.browser.find_element(By.ID, "login-password").send_keys(ACCOUNTS[name][1])
        self.browser.find_element(By.ID, "login-submit").click()
        self.wait(lambda: not self.finds("#login")[0].is_displayed(), f"{name} is logged in")
        self.wait(lambda: len(self.finds(".tile")) == 2, "two source tiles")

    def fetch(self, path):
        """GET as the browser's session (the cookie it holds), returning status and body."""
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in self.browser.get_cookies())
        request = urllib.request.Request(self.relayd.url + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, response.read()

    def recorded(self):
        return {entry["resource"]: entry for entry in json.loads(self.fetch("/api/recordings")[1])}

    def clip_last_minute(self, source):
        Select(self.browser.find_element(By.CSS_SELECTOR, f'.tile[data-source="{source}"] .clip-minutes')).select_by_value("1")
        self.browser.find_element(By.CSS_SELECTOR, f'.tile[data-source="{source}"] .clip-button').click()

    def finished_export(self, known):
        """Waits for an export not in `known` to be done; returns its row's id."""
        def done():
            rows = [row for row in self.finds(".export") if row.get_attribute("data-export") not in known]
            return rows and rows[0].get_attribute("data-state") == "done" and rows[0]
        row = self.wait(done, "the new export is done")
        export = row.get_attribute("data-export")
        self.assertEqual(float(row.find_element(By.CSS_SELECTOR, "progress").get_attribute("value")), 1.0, "the bar is full")
        return export

    def check_download(self, export):
        """The row's links fetch an MP4 that ffprobe opens and a proof verify-clip accepts."""
        row = f'.export[data-export="{export}"]'
        clip_link = self.browser.find_element(By.CSS_SELECTOR, row + " .download-clip")
        proof_link = self.browser.find_element(By.CSS_SELECTOR, row + " .download-proof")
        self.assertTrue(clip_link.is_displayed() and proof_link.is_displayed(), "both downloads are offered")
        directory = tempfile.mkdtemp(dir=self.temporary.name)
        paths = []
        for link, name in ((clip_link, f"{export}.mp4"), (proof_link, f"{export}.proof.json")):
            href = link.get_attribute("href")
            self.assertTrue(href.startswith(self.relayd.url + "/api/recordings/exports/" + export), href)
            status, body = self.fetch(href[len(self.relayd.url):])
            self.assertEqual(status, 200)
            paths.append(os.path.join(directory, name))
            with open(paths[-1], "wb") as file:
                file.write(body)
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=format_name,duration", "-of", "json", paths[0]],
                               capture_output=True, text=True)
        self.assertEqual(probe.returncode, 0, probe.stderr)
        facts = json.loads(probe.stdout)
        self.assertIn("mp4", facts["format"]["format_name"])
        self.assertEqual([stream["codec_name"] for stream in facts["streams"]], ["h264"])
        self.assertGreater(float(facts["format"]["duration"]), 0)
        verified = subprocess.run([RELAYD, "recording", "verify-clip", paths[0], paths[1]], capture_output=True, text=True)
        self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)

    # MARK: the test

    def test_ranges_gaps_clips_and_roles(self):
        self.login("sato")
        self.publish()
        # The panel shows heli-1's recorded range once its first segments are in the manifest.
        self.wait(lambda: self.finds(HELI + " .timeline .cell.rec"), "the timeline shows heli-1 recorded")
        self.wait(lambda: "記録" in self.text(HELI + " .recording-ranges"), "the row names the recorded range")
        self.assertEqual(self.finds(HELI)[0].get_attribute("data-gaps"), "0")
        self.assertFalse(self.finds(HELI + " .timeline .cell.gap"), "no gap while the publisher runs")
        self.assertIn("無期限保持", self.text(HELI + " .facts"), "the retention is shown")
        self.wait(lambda: len(self.recorded()["heli-1"]["ranges"]) == 1 and self.recorded()["heli-1"]["segments"] >= 3,
                  "three seconds are recorded")

        # The operator clips the last minute from heli-1's tile: the bar fills, the clip downloads.
        self.clip_last_minute("heli-1")
        first = self.finished_export(set())
        self.assertIn("ヘリ1", self.text(f'.export[data-export="{first}"] .what'))
        self.check_download(first)

        # The publisher stops and comes back: a gap on the timeline.
        segments = self.recorded()["heli-1"]["segments"]
        stop_process(self.publisher)
        self.wait(lambda: self.text('.tile[data-source="heli-1"] .state') == "オフライン", "heli-1 goes offline")
        self.wait(lambda: self.recorded()["heli-1"]["segments"] > segments, "the last segment is in the manifest")
        self.publish()
        self.wait(lambda: self.finds(HELI + " .timeline .cell.gap"), "the timeline marks the gap")
        self.assertEqual(self.finds(HELI)[0].get_attribute("data-gaps"), "1")
        self.assertIn("直近の途切れ", self.text(HELI + " .recording-ranges"))
        # A clip of the last minute now starts where recording resumed, rather than being refused.
        self.wait(lambda: self.recorded()["heli-1"]["segments"] >= segments + 3, "recording resumed for a few seconds")
        self.clip_last_minute("heli-1")
        second = self.finished_export({first})
        self.check_download(second)

        # A source never recorded: the refusal in the page, in the API's words.
        self.clip_last_minute("drone-1")
        self.wait(lambda: "unknown recording" in self.text("#recordings-result"), "the refusal shows the API's message")
        self.assertIn("書き出しできません", self.text("#recordings-result"))
        self.assertIn("error", self.finds("#recordings-result")[0].get_attribute("class"))

        # In English the panel speaks English.
        self.browser.find_element(By.ID, "lang-toggle").click()
        self.wait(lambda: self.text("#recordings-title") == "Recordings", "the panel's title in English")
        self.assertEqual(self.text(f'.export[data-export="{first}"] .download-proof'), "proof (JSON)")
        self.browser.find_element(By.ID, "lang-toggle").click()

        # A viewer lists and downloads, but has no export control anywhere.
        self.login("suzuki")
        self.wait(lambda: self.finds(HELI + " .timeline .cell.gap"), "the viewer sees the timeline with its gap")
        self.wait(lambda: len(self.finds(".export")) == 2, "the viewer sees both exports")
        self.assertTrue(self.finds(".clip"), "the controls exist in the page")
        self.assertFalse([control for control in self.finds(".clip") if control.is_displayed()], "no export control for a viewer")
        self.check_download(first)

        # Nothing went wrong in the page: the only failed loads are the refusals made on purpose.
        expected = ("/api/session", "/api/recordings/drone-1/exports", "/favicon.ico")
        errors = [entry["message"] for entry in self.browser.get_log("browser")
                  if entry["level"] == "SEVERE" and not any(path in entry["message"] for path in expected)]
        self.assertEqual(errors, [], "the browser console shows no error")


if __name__ == "__main__":
    unittest.main()
