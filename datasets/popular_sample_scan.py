"""Noise check: deep-scan a small sample of real popular packages (the top 20 PyPI and top 20
npm names of the reference lists) and record what the dynamic indicators flag. Popular
packages should come out clean; whatever fires here is noise to subtract.

Run once, by hand (it uses the live registries for ~40 well-known names, and Docker):
    python datasets/popular_sample_scan.py [--n 20]
Writes datasets/popular_sample_results.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import time
from pathlib import Path

from slopspotter_lab.scan import scan

HERE = Path(__file__).resolve().parent


def top_names(n: int) -> list[tuple[str, str]]:
    """The n most popular names per ecosystem (user copy of the lists if any, else the bundled one)."""
    from slopspotter_lab.heuristics.popular import load_popular

    return [("pypi", p) for p in load_popular("pypi")[:n]] + [("npm", p) for p in load_popular("npm")[:n]]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--out", default=str(HERE / "popular_sample_results.csv"))
    args = ap.parse_args()
    rows = []
    for eco, name in top_names(args.n):
        t = time.monotonic()
        try:
            r = scan(name, ecosystem=eco, backend="docker", timeout=120)
            dyn = [i for i in r.indicators if i.source == "dynamic"]
            row = {"name": name, "ecosystem": eco, "version": r.package.get("version"), "risk": r.verdict["risk"],
                   "probability": r.verdict["probability"], "dynamic_flagged": bool(dyn),
                   "dynamic_indicators": ";".join(sorted({i.id for i in dyn})),
                   "evidence": " | ".join(i.evidence[:80] for i in dyn[:3]),
                   "phases": ";".join(f"{p['name']}={p['status']}" for p in r.phases),
                   "syscalls": r.syscall_count, "seconds": round(time.monotonic() - t, 1), "error": r.error or ""}
        except Exception as exc:  # record and go on: one broken package must not stop the sample
            row = {"name": name, "ecosystem": eco, "error": f"{type(exc).__name__}: {exc}"[:300],
                   "seconds": round(time.monotonic() - t, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    fields = ["name", "ecosystem", "version", "risk", "probability", "dynamic_flagged", "dynamic_indicators",
              "evidence", "phases", "syscalls", "seconds", "error"]
    with open(args.out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    flagged = sum(1 for r in rows if r.get("dynamic_flagged"))
    print(f"{flagged}/{len(rows)} popular packages raised a dynamic indicator")


if __name__ == "__main__":
    main()
