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


def _kill_resume(tmp_path, csv, out, extra, env, kills, rng):
    """Start, SIGKILL after a random delay, repeat `kills` times, then let it finish."""
    for k in range(kills):
        proc = _batch([str(csv), "--out", str(out), *extra, *(["--resume"] if k else [])], env)
        time.sleep(rng.uniform(0.3, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    proc = _batch([str(csv), "--out", str(out), *extra, "--resume"], env)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err.decode()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_then_resume_gives_every_package_exactly_once(tmp_path, workers):
    rng = random.Random(int(workers) * 7919)
    n = 150
    csv = names_csv(tmp_path / "in.csv", n, bad_every=17)
    out = tmp_path / "out.parquet"
    log = tmp_path / "calls.log"
    env = {**os.environ, "SLOPSPOTTER_BATCH_TASK": "tests.batch.helpers:slow_task",
           "BATCH_TEST_CALL_LOG": str(log), "BATCH_TEST_DELAY": "0.03"}
    _kill_resume(tmp_path, csv, out, ["--workers", workers, "--no-progress"], env, kills=4, rng=rng)
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
             for suffix in ["", *map(str, range(60))]]
    csv = tmp_path / "in.csv"
    pd.DataFrame({"name": names, "ecosystem": "pypi"}).to_csv(csv, index=False)
    out = tmp_path / "out.csv"
    env = {**os.environ, "SLOPSPOTTER_OFFLINE": "1"}
    _kill_resume(tmp_path, csv, out, ["--mode", "check", "--workers", "2", "--no-progress"], env, kills=3, rng=rng)
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
