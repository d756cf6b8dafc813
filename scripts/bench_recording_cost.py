#!/usr/bin/env python3
"""Recording cost benchmark (`scripts/bench-recording cost`; replaces the "## Recording cost"
section of docs/BENCHMARKS.md). One run measures:

(a) CPU: relayd (release build) with three sources, heli-1, drone-1 and mobile-1, each
    published by `ffmpeg -re -stream_loop -1 -i CLIP -c copy -f mpegts srt://...` (CLIP: 10 s of
    1080p29.97 H.264, 4 Mbit/s CBR, GOP 30, no B-frames, AAC; the program profile), the program on (passing the first live source through) and read, once with `record: true` on every
    source and the program and once with `record: false`, BENCH_ROUNDS rounds (default 2)
    alternating. relayd's utime+stime from /proc/PID/stat over BENCH_SECONDS (default 30) after
    BENCH_WARMUP (default 5) seconds: CPU seconds per wall second, and the difference in % of a
    core (target <= 3 %). The recorder thread's own CPU is read from /proc/PID/task.
(b) Reader latency: heli-1's ffmpeg also writes the same stream to a pipe (a second output of
    the same muxing loop); the bench notes when each video PES (its PTS) leaves ffmpeg there, and
    when the same PES reaches an `srt-live-transmit` reader of heli-1 (SRT's default 120 ms
    latency on both legs). Per PES, arrival - departure; median, p95 and max over the window.
(c) Clip export: CLIP looped to 10 minutes (`ffmpeg -stream_loop 59 -c copy`), cut into 10 s
    keyframe-aligned segments in relayd's layout with a signed manifest
    (`scripts/recording-fill.py --from-ts`), then `relayd recording export` of all 10 minutes,
    BENCH_EXPORTS times (default 3): wall and CPU seconds (target <= 3 s).

Environment: RELAYD_BINARY (default .build/release/relayd), BENCH_SECONDS, BENCH_WARMUP,
BENCH_ROUNDS, BENCH_EXPORTS, BENCH_WRITE=0 (print only), BENCH_NOTE (a line added to the
section, e.g. what else ran), COMMIT, LOAD_BEFORE.
"""
import json, os, re, resource, shutil, signal, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
BINARY = os.environ.get("RELAYD_BINARY", os.path.join(ROOT, ".build/release/relayd"))
SECONDS = float(os.environ.get("BENCH_SECONDS", 30))
WARMUP = float(os.environ.get("BENCH_WARMUP", 5))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 2))
EXPORTS = int(os.environ.get("BENCH_EXPORTS", 3))
WRITE = os.environ.get("BENCH_WRITE", "1") != "0"
HZ = os.sysconf("SC_CLK_TCK")
SCRATCH = os.path.join(ROOT, ".build-bench")
CLIP = os.path.join(SCRATCH, "bench-1080p30-4M.ts")
SOURCES = [("heli-1", "helicopter"), ("drone-1", "drone"), ("mobile-1", "mobile")]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port(kind):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime, stime


def thread_cpu(pid, name):
    total = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            if open(f"/proc/{pid}/task/{tid}/comm").read().strip() == name:
                total += cpu_seconds(f"{pid}/task/{tid}")
        except OSError:
            pass  # the thread ended meanwhile
    return total


