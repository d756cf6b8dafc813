"""Browser test of picture health on the control room tile: the real relayd, a real ffmpeg
encoder whose link stays up but whose picture is black, and Debian's headless Chromium. The
tile's alarm says 黒画面 / BLACK over the picture, and the tile keeps its size.

Run by scripts/test after the Swift tests:  python3 -m unittest discover -s Tests/Browser -v
"""

import os
import subprocess
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from relayd_server import WAIT, RelaydServer, headless_chromium, stop_process


class PictureHealthTileTests(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory(prefix="relayd-picture-health-")
        self.relayd = RelaydServer(self.temporary.name)
        self.relayd.write_config_after_listeners(f"""\
sources:
  - id: heli-1
    kind: helicopter
    label: ヘリ1
    health: {{black_s: 1}}
program:
  pipeline: false
""")
        self.relayd.start()
        self.addCleanup(self.temporary.cleanup)
        self.addCleanup(self.relayd.stop)
        self.browser = headless_chromium()
        self.addCleanup(self.browser.quit)

    def alarm(self):
        elements = self.browser.find_elements(By.CSS_SELECTOR, '.tile[data-source="heli-1"] .health-alarm')
        return elements[0].text if elements else ""

    def tile_size(self):
        tile = self.browser.find_element(By.CSS_SELECTOR, '.tile[data-source="heli-1"]')
        return (tile.size["width"], tile.size["height"])

    def test_a_black_picture_shows_an_alarm_over_the_tile_without_resizing_it(self):
        self.browser.get(self.relayd.url + "/")
        WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(
            lambda _: self.browser.find_elements(By.CSS_SELECTOR, '.tile[data-source="heli-1"]'), "the tile")
        before = self.tile_size()
        publisher = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "color=c=black:s=640x360:r=25",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "mpegts",
             f"srt://127.0.0.1:{self.relayd.srt_port}?streamid=#!::r=heli-1,m=publish"],
            stdin=subprocess.DEVNULL)
        self.addCleanup(stop_process, publisher)
        WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(lambda _: self.alarm() == "黒画面", "the tile says 黒画面")
        self.assertEqual(self.tile_size(), before, "the alarm lies over the picture: the tile keeps its size")
        self.browser.find_element(By.ID, "lang-toggle").click()
        WebDriverWait(self.browser, WAIT, poll_frequency=0.2).until(lambda _: self.alarm() == "BLACK", "the alarm in English")


if __name__ == "__main__":
    unittest.main()
