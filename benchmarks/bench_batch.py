"""Batch throughput with 1 and 2 workers and through a Dask LocalCluster; prints figures.

    python benchmarks/bench_batch.py [--names 6000] [--scans 6] [--skip-scan] [--skip-dask]

check mode: offline heuristics over generated typosquat candidates (CPU-bound: process workers).
scan mode: real Docker deep scans of synthetic corpus packages (needs Docker + the images).
Wall time includes starting the workers and writing every package to the store.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def _time(label: str, fn, n: int) -> float:
    t = time.perf_counter()
    df = fn()
    dt = time.perf_counter() - t
    assert len(df) == n and df["key"].is_unique, "every package exactly once"
    print(f"{label:<36} {n:>6} pkgs {dt:8.2f} s {n / dt:9.1f} pkg/s", flush=True)
    return n / dt


def _spin(n: int = 3_000_000) -> float:
    t = time.perf_counter()
    x = 0
    for i in range(n):
        x += i * i
    return time.perf_counter() - t


def machine_parallelism() -> float:
    """How many cores this machine gives us right now: 2 CPU-bound processes vs 1 (2.0 = idle 2 cores).
    On a shared machine this bounds every speed-up below; it is printed so the figures can be judged."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_spin, [10, 10]))  # start both workers first
        one = pool.submit(_spin).result()
        t = time.perf_counter()
        list(pool.map(_spin, [3_000_000, 3_000_000]))
        two = time.perf_counter() - t
    return round(2 * one / two, 2)


def check_names(n: int) -> pd.DataFrame:
    from slopspotter_lab.datasets import candidates_frame

    frames = [candidates_frame(eco, top=max(1, n // 40), per_name=20) for eco in ("pypi", "npm")]
    return pd.concat(frames, ignore_index=True).head(n)


def corpus(n: int) -> pd.DataFrame:
    man = pd.read_csv(ROOT / "tests/corpus/MANIFEST.csv")
    man = man[~man["name"].isin(["slop-hang"])].head(n)  # a deliberate hang measures the deadline, not throughput
    return pd.DataFrame({"name": [str(ROOT / "tests/corpus" / e / nm) for nm, e in zip(man["name"], man["ecosystem"])],
                         "ecosystem": man["ecosystem"]})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--names", type=int, default=6000)
    ap.add_argument("--scans", type=int, default=6)
    ap.add_argument("--skip-scan", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("SLOPSPOTTER_DATA_DIR", str(ROOT.parent / "shared" / "data"))
    from slopspotter_lab.batch import scan_many

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    names = check_names(a.names)
    print(f"machine parallelism now (2 busy processes vs 1): {machine_parallelism()}x")
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f} (the speed-up needs idle cores)")
    kw = dict(mode="check", offline=True, progress=False)
    r1 = _time("check, 1 worker", lambda: scan_many(names, workers=1, store=work / "c1", **kw), len(names))
    r2 = _time("check, 2 workers (processes)", lambda: scan_many(names, workers=2, store=work / "c2", **kw), len(names))
    print(f"check speed-up 1 -> 2 workers: {r2 / r1:.2f}x")
    if not a.skip_dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, host="127.0.0.1") as c:
            rd = _time("check, Dask LocalCluster 2x1", lambda: scan_many(names, executor=c.scheduler_address,
                                                                        store=work / "cd", **kw), len(names))
            print(f"check Dask vs 1 worker: {rd / r1:.2f}x")
            if not a.skip_scan:
                pk = corpus(a.scans)
                sk = dict(mode="scan", backend="docker", timeout=90, offline=False, progress=False)
                s1 = _time("scan (Docker), 1 worker", lambda: scan_many(pk, workers=1, store=work / "s1", **sk), len(pk))
                s2 = _time("scan (Docker), 2 workers", lambda: scan_many(pk, workers=2, store=work / "s2", **sk), len(pk))
                sd = _time("scan (Docker), Dask 2x1", lambda: scan_many(pk, executor=c.scheduler_address,
                                                                       store=work / "sd", **sk), len(pk))
                print(f"scan speed-up 1 -> 2 workers: {s2 / s1:.2f}x; Dask vs 1 worker: {sd / s1:.2f}x")


if __name__ == "__main__":
    main()
