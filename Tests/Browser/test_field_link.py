"""Browser test of a field link's health on the control room tile: the real relayd with a
source whose latency is far too small, a real ffmpeg publisher through scripts/impair-proxy at
10 % loss, and Debian's headless Chromium. The tile says packets were dropped as too late and
which latency to configure, in Japanese and in English.

Run by scripts/test after the Swift tests:  python3 -m unittest discover -s Tests/Browser -v
"""

import json
import os
import subprocess
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from relayd_server import ROOT, WAIT, RelaydServer, headless_chromium, stop_process


class FieldLinkTileTests(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory(prefix="relayd-field-link-")
        self.relayd = RelaydServer(self.temporary.name)
        self.relayd.write_config_after_listeners(f"""\
sources:
  - id: heli-1
    kind: helicopter
    label: ヘリ1
    latency_ms: 20
program:
  pipeline: false
""")
        self.relayd.start()
        self.addCleanup(self.temporary.cleanup)
        self.addCleanup(self.relayd.stop)
        proxy_out = os.path.join(self.temporary.name, "proxy.out")
        with open(proxy_out, "w") as out:
            self.proxy = subprocess.Popen(
                ["python3", os.path.join(ROOT, "scripts", "impair-proxy"), "--listen", "127.0.0.1:0",
                 "--target", f"127.0.0.1:{self.relayd.srt_port}", "--loss", "10", "--delay-ms", "25", "--seed", "4"],
                stdout=out)
        self.addCleanup(stop_process, self.proxy)
        WebDriverWait(None, WAIT, poll_frequency=0.1).until(lambda _: os.path.getsize(proxy_out) > 0, "the proxy is ready")
        with open(proxy_out) as out:
            port = json.loads(out.readline())["listen"]
        self.publisher = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", os.path.join(ROOT, "Media", "heli-1.ts"),
             "-c", "copy", "-f", "mpegts", f"srt://127.0.0.1:{port}?streamid=#!::r=heli-1,m=publish"],
            stdin=subprocess.DEVNULL)
        self.addCleanup(stop_process, self.publisher)
        self.browser = headless_chromium()
        self.addCleanup(self.browser.quit)

    def advice(self):
        elements = self.browser.find_elements(By.CSS_SELECTOR, '.tile[data-source="heli-1"] .link-advice')
        return elements[0].text if elements else ""

    def test_too_late_drops_show_on_the_tile_with_a_recommended_latency(self):
        self.browser.get(self.relayd.url + "/")
        WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(
            lambda _: "推奨" in self.advice(), "the tile recommends a latency")
        advice = self.advice()
        self.assertIn("遅延超過ドロップ", advice)
        self.assertIn("現在 20 ms", advice)
        numbers = " ".join(element.get_attribute("textContent")
                           for element in self.browser.find_elements(By.CSS_SELECTOR, '.tile[data-source="heli-1"] .numbers'))
        self.assertIn("遅延超過ドロップ", numbers)
        self.assertIn("再送", numbers)
        self.browser.find_element(By.ID, "lang-toggle").click()
        WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(
            lambda _: "dropped as too late: set latency to" in self.advice(), "the advice in English")
        self.assertIn("(now 20 ms;", self.advice())
        if path := os.environ.get("RELAYD_FIELD_LINK_SCREENSHOT"):
            self.browser.save_screenshot(path)


if __name__ == "__main__":
    unittest.main()