def wait(what, condition, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if condition():
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def get(http, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{http}{path}", timeout=5) as answer:
        return answer.read()


def make_clip():
    if os.path.exists(CLIP):
        return
    os.makedirs(SCRATCH, exist_ok=True)
    log(f"encoding {CLIP} (once)")
    subprocess.run([
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30000/1001",
        "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000",
        "-t", "10", "-pix_fmt", "yuv420p",
        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "4M", "-minrate", "4M", "-maxrate", "4M", "-bufsize", "2M",
        "-g", "30", "-keyint_min", "30", "-bf", "0", "-x264-params", "nal-hrd=cbr:scenecut=0",
        "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-f", "mpegts", CLIP + ".part"], check=True)
    os.rename(CLIP + ".part", CLIP)


def video_pes(data, carry, on_pts):
    """Calls on_pts(pts) for each video PES start in `carry + data`; returns the new carry."""
    data = carry + data
    whole = len(data) // 188 * 188
    for at in range(0, whole, 188):
        if data[at] != 0x47 or not data[at + 1] & 0x40:
            continue
        start = at + 4 + (1 + data[at + 4] if data[at + 3] & 0x20 else 0)
        h = data[start:start + 14]
        if len(h) == 14 and h[0:3] == b"\0\0\1" and h[3] == 0xE0 and h[7] & 0x80:
            on_pts(((h[9] >> 1) & 7) << 30 | h[10] << 22 | (h[11] >> 1) << 15 | h[12] << 7 | h[13] >> 1)
    return data[whole:]


class Stamps:
    """Reads MPEG-TS from a pipe and notes when each video PES (its PTS) came through."""

    def __init__(self, pipe):
        self.times = {}
        self.pipe = pipe
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        carry = b""
        while chunk := self.pipe.read1(65536):
            now = time.monotonic()
            carry = video_pes(chunk, carry, lambda pts: self.times.setdefault(pts, now))


class Run:
    """One relayd with its publishers and readers, recording on or off."""

    def __init__(self, record, work):
        self.work = tempfile.mkdtemp(dir=work)
        self.srt, self.http = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_STREAM)
        flag = "true" if record else "false"
        sources = "".join(f"  - {{id: {id}, kind: {kind}, record: {flag}}}\n" for id, kind in SOURCES)
        config = (f"srt:\n  listen: 127.0.0.1:{self.srt}\nhttp:\n  listen: 127.0.0.1:{self.http}\nsources:\n{sources}"
                  f"program:\n  record: {flag}\nrecording:\n  min_free_mb: 0\n")
        open(os.path.join(self.work, "relayd.yaml"), "w").write(config)
        self.children = []
        self.relayd = self.start([BINARY, "serve", "--config", os.path.join(self.work, "relayd.yaml"),
                                  "--data-dir", os.path.join(self.work, "data"), "--audit-key", os.path.join(self.work, "keys", "audit.key")],
                                 stderr=open(os.path.join(self.work, "relayd.log"), "wb"))
        wait("relayd ready", lambda: get(self.http, "/healthz") is not None)
        url = lambda resource, mode: f"srt://127.0.0.1:{self.srt}?streamid=#!::r={resource},m={mode}"
        publish = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", CLIP]
        heli = self.start(publish + ["-map", "0", "-c", "copy", "-f", "mpegts", url("heli-1", "publish"),
                                     "-map", "0", "-c", "copy", "-flush_packets", "1", "-f", "mpegts", "pipe:1"], stdout=subprocess.PIPE)
        self.sent = Stamps(heli.stdout)
        for id, _ in SOURCES[1:]:
            self.start(publish + ["-c", "copy", "-f", "mpegts", url(id, "publish")])
        wait("three sources live", lambda: all(s.get("state") == "live" for s in json.loads(get(self.http, "/api/sources"))))
        reader = self.start(["srt-live-transmit", "-q", url("heli-1", "request"), "file://con"], stdout=subprocess.PIPE)
        self.received = Stamps(reader.stdout)
        self.start(["srt-live-transmit", "-q", url("program", "request"), "file://con"])
        wait("a source on the program", lambda: json.loads(get(self.http, "/api/program")).get("on_air") in dict(SOURCES))
        wait("the heli-1 reader receiving", lambda: len(self.received.times) > 30)

    def start(self, args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        self.children.append(child)
        return child

    def measure(self):
        time.sleep(WARMUP)
        pid = self.relayd.pid
        began, cpu0, recorder0 = time.monotonic(), cpu_seconds(pid), thread_cpu(pid, "recorder")
        time.sleep(SECONDS)
        ended, cpu1, recorder1 = time.monotonic(), cpu_seconds(pid), thread_cpu(pid, "recorder")
        wall = ended - began
        delays = sorted((self.received.times[pts] - sent) * 1000 for pts, sent in list(self.sent.times.items())
                        if began <= sent <= ended - 1 and pts in self.received.times)
        metrics = get(self.http, "/metrics").decode()
        recorded = sum(float(v) for v in re.findall(r"^relay_recording_bytes_total\{[^}]*\} (\S+)", metrics, re.M))
        dropped = sum(float(v) for v in re.findall(r"^relay_recording_dropped_bytes_total\{[^}]*\} (\S+)", metrics, re.M))
        missing = sum(1 for pts, sent in list(self.sent.times.items()) if began <= sent <= ended - 1 and pts not in self.received.times)
        return {"cpu": (cpu1 - cpu0) / wall, "recorder": (recorder1 - recorder0) / wall, "delays": delays, "missing": missing,
                "recorded_mb": recorded / 1e6, "dropped_mb": dropped / 1e6}

    def stop(self):
        for child in reversed(self.children):
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        shutil.rmtree(self.work, ignore_errors=True)


def export_speed(work):
    data, key = os.path.join(work, "export-data"), os.path.join(work, "export-keys", "audit.key")
    long = os.path.join(work, "ten-minutes.ts")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-stream_loop", "59", "-i", CLIP, "-map", "0", "-c", "copy",
                    "-f", "mpegts", long], check=True)
    filled = subprocess.run([sys.executable, "scripts/recording-fill.py", "--from-ts", long, data, key, "heli-1", "10"],
                            check=True, capture_output=True, text=True).stdout.strip()
    os.remove(long)
    verify = subprocess.run([BINARY, "recording", "verify", "--data-dir", data, "--audit-key", key], capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    out = os.path.join(work, "clip.mp4")
    runs = []
    for _ in range(EXPORTS):
        before, began = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        result = subprocess.run([BINARY, "recording", "export", "--data-dir", data, "--audit-key", key, "--resource", "heli-1",
                                 "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-01T00:10:00Z", "--out", out, "--force"],
                                capture_output=True, text=True)
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert result.returncode == 0, result.stdout + result.stderr
        runs.append((wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
    duration = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out],
                                    capture_output=True, text=True, check=True).stdout)
    segments = sum(1 for _, _, files in os.walk(os.path.join(data, "recordings")) for name in files if name.endswith(".ts"))
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(os.path.join(data, "recordings")) for f in files if f.endswith(".ts"))
    return {"runs": runs, "duration": duration, "clip_mb": os.path.getsize(out) / 1e6, "segments": segments, "recording_mb": size / 1e6,
            "fill": filled, "verify": verify.stdout.strip().splitlines()[0]}


