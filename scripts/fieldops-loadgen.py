#!/usr/bin/env python3
"""Fixed-rate (open-loop) HTTP load generator for the FieldOps benchmark.

wrk is closed-loop: each connection waits for its answer before sending again, so a slow
response delays the requests behind it and they are never counted as slow (coordinated
omission). wrk2 fixes that but is not packaged in Debian. This script sends requests on a
fixed schedule (request i is due at start + i/rate) over a pool of keep-alive connections
and measures each latency from the moment the request was *due*, so queueing behind a slow
answer counts against the server, as wrk2 does.

Usage: fieldops-loadgen.py --port P --rate 500 --seconds 20 --method GET --path /api/... [--body JSON]
Prints one JSON line: requests, errors, achieved rate, p50/p90/p99/p99.9/max in ms.
"""
import argparse
import asyncio
import json
import time


async def open_connection(port):
    return await asyncio.open_connection("127.0.0.1", port)


async def exchange(connection, request):
    reader, writer = connection
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


def build_request(method, path, body, sequence):
    # {seq} in the body makes every write distinct (a different level each time).
    payload = body.replace("{seq}", str(sequence % 1000)).encode() if body else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "X-Actor: bench", "Connection: keep-alive"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, int(round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


async def run(args):
    pool = asyncio.Queue()
    for _ in range(args.connections):
        pool.put_nowait(await open_connection(args.port))
    total = int(args.rate * args.seconds)
    latencies = []
    errors = 0

    async def one(sequence, due):
        nonlocal errors
        connection = await pool.get()  # waiting for a free connection counts as latency
        try:
            status = await exchange(connection, build_request(args.method, args.path, args.body, sequence))
            if status >= 400:
                errors += 1
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            connection = await open_connection(args.port)
        finally:
            pool.put_nowait(connection)
        latencies.append(time.perf_counter() - due)

    start = time.perf_counter() + 0.05
    tasks = []
    for sequence in range(total):
        due = start + sequence / args.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(sequence, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    milliseconds = lambda value: round(value * 1000, 2)
    print(json.dumps({
        "requests": total, "errors": errors, "rate": round(total / elapsed, 1),
        "p50_ms": milliseconds(percentile(ordered, 0.50)), "p90_ms": milliseconds(percentile(ordered, 0.90)),
        "p99_ms": milliseconds(percentile(ordered, 0.99)), "p999_ms": milliseconds(percentile(ordered, 0.999)),
        "max_ms": milliseconds(ordered[-1]),
    }))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", required=True)
    parser.add_argument("--body")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
