"""The load scripts/soak puts on relayd, each part a small class over real clients: ffmpeg field
encoders (one through scripts/impair-proxy), srt-live-transmit readers that come and go, an
operator cutting and changing the caption over the HTTP API, FieldOps writes by
scripts/fieldops-loadgen.py, and the long-lived program recording (srt-live-transmit | tee |
ts-count). Standard library only."""
import json, os, random, re, signal, subprocess, threading, time, urllib.error, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Processes:
    """Every child started; all are stopped at the end, whatever happened."""

    def __init__(self, work):
        self.work, self.children, self.lock = work, [], threading.Lock()

    def start(self, args, log=None, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", open(os.path.join(self.work, log), "a") if log else subprocess.DEVNULL)
        p = subprocess.Popen(args, **kw)
        with self.lock:
            self.children = [c for c in self.children if c.poll() is None] + [p]
        return p

    def stop_all(self):
        with self.lock:
            children = list(reversed(self.children))
        for p in children:
            stop(p)


def stop(p, sig=signal.SIGTERM):
    if p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def metrics_text(http):
    """relayd's /metrics, or "" when it does not answer within 5 s."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http}/metrics", timeout=5) as r:
            return r.read().decode()
    except (OSError, urllib.error.URLError):
        return ""


def api(http, method, path, body=None):
    """(status, JSON body) of one request as the operator `soak` (open mode on loopback)."""
    request = urllib.request.Request(f"http://127.0.0.1:{http}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "X-Actor": "soak"})
    try:
        with urllib.request.urlopen(request, timeout=15) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    except (OSError, ValueError) as e:  # no answer in time, a refused connection, not JSON
        return None, {"error": repr(e)}


def wait_for(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def srt_url(srt, resource, mode, port=None):
    return f"srt://127.0.0.1:{port or srt}?streamid=#!::r={resource},m={mode}"


def start_proxy(processes, target, loss):
    """scripts/impair-proxy in front of relayd's SRT port: `loss` % each way, 20 ms one-way delay,
    +-5 ms jitter in order (a cellular link, as scripts/field-conditions). Returns its port."""
    out = os.path.join(processes.work, "proxy.out")
    processes.start(["python3", os.path.join(ROOT, "scripts", "impair-proxy"), "--listen", "127.0.0.1:0",
                     "--target", f"127.0.0.1:{target}", "--loss", str(loss), "--delay-ms", "20", "--jitter-ms", "5",
                     "--no-reorder", "--seed", "1"], stdout=open(out, "w"), log="proxy.log")
    wait_for(lambda: os.path.getsize(out) > 0, "impair-proxy ready")
    return json.loads(open(out).readline())["listen"]


class Publishers:
    """One ffmpeg field encoder per source (`-re -stream_loop -1 -c copy` of Media/<id>.ts); the
    impaired one publishes through the proxy. `reconnect()` kills one (SIGKILL and SIGINT in
    turn: a dead link and an encoder stopped by hand) and starts it again until it is live."""

    def __init__(self, processes, http, srt, ports):
        self.processes, self.http, self.srt, self.ports = processes, http, srt, ports
        self.running, self.reconnects, self.retries, self.turn = {}, 0, 0, 0

    def start(self, source):
        self.running[source] = self.processes.start(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
             "-i", os.path.join(ROOT, "Media", f"{source}.ts"), "-c", "copy", "-f", "mpegts",
             srt_url(self.srt, source, "publish", self.ports.get(source))], log=f"publisher-{source}.log")

    def live(self, source):
        status, body = api(self.http, "GET", f"/api/sources/{source}")
        return status == 200 and body.get("state") == "live"

    def start_until_live(self, source, timeout=60.0):
        """Starts the encoder, again if relayd refuses it (a claim not yet given up), until live."""
        deadline = time.monotonic() + timeout
        self.start(source)
        while time.monotonic() < deadline:
            if self.live(source):
                return
            if self.running[source].poll() is not None:
                self.retries += 1
                time.sleep(1)
                self.start(source)
            time.sleep(0.2)
        raise TimeoutError(f"{source} not live again within {timeout:.0f} s")

    def reconnect(self):
        source = sorted(self.running)[self.turn % len(self.running)]
        stop(self.running[source], signal.SIGKILL if self.turn % 2 == 0 else signal.SIGINT)
        self.turn += 1
        time.sleep(2)
        self.start_until_live(source)
        self.reconnects += 1
        return source


class Readers:
    """`count` srt-live-transmit readers at all times, each of the program or a source at random,
    each leaving after a random lifetime and replaced by a new one."""

    def __init__(self, processes, srt, resources, count, lifetime, seed=1):
        self.processes, self.srt, self.resources, self.count, self.lifetime = processes, srt, resources, count, lifetime
        self.random = random.Random(seed)
        self.active = []  # (process, leaves at)
        self.joins = self.left_early = 0

    def tick(self):
        now = time.monotonic()
        keep = []
        for p, leaves in self.active:
            if p.poll() is not None:
                self.left_early += 1
            elif now >= leaves:
                stop(p)
            else:
                keep.append((p, leaves))
        self.active = keep
        while len(self.active) < self.count:
            resource = "program" if self.random.random() < 0.5 else self.random.choice(self.resources)
            p = self.processes.start(["srt-live-transmit", "-q", srt_url(self.srt, resource, "request"), "file://con"])
            self.active.append((p, now + self.random.uniform(*self.lifetime)))
            self.joins += 1

    def stop(self):
        for p, _ in self.active:
            stop(p)


class Operator:
    """A cut every `cut_every` seconds to the next source in turn and a caption change every
    `caption_every` seconds (text, preset, another text in another style, off), over the API."""

    CAPTIONS = [{"text": "現場上空から中継 LIVE"}, {"preset": "速報"},
                {"text": "ドローン映像 (長時間試験)", "style": "note", "position": "top"}, None]

    def __init__(self, http, sources, cut_every=10.0, caption_every=30.0):
        self.http, self.sources, self.cut_every, self.caption_every = http, sources, cut_every, caption_every
        self.cuts = self.cuts_refused = self.captions = 0
        self.failures = []  # (what, status, body) of answers other than success or 409 offline
        self.next_cut = self.next_caption = time.monotonic()
        self.turn = 0
        self.on_air = None  # the source of the last cut that succeeded
        # Called with the program's state (on-air source, caption on air) just before each cut,
        # when that state has lasted a whole cut interval.
        self.before_cut = None

    def run(self, stopping):
        """Acts until `stopping` (a threading.Event) is set; in its own thread, so a slow answer
        delays no sampling."""
        while not stopping.wait(0.2):
            self.tick()

    def tick(self):
        now = time.monotonic()
        if now >= self.next_cut:
            self.next_cut += self.cut_every
            if self.before_cut:
                self.before_cut(self.state())
            self.cut(self.sources[self.turn % len(self.sources)])
            self.turn += 1
        if now >= self.next_caption:
            self.next_caption += self.caption_every
            self.caption(self.CAPTIONS[self.captions % len(self.CAPTIONS)])

    def state(self):
        """What the program is showing as this operator made it: "source/caption" (the caption
        by its index in CAPTIONS, "none" before the first change)."""
        caption = (self.captions - 1) % len(self.CAPTIONS) if self.captions else "none"
        return f"{self.on_air}/{caption}"

    def cut(self, source):
        status, body = api(self.http, "POST", "/api/program/cut", {"source": source})
        if status == 200:
            self.cuts += 1
            self.on_air = source
        elif status == 409:  # the source is offline (its encoder is reconnecting): refused, rightly
            self.cuts_refused += 1
        else:
            self.failures.append((f"cut to {source}", status, body))

    def caption(self, caption):
        status, body = (api(self.http, "DELETE", "/api/program/caption") if caption is None
                        else api(self.http, "PUT", "/api/program/caption", caption))
        self.captions += 1
        if status not in (200, 204):
            self.failures.append((f"caption {caption}", status, body))


class FieldOpsWriter:
    """Tank readings posted at `rate` per second for `seconds` by scripts/fieldops-loadgen.py (open
    loop), on a generator seeded here."""

    def __init__(self, processes, http, rate, seconds):
        station = api(http, "POST", "/api/fieldops/stations",
                      {"name": "Soak relay station", "latitude": 38.3, "longitude": 140.9, "elevation_m": 900,
                       "access_modes": [{"mode": "road", "lead_hours": 6}]})
        generator = api(http, "POST", f"/api/fieldops/stations/{station[1]['id']}/generators",
                        {"rated_kw": 7.5, "tank_litres": 2000, "usable_fraction": 0.9, "reserve_litres": 50,
                         "curve": [[25, 2], [50, 3], [75, 4], [100, 5]]})
        if station[0] >= 300 or generator[0] >= 300:
            raise RuntimeError(f"seeding FieldOps failed: {station} {generator}")
        self.out = os.path.join(processes.work, "fieldops.json")
        self.process = processes.start(
            ["python3", os.path.join(ROOT, "scripts", "fieldops-loadgen.py"), "--port", str(http), "--rate", str(rate),
             "--seconds", str(seconds), "--connections", "2", "--method", "POST",
             "--path", f"/api/fieldops/generators/{generator[1]['id']}/readings",
             "--body", '{"litres": 1{seq}.5, "load_percent": 60, "source": "sensor"}'],
            stdout=open(self.out, "w"), log="fieldops.log")

    def result(self):
        """The load generator's JSON line, once it has finished."""
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            stop(self.process)
        lines = open(self.out).read().splitlines()
        return json.loads(lines[-1]) if lines else None


class ProgramRecording:
    """The long-lived reader of `program`: srt-live-transmit (no reconnecting: a lost connection
    must show) | tee into the recording | ts-count, whose SIGUSR1 report gives the continuity
    breaks so far."""

    def __init__(self, processes, srt, counter):
        work = processes.work
        self.path, self.report = os.path.join(work, "program.ts"), os.path.join(work, "ts-count.out")
        open(self.path, "wb").close()
        # A second of latency: the reader's own scheduling on a busy machine must not drop packets.
        self.reader = processes.start(["srt-live-transmit", "-q", "-a:no", srt_url(srt, "program", "request") + "&latency=1000", "file://con"],
                                      stdout=subprocess.PIPE, log="recorder.log")
        self.tee = processes.start(["tee", self.path], stdin=self.reader.stdout, stdout=subprocess.PIPE)
        self.counter = processes.start([counter], stdin=self.tee.stdout, stderr=open(self.report, "w"))
        self.reader.stdout.close()
        self.tee.stdout.close()
        wait_for(lambda: self.lines() >= 1, "ts-count ready")
        wait_for(lambda: os.path.getsize(self.path) > 0, "the program recording receiving")
        self.started = time.monotonic()

    def lines(self):
        return open(self.report).read().count("\n")

    def connected(self):
        return self.reader.poll() is None

    def continuity_breaks(self):
        """cc_errors so far (ts-count's newest report, asked for now)."""
        if self.counter.poll() is None:
            seen = self.lines()
            self.counter.send_signal(signal.SIGUSR1)
            try:
                wait_for(lambda: self.lines() > seen, "ts-count report", timeout=5)
            except TimeoutError:
                pass
        last = open(self.report).read().splitlines()[-1]
        return int(dict(item.split("=") for item in last.split())["cc_errors"])

    def late_drops(self):
        """Packets the reader's libsrt gave up as too late (its RCV-DROPPED log lines): continuity
        breaks that are the reader's, not relayd's output."""
        text = open(os.path.join(os.path.dirname(self.path), "recorder.log"), errors="replace").read()
        return sum(int(n) for n in re.findall(r"RCV-DROPPED (\d+) packet", text))

    def stop(self):
        stop(self.reader)
        for p in (self.tee, self.counter):
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
