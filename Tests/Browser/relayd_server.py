"""relayd serve in a temporary directory on free loopback ports, for the browser tests: written
config, start (waits for /healthz), stop (SIGTERM), the log's tail."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RELAYD = os.environ.get("RELAYD_BINARY", os.path.join(ROOT, ".build", "debug", "relayd"))
# Upper bound for relayd to come up on a loaded 2-core machine; nothing here measures time.
WAIT = 30


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RelaydServer:
    """Subclasses pick the ports' use and call `write_config` with the YAML text."""

    def __init__(self, directory):
        self.directory = directory
        self.http_port = free_port(socket.SOCK_STREAM)
        self.srt_port = free_port(socket.SOCK_DGRAM)
        self.config = os.path.join(directory, "relayd.yaml")
        self.log = os.path.join(directory, "relayd.log")
        self.process = None

    def write_config(self, text):
        with open(self.config, "w", encoding="utf-8") as config:
            config.write(text)

    def write_config_after_listeners(self, rest):
        """The config: SRT and HTTP listening on this server's loopback ports, then `rest`."""
        self.write_config(f"srt:\n  listen: 127.0.0.1:{self.srt_port}\nhttp:\n  listen: 127.0.0.1:{self.http_port}\n" + rest)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self):
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [RELAYD, "serve", "--config", self.config, "--data-dir", os.path.join(self.directory, "data"),
                 "--audit-key", os.path.join(self.directory, "audit.key")],
                stdout=log, stderr=log, cwd=ROOT)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"relayd exited ({self.process.returncode}):\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise AssertionError("relayd did not answer /healthz")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=WAIT)

    def log_text(self):
        with open(self.log, encoding="utf-8", errors="replace") as log:
            return log.read()[-4000:]


def headless_chromium(window="1280,900"):
    """Debian's headless Chromium in Japanese, through its chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={window}", "--lang=ja"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def stop_process(process):
    """Ends a child started by a test (a publisher, a proxy) and waits for it."""
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=WAIT)
