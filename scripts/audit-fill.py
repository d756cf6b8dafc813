#!/usr/bin/env python3
"""Writes a signed, hash-chained audit log of COUNT entries in the format relayd writes
(canonical JSON lines, Ed25519 signatures, a signed head), for benchmarks that need a large
log without a year of operator actions. `relayd audit verify` accepts the result.

usage: audit-fill.py DATA_DIR KEY_FILE COUNT
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
    # relayd's encoder: sorted keys, no spaces, non-ASCII as is, "/" not escaped.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def main():
    data_dir, key_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(data_dir, exist_ok=True)
    if not os.path.exists(key_file):
        os.makedirs(os.path.dirname(os.path.abspath(key_file)), exist_ok=True)
        seed = os.urandom(32)
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
            out.write(seed)
    with open(key_file, "rb") as source:
        key = Ed25519PrivateKey.from_private_bytes(source.read())
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    actions = [("sato", "program.cut", {"from": "heli-1", "to": "drone-1", "result": "cut"}),
               ("sato", "program.caption.on", {"text": "速報 現場上空から中継"}),
               ("relayd", "program.failover", {"from": "drone-1", "to": "slate", "reason": "silent 1 s"}),
               ("mori", "control_room.preview", {"from": "heli-1", "to": "mobile-1"})]
    previous = ""
    with open(os.path.join(data_dir, "audit.jsonl"), "wb", buffering=1 << 22) as log:
        for seq in range(1, count + 1):
            actor, action, details = actions[seq % len(actions)]
            time = (start + datetime.timedelta(seconds=seq * 30)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            content = {"seq": seq, "time": time, "actor": actor, "action": action, "details": details, "prev": previous}
            digest = hashlib.sha256(canonical(content)).hexdigest()
            signature = base64.b64encode(key.sign(digest.encode())).decode()
            entry = dict(content, hash=digest, signature=signature)
            log.write(canonical(entry) + b"\n")
            previous = digest
    head_signature = base64.b64encode(key.sign(f"audit-head:{count}:{previous}".encode())).decode()
    with open(os.path.join(data_dir, "audit.head"), "wb") as head:
        head.write(canonical({"seq": count, "hash": previous, "signature": head_signature, "public_key": public}))


if __name__ == "__main__":
    main()
