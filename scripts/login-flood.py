#!/usr/bin/env python3
"""Load for scripts/bench-login-flood.

flood:   failed logins at a fixed rate (open loop), each on a new connection from one of
         ADDRESSES loopback source addresses (127.0.0.2 ...), with long made-up names and some
         aimed at a real account; prints the status counts as JSON.
measure: the control room's requests at a fixed rate over keep-alive connections (GET
         /api/control-room and POST /api/control-room/preview with a bearer token); latency
         is measured from when each request was due, so queueing counts (no coordinated
         omission); prints percentiles per request as JSON.
"""
import argparse
import asyncio
import collections
import json
import time


async def exchange(reader, writer, request):
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


def post(path, body, headers=""):
    data = body.encode()
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


async def flood(arguments):
    counts = collections.Counter()
    start = time.monotonic() + 0.2
    total = int(arguments.rate * arguments.seconds)

    async def one(index):
        await asyncio.sleep(max(0, start + index / arguments.rate - time.monotonic()))
        source = f"127.0.0.{2 + index % arguments.addresses}"
        name = arguments.account if index % 4 == 0 else f"mallory-{index}-" + "x" * arguments.name_length
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", arguments.port, local_addr=(source, 0))
            try:
                status = await exchange(reader, writer, post("/api/session", json.dumps({"name": name, "password": f"guess {index}"}), "Connection: close\r\n"))
            finally:
                writer.close()
            counts[status] += 1
        except Exception as error:  # a refused or reset connection is an outcome to report
            counts[type(error).__name__] += 1

    await asyncio.gather(*(one(index) for index in range(total)))
    elapsed = time.monotonic() - start
    print(json.dumps({"requests": total, "achieved_rate": round(total / elapsed, 1), "statuses": {str(k): v for k, v in counts.items()}}))


async def measure(arguments):
    requests = {
        "GET /api/control-room": f"GET /api/control-room HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {arguments.token}\r\n\r\n".encode(),
        "POST /api/control-room/preview": post("/api/control-room/preview", '{"source": "heli-1"}', f"Authorization: Bearer {arguments.token}\r\n"),
    }
    latencies = {name: [] for name in requests}
    errors = collections.Counter()
    start = time.monotonic() + 0.2
    per_kind = int(arguments.rate * arguments.seconds)
    queue = asyncio.Queue()
    for index in range(per_kind):
        for offset, name in enumerate(requests):
            queue.put_nowait((start + (index + offset / len(requests)) / arguments.rate, name))

    async def worker():
        reader, writer = await asyncio.open_connection("127.0.0.1", arguments.port)
        while not queue.empty():
            due, name = queue.get_nowait()
            await asyncio.sleep(max(0, due - time.monotonic()))
            status = await exchange(reader, writer, requests[name])
            latencies[name].append((time.monotonic() - due) * 1000)
            if status != 200:
                errors[f"{name} {status}"] += 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(arguments.connections)))
    result = {}
    for name, values in latencies.items():
        values.sort()
        pick = lambda q: round(values[min(len(values) - 1, int(q * len(values)))], 2)
        result[name] = {"requests": len(values), "p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99), "max": round(values[-1], 2)}
    print(json.dumps({"latency_ms": result, "errors": dict(errors)}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["flood", "measure"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="requests per second (measure: of each kind)")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--addresses", type=int, default=10)
    parser.add_argument("--account", default="sato")
    parser.add_argument("--name-length", type=int, default=1000)
    parser.add_argument("--token", default="")
    parser.add_argument("--connections", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(flood(arguments) if arguments.mode == "flood" else measure(arguments))


if __name__ == "__main__":
    main()
