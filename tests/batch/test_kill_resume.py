"""SIGKILL a real `slopspotter-lab batch` subprocess at random moments, resume, and demand that
every package ends up in the output exactly once."""

import os
import random
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from .conftest import ROOT, names_csv


def _batch(args, env, **kw):
    return subprocess.Popen([sys.executable, "-m", "slopspotter_lab", "batch", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def _wait_for_progress(store, above: int, proc, timeout: float = 60) -> None:
    """Until the running batch has stored more than `above` results (start-up is slow under load)."""
    from slopspotter_lab.batch.store import ResultStore

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (store / "results.sqlite").exists():
            with ResultStore(store) as st:
                if st.count() > above:
                    return
        time.sleep(0.05)


def _kill_resume(tmp_path, csv, out, extra, env, kills, rng):
    """Start, SIGKILL after a random delay, repeat `kills` times, then let it finish.

    Returns the number of results stored after each kill (to show the kills hit mid-batch)."""
    from slopspotter_lab.batch.store import ResultStore

    counts = []
    store = out.with_name(out.name + ".store")
    for k in range(kills):
        proc = _batch([str(csv), "--out", str(out), *extra, *(["--resume"] if k else [])], env)
        _wait_for_progress(store, counts[-1] if counts else 0, proc)
        time.sleep(rng.uniform(0.0, 0.5))  # a random point once work is under way
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        with ResultStore(store) as st:
            counts.append(st.count())
    proc = _batch([str(csv), "--out", str(out), *extra, "--resume"], env)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err.decode()
    return counts


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_then_resume_gives_every_package_exactly_once(tmp_path, workers):
    rng = random.Random(int(workers) * 7919)
    n = 150
    csv = names_csv(tmp_path / "in.csv", n, bad_every=17)
    out = tmp_path / "out.parquet"
    log = tmp_path / "calls.log"
    env = {**os.environ, "SLOPSPOTTER_BATCH_TASK": "tests.batch.helpers:slow_task",
           "BATCH_TEST_CALL_LOG": str(log), "BATCH_TEST_DELAY": "0.03"}
    counts = _kill_resume(tmp_path, csv, out, ["--workers", workers, "--no-progress"], env, kills=4, rng=rng)
    assert any(0 < c < n for c in counts), counts  # at least one kill landed mid-batch
    df = pd.read_parquet(out)
    expected = pd.read_csv(csv)["name"].tolist()
    assert df["name"].tolist() == expected  # all, once, in input order
    assert df["key"].is_unique
    assert (df.loc[df["name"].str.startswith("bad"), "status"] == "error").all()
    assert (df.loc[~df["name"].str.startswith("bad"), "status"] == "ok").all()
    calls = log.read_text().split()
    assert set(calls) == set(df["key"])
    # Only packages in flight at a kill may run twice (at most 2 per worker slot per kill).
    assert len(calls) - n <= 4 * 2 * int(workers) * 32


def test_sigkill_real_check_batch_then_resume(tmp_path):
    """The same with the real check mode (offline heuristics) over popular-looking typos."""
    rng = random.Random(42)
    names = [f"{base}{suffix}" for base in ("reqeusts", "nunpy", "pandsa", "djnago", "flaks", "boto33")
             for suffix in ["", *map(str, range(400))]]
    csv = tmp_path / "in.csv"
    pd.DataFrame({"name": names, "ecosystem": "pypi"}).to_csv(csv, index=False)
    out = tmp_path / "out.csv"
    env = {**os.environ, "SLOPSPOTTER_OFFLINE": "1"}
    counts = _kill_resume(tmp_path, csv, out, ["--mode", "check", "--workers", "2", "--no-progress"], env, kills=3, rng=rng)
    assert counts == sorted(counts) and any(0 < c < len(names) for c in counts), counts
    df = pd.read_csv(out)
    assert df["name"].tolist() == names and df["key"].is_unique
    assert df.loc[df["name"] == "reqeusts", "typosquat_of"].item() == "requests"


def test_batch_without_resume_refuses_a_used_store(tmp_path):
    csv = names_csv(tmp_path / "in.csv", 3)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "SLOPSPOTTER_OFFLINE": "1"}
    assert _batch([str(csv), "--out", str(out), "--mode", "check"], env).wait(60) == 0
    proc = _batch([str(csv), "--out", str(out), "--mode", "check"], env)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and b"--resume" in err
    assert len(pd.read_json(out, lines=True)) == 3


def test_bad_output_suffix_is_a_usage_error(tmp_path):
    csv = names_csv(tmp_path / "in.csv", 2)
    proc = _batch([str(csv), "--out", str(tmp_path / "o.xlsx"), "--mode", "check"], dict(os.environ))
    assert proc.wait(60) == 2
