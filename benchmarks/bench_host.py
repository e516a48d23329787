"""Native host latency: process start to first ping reply, and a 20-name check with a warm cache.

    .venv/bin/python benchmarks/bench_host.py [--runs 20] [--online]

`--online` asks the registries about 20 well-known real names (the first pass warms the cache
and is not timed); the default is offline, name-only heuristics, with 4 typos among the 20.
Set SLOPSPOTTER_DATA_DIR to the popular lists (scripts/test.sh does). Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import subprocess
import sys
import time

REAL = ["requests", "numpy", "pandas", "boto3", "urllib3", "setuptools", "certifi", "idna",
        "charset-normalizer", "packaging", "six", "python-dateutil", "pyyaml", "typing-extensions",
        "botocore", "s3transfer"]
# Typos are only ever checked offline: guessed names are never looked up on a live registry.
OFFLINE_ONLY = ["reqeusts", "nunpy", "pandsa", "colourama"]
ONLINE_EXTRA = ["pip", "wheel", "attrs", "click"]


class Host:
    def __init__(self):
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "slopspotter_lab.host.native"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, msg: dict) -> dict:
        body = json.dumps(msg).encode()
        self.proc.stdin.write(struct.pack("=I", len(body)) + body)
        self.proc.stdin.flush()
        (n,) = struct.unpack("=I", self.proc.stdout.read(4))
        return json.loads(self.proc.stdout.read(n))

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--online", action="store_true")
    args = ap.parse_args()

    starts = []
    for _ in range(args.runs):
        h = Host()
        assert h.ask({"type": "ping"})["success"]
        starts.append((time.perf_counter() - h.t0) * 1000)
        h.close()
    print(f"start-to-ping: median {statistics.median(starts):.0f} ms, p95 {pct(starts, 0.95):.0f} ms, "
          f"max {max(starts):.0f} ms over {args.runs} runs (target < 300 ms)")

    h = Host()
    names = REAL + (ONLINE_EXTRA if args.online else OFFLINE_ONLY)
    msg = {"type": "check", "offline": not args.online, "packages": [{"name": n, "ecosystem": "pypi"} for n in names]}
    first = time.perf_counter()
    reply = h.ask(msg)
    cold = (time.perf_counter() - first) * 1000
    if not reply.get("success"):
        print(f"check failed: {reply.get('error')}")
        h.close()
        return 1
    warm = []
    for _ in range(args.runs):
        t = time.perf_counter()
        h.ask(msg)
        warm.append((time.perf_counter() - t) * 1000)
    h.close()
    mode = "online, warm registry cache" if args.online else "offline"
    print(f"check of {len(names)} names ({mode}): first {cold:.0f} ms, then median {statistics.median(warm):.1f} ms, "
          f"p95 {pct(warm, 0.95):.1f} ms over {args.runs} runs")
    flagged = [r["name"] for r in reply["results"] if r.get("risk") in ("medium", "high")]
    print(f"flagged medium/high: {', '.join(flagged) or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
