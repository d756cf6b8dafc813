#!/usr/bin/env python3
"""How soon one relayd's event stream shows a write made through another relayd on the same
FieldOps PostgreSQL (LISTEN/NOTIFY), for scripts/bench-fieldops.

Opens GET /api/fieldops/events on the reading relayd, then logs COUNT tank readings one after
another through the writing relayd. Each latency runs from the moment the POST is sent to the
moment the reading relayd's stream announces a revision it had not announced before: the
write's own commit is included, so this is what a coordinator watching the other control room
waits for. The next write is sent only once the previous one was seen, so each change event
belongs to exactly one write. Bounded: a write not seen within --timeout seconds fails the run.

Usage: fieldops-notify-latency.py --write-port A --events-port B --path /api/fieldops/generators/2/readings [--count 100]
Prints one JSON line: writes, p50/p99/max in ms (and the POST's own p50/p99 for comparison).
"""
import argparse
import http.client
import json
import queue
import threading
import time


def follow_events(port, events, ready):
    """Puts (arrival time, revision) for every revision event of the stream into `events`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/api/fieldops/events", headers={"Accept": "text/event-stream"})
    response = connection.getresponse()
    if response.status != 200:
        raise SystemExit(f"events stream answered {response.status}")
    while True:
        line = response.readline()
        if not line:
            return
        line = line.decode().strip()
        if line.startswith("data:"):
            revision = json.loads(line[5:])["revision"]
            events.put((time.perf_counter(), revision))
            ready.set()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--write-port", type=int, required=True)
    parser.add_argument("--events-port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    events = queue.Queue()
    ready = threading.Event()
    threading.Thread(target=follow_events, args=(args.events_port, events, ready), daemon=True).start()
    if not ready.wait(args.timeout):
        raise SystemExit("the events stream sent no revision")
    _, seen = events.get()

    writer = http.client.HTTPConnection("127.0.0.1", args.write_port, timeout=args.timeout)
    latencies, posts = [], []
    for sequence in range(args.count):
        body = json.dumps({"litres": 500 + sequence % 1000, "load_percent": 60, "source": "sensor"})
        sent = time.perf_counter()
        writer.request("POST", args.path, body=body, headers={"Content-Type": "application/json", "X-Actor": "bench-notify"})
        response = writer.getresponse()
        response.read()
        answered = time.perf_counter()
        if response.status != 201 and response.status != 200:
            raise SystemExit(f"write {sequence} answered {response.status}")
        while True:
            try:
                arrived, revision = events.get(timeout=max(0.0, sent + args.timeout - time.perf_counter()))
            except queue.Empty:
                raise SystemExit(f"write {sequence} not seen on the other relayd within {args.timeout} s")
            if revision > seen:
                seen = revision
                break
        latencies.append((arrived - sent) * 1000)
        posts.append((answered - sent) * 1000)

    print(json.dumps({
        "writes": len(latencies),
        "p50_ms": round(percentile(latencies, 0.5), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "max_ms": round(max(latencies), 2),
        "post_p50_ms": round(percentile(posts, 0.5), 2),
        "post_p99_ms": round(percentile(posts, 0.99), 2),
    }))


if __name__ == "__main__":
    main()