def percentile(values, fraction):
    return values[min(len(values) - 1, int(fraction * len(values)))] if values else float("nan")


def machine():
    cpu = re.search(r"Model name:\s*(.*)", subprocess.run(["lscpu"], capture_output=True, text=True).stdout)
    pretty = next(line.split("=", 1)[1].strip().strip('"') for line in open("/etc/os-release") if line.startswith("PRETTY_NAME"))
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return f"{os.cpu_count()} cores, {cpu.group(1).strip() if cpu else 'unknown CPU'}, {pretty}, {swift[0] if swift else 'swift ?'}"


def main():
    make_clip()
    load_before = os.environ.get("LOAD_BEFORE") or " ".join(open("/proc/loadavg").read().split()[:3])
    work = tempfile.mkdtemp(prefix="bench-recording-cost-")
    results = {False: [], True: []}
    try:
        for round in range(ROUNDS):
            for record in (False, True) if round % 2 == 0 else (True, False):
                log(f"round {round + 1}: recording {'on' if record else 'off'}")
                run = Run(record, work)
                try:
                    results[record].append(run.measure())
                finally:
                    run.stop()
                log(f"  cpu {results[record][-1]['cpu']:.3f} s/s, recorder {results[record][-1]['recorder']:.3f} s/s, "
                    f"median delay {statistics.median(results[record][-1]['delays'] or [float('nan')]):.0f} ms")
        log("export of 10 minutes")
        export = export_speed(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = " ".join(open("/proc/loadavg").read().split()[:3])
    commit = os.environ.get("COMMIT") or subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()

    def cpu(record):
        return statistics.mean(r["cpu"] for r in results[record])

    def delays(record):
        return sorted(d for r in results[record] for d in r["delays"])

    cost = (cpu(True) - cpu(False)) * 100
    rows = []
    for record in (False, True):
        d = delays(record)
        runs = ", ".join(f"{r['cpu']:.3f}" for r in results[record])
        each = lambda f: ", ".join(f"{f(sorted(r['delays'])):.0f}" for r in results[record] if r["delays"])
        rows.append(f"| {'on' if record else 'off'} | {runs} | {cpu(record):.3f} | {statistics.mean(r['recorder'] for r in results[record]):.3f} | "
                    f"{statistics.median(d) if d else float('nan'):.0f} | {percentile(d, 0.95):.0f} ({each(lambda v: percentile(v, 0.95))}) | "
                    f"{max(d) if d else float('nan'):.0f} ({each(max)}) | "
                    f"{len(d)} / {sum(r['missing'] for r in results[record])} | "
                    f"{sum(r['recorded_mb'] for r in results[record]):.0f} / {sum(r['dropped_mb'] for r in results[record]):.1f} |")
    walls = sorted(w for w, _ in export["runs"])
    cpus = sorted(c for _, c in export["runs"])
    lines = [
        "## Recording cost", "",
        f"Measured {time.strftime('%Y-%m-%dT%H:%MZ', time.gmtime())} at `{commit}` by "
        f"`BENCH_SECONDS={SECONDS:g} BENCH_ROUNDS={ROUNDS} BENCH_EXPORTS={EXPORTS} scripts/bench-recording cost` (release build). "
        f"Machine: {machine()}. Load average before {load_before}, after {load_after}.", "",
        f"Load: heli-1, drone-1 and mobile-1 each published by `ffmpeg -re -stream_loop -1 -i CLIP -c copy -f mpegts srt://...` "
        f"(CLIP: 10 s of 1080p29.97 H.264 at 4 Mbit/s CBR, GOP 30, no B-frames, AAC 128k: the program profile, so the program "
        f"passes the first live source through), one `srt-live-transmit` reader of heli-1 and one of the program. Recording on: `record: true` on "
        f"the three sources and the program (four resources, 10 s segments); off: `record: false` on all four. {ROUNDS} rounds, "
        f"on and off alternating; each {SECONDS:g} s measured after {WARMUP:g} s.", "",
        "| recording | relayd CPU s per s, each run | mean | of which the recorder thread | reader delay p50 ms | p95 ms (each run) | max ms (each run) | "
        "pictures timed / not received | MB recorded / dropped |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows, "",
        f"**Cost of recording: {cost:+.1f} % of a core** (mean on - mean off; target <= 3 %). Reader delay: each video PES of heli-1 "
        "from leaving its ffmpeg publisher (a second output of the same muxing loop, written to a pipe) to reaching the "
        "srt-live-transmit reader of heli-1, through relayd; SRT's default 120 ms latency on both legs is most of it.", "",
        f"Clip export: {export['segments']} segments, {export['recording_mb']:.0f} MB (10 minutes of CLIP at 4 Mbit/s, "
        f"`ffmpeg -stream_loop 59 -c copy`, cut at keyframes every 10 s into relayd's layout by "
        f"`scripts/recording-fill.py --from-ts`; verify: \"{export['verify']}\"), then `relayd recording export --resource heli-1 "
        f"--from 2026-01-01T00:00:00Z --to 2026-01-01T00:10:00Z --out clip.mp4 --force`, {EXPORTS} times: "
        f"**best {walls[0]:.2f} s, median {walls[len(walls) // 2]:.2f} s wall** (CPU {cpus[0]:.2f} to {cpus[-1]:.2f} s; target <= 3 s); "
        f"the MP4 is {export['duration']:.1f} s long, {export['clip_mb']:.0f} MB. The segments were in the page cache.", "",
        *([os.environ["BENCH_NOTE"], ""] if os.environ.get("BENCH_NOTE") else [])]
    section = "\n".join(lines)
    print(section)
    if WRITE:
        path = "docs/BENCHMARKS.md"
        text = open(path).read()
        pattern = re.compile(r"^## Recording cost\n.*?(?=^## |\Z)", re.S | re.M)
        text = pattern.sub(lambda _: section + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
        open(path, "w").write(text)


if __name__ == "__main__":
    main()
