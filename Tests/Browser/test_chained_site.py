"""Browser test of a chained site's tile: two real relayd on loopback (a prefecture with a real
ffmpeg publisher on heli-1, the NPA pulling the prefecture's program as its source `shizuoka`)
and Debian's headless Chromium on the NPA's control room. The tile names the upstream site and
its on-air source as the stream's SDT carries them; when the prefecture goes down the tile says
the link is waiting to call again, and once the prefecture is back the source is live again.

Run by scripts/test after the Swift tests:  python3 -m unittest discover -s Tests/Browser -v
"""

import os
import subprocess
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from relayd_server import ROOT, WAIT, RelaydServer, headless_chromium, stop_process


class ChainedSiteTileTests(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory(prefix="relayd-chain-")
        self.addCleanup(self.temporary.cleanup)
        prefecture_dir = os.path.join(self.temporary.name, "prefecture")
        npa_dir = os.path.join(self.temporary.name, "npa")
        os.makedirs(prefecture_dir)
        os.makedirs(npa_dir)
        self.prefecture = RelaydServer(prefecture_dir)
        self.prefecture.write_config(f"""\
site: {{id: shizuoka, name: 静岡県警察本部}}
srt:
  listen: 127.0.0.1:{self.prefecture.srt_port}
http:
  listen: 127.0.0.1:{self.prefecture.http_port}
sources:
  - id: heli-1
    kind: helicopter
    label: ヘリ1
""")
        self.npa = RelaydServer(npa_dir)
        self.npa.write_config(f"""\
site: {{id: npa, name: 警察庁}}
srt:
  listen: 127.0.0.1:{self.npa.srt_port}
http:
  listen: 127.0.0.1:{self.npa.http_port}
sources:
  - id: shizuoka
    kind: relay
    label: 静岡県警察本部
    pull:
      address: 127.0.0.1:{self.prefecture.srt_port}
      streamid: "#!::r=program,m=request"
program:
  pipeline: false
""")
        self.prefecture.start()
        self.addCleanup(self.prefecture.stop)
        self.npa.start()
        self.addCleanup(self.npa.stop)
        self.publisher = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", os.path.join(ROOT, "Media", "heli-1.ts"),
             "-c", "copy", "-f", "mpegts", f"srt://127.0.0.1:{self.prefecture.srt_port}?streamid=#!::r=heli-1,m=publish"],
            stdin=subprocess.DEVNULL)
        self.addCleanup(stop_process, self.publisher)
        self.browser = headless_chromium()
        self.addCleanup(self.browser.quit)

    def tile_text(self, part):
        elements = self.browser.find_elements(By.CSS_SELECTOR, f'.tile[data-source="shizuoka"] .{part}')
        return elements[0].text if elements else ""

    def wait(self, condition, what):
        # Two relayd, an encoder and a browser on 2 cores: the link and the SDT may take a while.
        WebDriverWait(self.browser, 2 * WAIT, poll_frequency=0.2).until(lambda _: condition(), what)

    def test_the_tile_names_the_upstream_site_and_says_when_its_link_is_down(self):
        self.browser.get(self.npa.url + "/")
        self.wait(lambda: "静岡県警察本部 / heli-1" in self.tile_text("kind"), "the tile names the prefecture and its on-air source")
        self.wait(lambda: self.tile_text("state").startswith("受信中"), "the pulled source is live")

        self.prefecture.stop()
        self.wait(lambda: "上流サイトへ再接続待ち" in self.tile_text("state"), "the tile says the upstream link waits to call again")
        self.browser.find_element(By.ID, "lang-toggle").click()
        self.wait(lambda: "upstream site: next call at" in self.tile_text("state"), "the same in English")

        self.prefecture.start()
        self.wait(lambda: self.tile_text("state") == "live", "the source is live again once the prefecture is back")


if __name__ == "__main__":
    unittest.main()
