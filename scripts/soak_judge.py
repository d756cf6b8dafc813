"""What scripts/soak measures and how it judges it: relayd's process figures from /proc, the
program recording's timeline (video PTS gaps), the per-minute table and the verdict.
Standard library only; the decisions (slope, flatness, verdict) are pure functions."""
import collections, os

HZ = os.sysconf("SC_CLK_TCK")
TS = 188
PTS_WRAP = 1 << 33
# PES order is decode order: with B-frames a picture's PTS can come up to this many pictures
# after a later one's, so the newest ones wait before they are put in order.
REORDER_DEPTH = 32
# A step between two pictures longer than this many frame durations is a gap (one missing
# picture makes a step of 2 frames).
GAP_FRAMES = 1.5


def process_sample(pid):
    """relayd's RSS (KiB), open files, threads and CPU seconds (user + system), from /proc."""
    status = {}
    for line in open(f"/proc/{pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "Threads"):
            status[key] = int(value.split()[0])
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return {"rss_kib": status["VmRSS"], "anon_kib": status.get("RssAnon", 0), "threads": status["Threads"],
            "files": len(os.listdir(f"/proc/{pid}/fd")), "cpu": (int(fields[11]) + int(fields[12])) / HZ}


class ProgramTimeline:
    """Reads a growing MPEG-TS recording of the program and follows its video timeline: every
    video PES start gives a picture's PTS; put in presentation order, consecutive pictures must be
    one frame apart. `advance()` reads what was appended since the last call."""

    def __init__(self, path):
        self.path, self.offset = path, 0
        self.last_raw = None      # the previous PTS as sent (33 bits), for unwrapping
        self.unwrapped = 0
        self.pending = []         # unwrapped PTS not yet put in order
        self.first = None         # the first PTS put in order
        self.previous = None      # the last PTS put in order
        self.frame_ticks = None   # the commonest step so far: the profile's frame duration
        self.steps = collections.deque(maxlen=3000)  # recent steps between pictures, 90 kHz ticks
        self.step_count = 0
        self.pictures = 0
        self.gaps = []            # (seconds into the recording, step in frames, where)
        self.reordered = None     # whether the last picture put in order came with its own DTS
        self.backsteps = 0        # a picture at or before the one shown before it

    def advance(self, final=False):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        whole = len(data) // TS * TS
        self.offset += whole
        for at in range(0, whole, TS):
            found = video_pes_pts(data, at)
            if found is not None:
                self.add(*found)
        self.settle(keep=0 if final else REORDER_DEPTH)

    def add(self, raw, reordered=False):
        """One picture in decode order; `reordered`: it carries a DTS of its own (a B-frame
        stream: the program passing a source through; the program's encoder makes none)."""
        if self.last_raw is not None:
            step = (raw - self.last_raw) % PTS_WRAP
            self.unwrapped += step - PTS_WRAP if step > PTS_WRAP // 2 else step
        self.last_raw = raw
        self.pending.append((self.unwrapped, reordered))

    def settle(self, keep):
        self.pending.sort()
        ready, self.pending = self.pending[:len(self.pending) - keep], self.pending[len(self.pending) - keep:]
        for pts, reordered in ready:
            self.pictures += 1
            if self.previous is None:
                self.first = pts
            else:
                step = pts - self.previous
                if step <= 0:
                    self.backsteps += 1
                else:
                    self.steps.append(step)
                    self.step_count += 1
                    frame = self.frame()
                    if frame and step > GAP_FRAMES * frame:
                        where = PLACES[(bool(self.reordered), reordered)]
                        frames = step / frame
                        if where == "in passthrough" and frames < 2.5 and abs(frames - round(frames)) > 0.05:
                            # Off the frame grid inside one passed-through segment and under
                            # one picture missing: the source's own timeline (ffmpeg's
                            # -stream_loop seam, 2.3 frames in the sample clips), forwarded as sent.
                            where = SOURCE_SEAM
                        self.gaps.append(((pts - self.first) / 90_000, step / frame, where))
            self.previous, self.reordered = pts, reordered

    def frame(self):
        """The frame duration in ticks once 30 steps are known, re-counted every 300 steps."""
        if self.step_count == 30 or (self.step_count > 30 and self.step_count % 300 == 0):
            self.frame_ticks = collections.Counter(self.steps).most_common(1)[0][0]
        return self.frame_ticks

    def program_gaps(self):
        """The gaps relayd made: all but those of a source's own timeline passed through."""
        return [g for g in self.gaps if g[2] != SOURCE_SEAM]

    def seconds(self):
        """Program time covered so far (first to last picture in order)."""
        return (self.previous - self.first) / 90_000 if self.previous is not None else 0.0


SOURCE_SEAM = "the source's own, passed through"
PLACES = {(False, True): "into passthrough", (True, True): "in passthrough", (True, False): "out of passthrough",
          (False, False): "encoded"}


def video_pes_pts(data, at):
    """(PTS, whether a DTS is there too) of a video PES that starts in the TS packet at `at`, else None."""
    if data[at] != 0x47 or not data[at + 1] & 0x40:
        return None
    adaptation = data[at + 3] & 0x20
    start = at + 4 + (1 + data[at + 4] if adaptation else 0)
    h = data[start:min(start + 14, at + TS)]
    if len(h) < 14 or h[0:3] != b"\0\0\1" or h[3] & 0xF0 != 0xE0 or not h[7] & 0x80:
        return None
    return ((h[9] >> 1) & 7) << 30 | h[10] << 22 | (h[11] >> 1) << 15 | h[12] << 7 | h[13] >> 1, bool(h[7] & 0x40)


def slope_per_hour(points):
    """Least-squares slope of (seconds, value) or (seconds, value, state) points per hour and its
    standard error (how far the sampling noise alone could move it); None with too few points.
    Points that name a state get an intercept per state and share one slope: the program's
    memory depends on what it is doing (passing a source through, converting one, drawing a
    caption), and samples that happen to fall in one state more often late in the run must not
    read as growth."""
    groups = {}
    for point in points:
        t, v, state = point if len(point) == 3 else (*point, None)
        groups.setdefault(state, []).append((t, v))
    # Each point as its distance from its state's mean time and value.
    centred = []
    for group in groups.values():
        mean_t = sum(t for t, _ in group) / len(group)
        mean_v = sum(v for _, v in group) / len(group)
        centred += [(t - mean_t, v - mean_v) for t, v in group]
    spread = sum(t * t for t, _ in centred)
    freedom = len(points) - len(groups) - 1
    if freedom < 1 or spread == 0:
        return None
    slope = sum(t * v for t, v in centred) / spread
    residual = sum((v - slope * t) ** 2 for t, v in centred)
    return slope * 3600, (residual / freedom / spread) ** 0.5 * 3600


# Where relayd's memory is, from its /metrics: (sample key, metric line prefix, label in the summary).
MEMORY_PARTS = [
    ("allocated_kib", 'relay_allocator_bytes{kind="allocated"} ', "in use (jemalloc allocated)"),
    ("resident_kib", 'relay_allocator_bytes{kind="resident"} ', "jemalloc resident"),
    ("pictures_kib", "relay_picture_memory_bytes ", "decoded pictures"),
]


def memory_breakdown(metrics):
    """The MEMORY_PARTS found in a /metrics text, in KiB (missing ones left out)."""
    found = {}
    for line in metrics.splitlines():
        for key, prefix, _ in MEMORY_PARTS:
            if line.startswith(prefix):
                found[key] = float(line[len(prefix):]) / 1024
    return found


def memory_breakdown_line(state_samples, warmup_seconds):
    """The slope of each part of relayd's memory over the judged samples (as RSS is fitted, one
    intercept per program state), so a failed RSS verdict says where the growth is. Not judged."""
    judged = [s for s in state_samples if s["t"] >= warmup_seconds]
    parts = []
    for key, _, label in MEMORY_PARTS:
        fit = slope_per_hour([(s["t"], s[key] / 1024, s["state"]) for s in judged if key in s])
        if fit:
            parts.append(f"{label} {fit[0]:+.2f} ± {2 * fit[1]:.2f}")
    fit = slope_per_hour([(s["t"], (s["rss_kib"] - s["resident_kib"] - s["pictures_kib"]) / 1024, s["state"])
                          for s in judged if "resident_kib" in s and "pictures_kib" in s])
    if fit:
        parts.append(f"outside both (RSS less jemalloc resident and pictures: code, stacks, other mappings) {fit[0]:+.2f} ± {2 * fit[1]:.2f}")
    return "memory slopes, MiB/h (not judged): " + ("; ".join(parts) if parts else "no /metrics figures")


def growth(values):
    """How much the later half of a series rose above the earlier half (the highest of each):
    a leak raises every later peak; a reader or publisher that comes and goes raises one sample."""
    if len(values) < 2:
        return 0
    half = len(values) // 2
    return max(values[half:]) - max(values[:half])


def verdict(samples, warmup_seconds, rss_judged, checks, state_samples=None):
    """Judges samples taken after the warm-up. `samples`: dicts with t (seconds since the start),
    rss_kib, files, threads. `state_samples`: dicts with t, rss_kib and the program's state
    when taken (each just before a cut, the state settled); RSS growth is judged on them when
    given, else on `samples`. `checks`: other (name, failed, figure) findings. Returns (passed,
    lines)."""
    judged = [s for s in samples if s["t"] >= warmup_seconds]
    rss_points = ([(s["t"], s["rss_kib"] / 1024, s["state"]) for s in state_samples if s["t"] >= warmup_seconds]
                  if state_samples else [(s["t"], s["rss_kib"] / 1024) for s in judged])
    fit = slope_per_hour(rss_points)
    files = growth([s["files"] for s in judged])
    threads = growth([s["threads"] for s in judged])
    results = []
    if fit is None:
        results.append(("RSS growth", False, "too few samples after the warm-up to judge"))
    else:
        rss, error = fit
        states = len({p[2] for p in rss_points}) if state_samples else 0
        figure = (f"{rss:+.2f} MiB/h ± {2 * error:.2f} (two standard errors) over {len(rss_points)} samples"
                  + (f" in {states} program states" if states else ""))
        target = LIMITS["rss_mib_per_hour"]
        if rss_judged:
            # A failure needs growth above the target that the sampling noise cannot explain;
            # a short run may not resolve the target either way, and says so.
            leak = rss >= target and rss - 2 * error > 0
            resolved = "" if leak or rss + 2 * error < target else "; the noise is wider than the target: a longer run resolves it"
            results.append(("RSS growth", leak, f"{figure} (target < {target}{resolved})"))
        else:
            results.append(("RSS growth", False, f"{figure}, not judged: the run is too short for a slope to mean anything"))
    results.append(("open files flat", files > LIMITS["files"], f"{files:+d} (bound {LIMITS['files']})"))
    results.append(("threads flat", threads > LIMITS["threads"], f"{threads:+d} (bound {LIMITS['threads']})"))
    results += checks
    lines = [f"{'FAIL' if failed else 'ok  '} {name}: {figure}" for name, failed, figure in results]
    return not any(failed for _, failed, _ in results), lines


LIMITS = {"rss_mib_per_hour": 2.0, "files": 4, "threads": 3}


def table(rows):
    """The per-minute table (markdown)."""
    head = ("| minute | RSS MiB | anon MiB | open files | threads | CPU s | CPU % | readers | joins | cuts | captions | "
            "reconnects | program s | pace % | gaps | CC breaks | load 1 min |\n" + "|---" * 17 + "|")
    return "\n".join([head] + [table_row(r) for r in rows])


def table_row(r):
    pace = "—" if r["pace"] is None else f"{r['pace']:.0f}"
    return (f"| {r['minute']} | {r['rss_kib'] / 1024:.1f} | {r['anon_kib'] / 1024:.1f} | {r['files']} | {r['threads']} | "
            f"{r['cpu']:.1f} | {r['cpu_percent']:.0f} | {r['readers']} | {r['joins']} | {r['cuts']} | {r['captions']} | "
            f"{r['reconnects']} | {r['program_seconds']:.1f} | {pace} | {r['gaps']} | {r['cc']} | {r['load']} |")
