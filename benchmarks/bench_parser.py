"""Parser throughput: strace lines per second through parse_events and the full build_frames.

Input: the recorded trace under tests/trace/data/ (a real sandbox scan), replicated with
shifted pids to N lines. Target: >= 250,000 lines/s for parse_events.
    python benchmarks/bench_parser.py [--lines 1000000]
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
import time
from pathlib import Path

from slopspotter_lab.trace.frames import build_frames
from slopspotter_lab.trace.strace import parse_events

DATA = Path(__file__).resolve().parents[1] / "tests" / "trace" / "data" / "steal-aws"


def replicate(text: str, lines: int) -> str:
    base = text.splitlines()
    out, k = [], 0
    while len(out) < lines:
        shift = k * 100000
        out.extend(re.sub(r"^(\d+)", lambda m: str(int(m.group(1)) + shift), line) for line in base)
        k += 1
    return "\n".join(out[:lines]) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    args = ap.parse_args()
    text = replicate((DATA / "trace.log").read_text(), args.lines)
    n = text.count("\n")
    best = min(_timed(lambda: parse_events(text)) for _ in range(3))
    print(f"parse_events: {n} lines in {best:.3f}s = {n / best:,.0f} lines/s")
    tmp = Path(tempfile.mkdtemp(prefix="slopspotter-bench-"))
    try:
        for f in ("phases.json", "harness.json", "fakenet.jsonl"):
            shutil.copy(DATA / f, tmp / f)
        (tmp / "trace.log").write_text(text)
        t = _timed(lambda: build_frames(tmp))
        print(f"build_frames (all five frames): {n} lines in {t:.3f}s = {n / t:,.0f} lines/s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
