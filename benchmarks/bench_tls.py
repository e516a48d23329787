"""TLS interception: what it costs and what each client does with the minted certificates.

    python benchmarks/bench_tls.py [--backend docker] [--runs 2]

Scans two packages without network (the fixed cost) and the HTTPS corpus (tests/corpus/https)
with interception on and off
(SLOPSPOTTER_TLS_INTERCEPT=0), alternating in the same run, and prints per package the median
scan seconds of each and their ratio (clients wait for their own timeouts when TLS is not
answered, so HTTPS packages finish sooner with interception), then per client (manifest row) what the sinkhole saw:
`decrypted` (URL and body read), `refused` (handshake failed: SNI only), or `none`.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from collections import defaultdict
from pathlib import Path

from slopspotter_lab.scan import scan

ROOT = Path(__file__).resolve().parents[1] / "tests" / "corpus"
CORPUS = ROOT / "https"
# packages with no network at all: what interception costs by itself (CA, trust, minting nothing)
BASELINE = [("../pypi/slop-benign-pure", "pypi"), ("../npm/slop-benign-npm-lib", "npm")]


def one(path: str, eco: str, backend: str, intercept: bool):
    os.environ["SLOPSPOTTER_TLS_INTERCEPT"] = "1" if intercept else "0"
    t0 = time.monotonic()
    r = scan(str(CORPUS / path), ecosystem=eco, backend=backend, timeout=60)
    return time.monotonic() - t0, r


def outcome(r, host: str) -> str:
    ep = r.endpoints
    mine = ep[ep["hostname"].eq(host) | ep["sni"].eq(host)]
    if mine["url"].notna().any():
        return "decrypted"
    if mine["outcome"].eq("tls_refused").any():
        return "refused"
    return "opaque" if len(mine) else "none"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="docker")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--baseline-only", action="store_true", help="only the packages without network")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(CORPUS / "MANIFEST.csv", encoding="utf-8")))
    by_pkg = defaultdict(list)
    for path, eco in BASELINE:
        by_pkg[path].append({"ecosystem": eco, "client": None, "host": None})
    for row in rows if not args.baseline_only else []:
        by_pkg[row["path"]].append(row)
    times = {True: defaultdict(list), False: defaultdict(list)}
    seen = {}
    for run in range(args.runs):
        for path, prow in by_pkg.items():
            for intercept in ((True, False) if run % 2 == 0 else (False, True)):
                took, r = one(path, prow[0]["ecosystem"], args.backend, intercept)
                times[intercept][path].append(took)
                if intercept:
                    for row in (r for r in prow if r["client"]):
                        seen[(path, row["client"])] = outcome(r, row["host"])
    print(f"backend {args.backend}, {args.runs} run(s) each, medians")
    print(f"{'package':32} {'with':>7} {'without':>8} {'ratio':>6}")
    ratios = []
    for path in by_pkg:
        w, wo = statistics.median(times[True][path]), statistics.median(times[False][path])
        ratios.append(w / wo)
        print(f"{path:32} {w:7.1f} {wo:8.1f} {w / wo:6.2f}")
    print(f"{'mean ratio':32} {'':7} {'':8} {statistics.mean(ratios):6.2f}")
    print(f"\n{'client':36} outcome")
    for (path, client), what in seen.items():
        print(f"{client:36} {what}")


if __name__ == "__main__":
    main()
