#!/usr/bin/env python3
"""Writes a recording of one resource in the format relayd writes (segments under
recordings/<resource>/<UTC date>/, a canonical JSON-lines manifest chained by SHA-256, and a
head signed with the audit key), for benchmarks that need gigabytes of recording without hours
of publishing. The segments' bytes repeat a sample clip; `relayd recording verify` accepts the result.

usage: recording-fill.py DATA_DIR KEY_FILE RESOURCE MEGABYTES [SEGMENT_MB] [CLIP]
       recording-fill.py --from-ts STREAM DATA_DIR KEY_FILE RESOURCE [SEGMENT_S]
The key file (32 raw bytes, relayd's format) is created if missing.

The first form repeats CLIP's bytes (its timestamps jump back at each repeat, and the entries'
PTS are made up): enough for hashing, not for cutting clips. The second cuts STREAM (a
continuous MPEG-TS, e.g. a clip looped with `ffmpeg -stream_loop N -c copy`) at the first
keyframe after each SEGMENT_S seconds (default 10) with ffmpeg's segment muxer, as relayd cuts
(each segment opens with the tables, then a keyframe), and enters each segment's real first and
last video PTS, its start and end on the stream's clock from 2026-01-01T00:00Z: a recording
`relayd recording export` can cut from.
"""
import base64
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization


def canonical(value):
    # relayd's encoder: sorted keys, no spaces, "/" not escaped.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def load_key(key_file):
    if not os.path.exists(key_file):
        os.makedirs(os.path.dirname(os.path.abspath(key_file)), exist_ok=True)
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
            out.write(os.urandom(32))
    with open(key_file, "rb") as source:
        return Ed25519PrivateKey.from_private_bytes(source.read())


def write_recording(data_dir, key, resource, segments):
    """Writes `segments` (bytes, first PTS, last PTS, start, end) with their manifest and signed head."""
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    directory = os.path.join(data_dir, "recordings", resource)
    os.makedirs(directory, exist_ok=True)
    prev, seq, written = "", 0, 0
    with open(os.path.join(directory, "manifest.jsonl"), "wb") as manifest:
        for data, first_pts, last_pts, moment, end in segments:
            seq += 1
            name = f"{moment:%Y-%m-%d}/{moment:%H%M%S}.{moment.microsecond // 1000:03d}Z-{seq:06d}.ts"
            os.makedirs(os.path.join(directory, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(directory, name), "wb") as out:
                out.write(data)
            content = {"seq": seq, "kind": "segment", "resource": resource, "file": name, "size": len(data),
                       "sha256": hashlib.sha256(data).hexdigest(), "first_pts": first_pts, "last_pts": last_pts,
                       "start": stamp(moment), "end": stamp(end), "prev": prev}
            content["hash"] = hashlib.sha256(canonical(content)).hexdigest()
            manifest.write(canonical(content) + b"\n")
            prev, written = content["hash"], written + len(data)
    signature = key.sign(f"recording-head:{resource}:{seq}:{prev}".encode())
    head = {"resource": resource, "seq": seq, "hash": prev, "signature": base64.b64encode(signature).decode(), "public_key": public}
    open(os.path.join(directory, "manifest.head"), "wb").write(canonical(head))
    print(f"{seq} segments, {written} bytes")


def repeated_clip(megabytes, segment_mb, clip):
    sample = open(clip, "rb").read()
    size = int(segment_mb * 1e6) // 188 * 188
    body = (sample * (size // len(sample) + 1))[:size]
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    seq, written = 0, 0
    while written < megabytes * 1e6:
        seq += 1
        # Each segment differs (its sequence number in the last packet), as real ones do.
        data = body[:-188] + seq.to_bytes(8, "big") * 23 + b"\x47\x1f\xff\x10"
        end = moment + datetime.timedelta(seconds=10)
        yield data, seq * 900000, seq * 900000 + 897000, moment, end
        moment, written = end, written + len(data)


def video_pts(data):
    """The PTS of every video PES in `data`, in stream order (as relayd's VideoPTSScanner reads them)."""
    found = []
    for at in range(0, len(data) - 187, 188):
        p = data[at:at + 188]
        if p[0] != 0x47 or not p[1] & 0x40 or not p[3] & 0x10:
            continue
        start = 4 + (1 + p[4] if p[3] & 0x20 else 0)
        h = p[start:start + 14]
        if len(h) == 14 and h[0:3] == b"\0\0\1" and 0xE0 <= h[3] <= 0xEF and h[7] & 0x80:
            found.append(((h[9] >> 1) & 7) << 30 | h[10] << 22 | (h[11] >> 1) << 15 | h[12] << 7 | h[13] >> 1)
    return found


def cut_stream(stream, segment_seconds):
    scratch = tempfile.mkdtemp(prefix="recording-fill-")
    try:
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", stream, "-map", "0", "-c", "copy",
                        "-f", "segment", "-segment_time", str(segment_seconds), "-segment_format", "mpegts",
                        os.path.join(scratch, "%06d.ts")], check=True)
        names = sorted(os.listdir(scratch))
        parts = [open(os.path.join(scratch, name), "rb").read() for name in names]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    origin = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    timestamps = [video_pts(data) for data in parts]
    base = timestamps[0][0]
    starts = [origin + datetime.timedelta(seconds=(pts[0] - base) / 90000) for pts in timestamps]
    for index, (data, pts) in enumerate(zip(parts, timestamps)):
        end = starts[index + 1] if index + 1 < len(parts) else origin + datetime.timedelta(seconds=(max(pts) - base + 3003) / 90000)
        yield data, pts[0], pts[-1], starts[index], end


def main():
    if sys.argv[1] == "--from-ts":
        stream, data_dir, key_file, resource = sys.argv[2:6]
        segment_seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 10
        write_recording(data_dir, load_key(key_file), resource, cut_stream(stream, segment_seconds))
        return
    data_dir, key_file, resource, megabytes = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    segment_mb = float(sys.argv[5]) if len(sys.argv) > 5 else 5
    clip = sys.argv[6] if len(sys.argv) > 6 else "Media/heli-1.ts"
    write_recording(data_dir, load_key(key_file), resource, repeated_clip(megabytes, segment_mb, clip))


if __name__ == "__main__":
    main()
