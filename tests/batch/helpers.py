"""Per-package tasks for batch tests: deterministic, harmless, and slow enough to be killed mid-run."""

from __future__ import annotations

import os
import time
import zlib
from pathlib import Path

from slopspotter_lab.batch.tasks import InfrastructureError


def slow_task(job: dict, **_) -> dict:
    """Sleeps a little, logs the call, returns a row derived from the name (so it is checkable)."""
    log = os.environ.get("BATCH_TEST_CALL_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(job["key"] + "\n")
    time.sleep(float(os.environ.get("BATCH_TEST_DELAY", "0.02")))
    if job["name"].startswith("bad"):
        raise ValueError(f"synthetic package failure for {job['name']}")
    return {"probability": (zlib.crc32(job["name"].encode()) % 1000) / 1000, "risk": "low"}


def flaky_task(job: dict, **_) -> dict:
    """Fails with an infrastructure error the first N times per package (counted in a file)."""
    counter = Path(os.environ["BATCH_TEST_COUNTER_DIR"]) / job["name"]
    n = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(n + 1))
    if n < int(os.environ.get("BATCH_TEST_FAILURES", "1")):
        raise InfrastructureError("synthetic engine restart")
    return {"risk": "low", "probability": 0.1}


def crash_worker_task(job: dict, **_) -> dict:
    """Kills its own worker process the first time (a lost worker), works the second time."""
    marker = Path(os.environ["BATCH_TEST_COUNTER_DIR"]) / f"crash-{job['name']}"
    if job["name"] == "victim" and not marker.exists():
        marker.write_text("x")
        os._exit(9)
    return {"risk": "low", "probability": 0.2}
