#!/usr/bin/env python3
"""Writes a recording of one resource in the format relayd writes (segments under
recordings/<resource>/<UTC date>/, a canonical JSON-lines manifest chained by SHA-256, and a
head signed with the audit key), for benchmarks that need gigabytes of recording without hours
of publishing. The segments' bytes repeat a sample clip; `relayd recording verify` accepts the result.

usage: recording-fill.py DATA_DIR KEY_FILE RESOURCE MEGABYTES [SEGMENT_MB] [CLIP]
The key file (32 raw bytes, relayd's format) is created if missing.
"""
import base64
import datetime
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def canonical(value):
    # relayd's encoder: sorted keys, no spaces, "/" not escaped.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def main():
    data_dir, key_file, resource, megabytes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    segment_mb = float(sys.argv[5]) if len(sys.argv) > 5 else 5
    clip = sys.argv[6] if len(sys.argv) > 6 else "Media/heli-1.ts"
    if not os.path.exists(key_file):
        os.makedirs(os.path.dirname(os.path.abspath(key_file)), exist_ok=True)
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
            out.write(os.urandom(32))
    with open(key_file, "rb") as source:
        key = Ed25519PrivateKey.from_private_bytes(source.read())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    sample = open(clip, "rb").read()
    size = int(segment_mb * 1e6) // 188 * 188
    body = (sample * (size // len(sample) + 1))[:size]
    directory = os.path.join(data_dir, "recordings", resource)
    os.makedirs(directory, exist_ok=True)
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    prev, seq, written = "", 0, 0
    with open(os.path.join(directory, "manifest.jsonl"), "wb") as manifest:
        while written < megabytes * 1e6:
            seq += 1
            # Each segment differs (its sequence number in the last packet), as real ones do.
            data = body[:-188] + seq.to_bytes(8, "big") * 23 + b"\x47\x1f\xff\x10"
            end = moment + datetime.timedelta(seconds=10)
            name = f"{moment:%Y-%m-%d}/{moment:%H%M%S}.{moment.microsecond // 1000:03d}Z-{seq:06d}.ts"
            os.makedirs(os.path.join(directory, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(directory, name), "wb") as out:
                out.write(data)
            content = {"seq": seq, "kind": "segment", "resource": resource, "file": name, "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest(), "first_pts": seq * 900000, "last_pts": seq * 900000 + 897000,
                       "start": stamp(moment), "end": stamp(end), "prev": prev}
            content["hash"] = hashlib.sha256(canonical(content)).hexdigest()
            manifest.write(canonical(content) + b"\n")
            prev, moment, written = content["hash"], end, written + len(data)
    signature = key.sign(f"recording-head:{resource}:{seq}:{prev}".encode())
    head = {"resource": resource, "seq": seq, "hash": prev, "signature": base64.b64encode(signature).decode(), "public_key": public}
    open(os.path.join(directory, "manifest.head"), "wb").write(canonical(head))
    print(f"{seq} segments, {written} bytes")


if __name__ == "__main__":
    main()
