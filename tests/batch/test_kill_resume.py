"""SIGKILL a real `slopspotter-lab batch` subprocess at random moments, resume, and demand that
every package ends up in the output exactly once, and that no process of a killed batch survives
it (its workers and its reaper carry the batch's environment, which is how they are found)."""

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest

from .conftest import ROOT, names_csv


TAG_VAR = "SLOP_TEST_BATCH_TAG"


def _batch(args, env, **kw):
    env = {**env, TAG_VAR: env.get(TAG_VAR) or uuid.uuid4().hex}  # marks the batch and its descendants
    return subprocess.Popen([sys.executable, "-m", "slopspotter_lab", "batch", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def tagged(tag: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment carries `tag`."""
    needle = f"{TAG_VAR}={tag}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            if needle in (proc / "environ").read_bytes().split(b"\0"):
                stat = (proc / "stat").read_text()
                if stat[stat.rindex(")") + 2] != "Z":  # zombies are dead, waiting to be reaped
                    found.append((int(proc.name), (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()))
        except OSError:
            continue
    return found


def assert_none_survive(tag: str, within: float = 45.0) -> None:
    deadline = time.monotonic() + within
    while (alive := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive, f"processes of the killed batch survive it: {alive}"


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

    Returns the number of results stored after each kill (to show the kills hit mid-batch). At least
    one kill must find workers or the reaper beside the batch process: a late kill may land while the
    batch, its work done, writes the output alone."""
    from slopspotter_lab.batch.store import ResultStore

    counts, families = [], []
    store = out.with_name(out.name + ".store")
    for k in range(kills):
        tag = uuid.uuid4().hex
        proc = _batch([str(csv), "--out", str(out), *extra, *(["--resume"] if k else [])], {**env, TAG_VAR: tag})
        _wait_for_progress(store, counts[-1] if counts else 0, proc)
        time.sleep(rng.uniform(0.0, 0.5))  # a random point once work is under way
        if proc.poll() is None:
            families.append(tagged(tag))
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert_none_survive(tag)
        with ResultStore(store) as st:
            counts.append(st.count())
    assert any(len(f) >= 2 for f in families), f"no kill found a worker or reaper to test: {families}"
    tag = uuid.uuid4().hex
    proc = _batch([str(csv), "--out", str(out), *extra, "--resume"], {**env, TAG_VAR: tag})
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err.decode()
    assert_none_survive(tag, within=10)
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


def _our_containers(pids: set[int]) -> list[str]:
    out = subprocess.run(["docker", "ps", "-a", "--filter", "label=io.slopspotter-lab",
                          "--format", '{{.Names}} {{.Label "io.slopspotter-lab.owner-pid"}}'],
                         capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.split()[-1].isdigit() and int(line.split()[-1]) in pids]


@pytest.mark.docker
@pytest.mark.parametrize("executor", ["thread", "process"])
def test_sigkilled_scan_batch_leaves_no_process_and_no_sandbox(tmp_path, executor):
    """A deep-scan batch killed while its workers have sandboxes running: the workers exit, the
    reaper removes the containers they started, then exits too."""
    hang = ROOT / "tests" / "corpus" / "pypi" / "slop-hang"
    script = (f"from slopspotter_lab.batch import scan_many\n"
              f"scan_many([{str(hang)!r}, {str(hang)!r} + '/'], mode='scan', backend='docker', workers=2, "
              f"executor={executor!r}, store={str(tmp_path / 'store')!r}, timeout=90, offline=False, progress=False)\n")
    tag = uuid.uuid4().hex
    env = {**os.environ, TAG_VAR: tag, "SLOPSPOTTER_OFFLINE": "0",
           "SLOPSPOTTER_CACHE_DIR": str(ROOT / ".cache" / "test")}  # build-tool wheels fetched once
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        pids = {pid for pid, _ in tagged(tag)}
        if len(_our_containers(pids)) >= 1:
            break
        time.sleep(0.5)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    family = {pid for pid, _ in tagged(tag)}
    assert _our_containers(family), "no sandbox was running when the batch was killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert_none_survive(tag, within=60)
    deadline = time.monotonic() + 30
    while (left := _our_containers(family)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"sandboxes of the killed batch were left running: {left}"


def test_sigkilled_batch_on_a_local_dask_cluster_leaves_no_worker(tmp_path):
    """A notebook-style batch on its own Dask LocalCluster (worker processes): kill -9 the process
    that owns the cluster mid-batch, and the Dask workers and nannies exit too."""
    pytest.importorskip("distributed")
    csv = names_csv(tmp_path / "in.csv", 400)
    script = (
        "import distributed\n"
        "from slopspotter_lab.batch import scan_many\n"
        "if __name__ == '__main__':\n"
        "    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,\n"
        "                                  dashboard_address=None, host='127.0.0.1') as c:\n"
        f"        scan_many({str(csv)!r}, mode='scan', task='tests.batch.helpers:slow_task', executor=c.scheduler_address,\n"
        f"                  store={str(tmp_path / 'store')!r}, progress=False)\n")
    (tmp_path / "run.py").write_text(script)
    tag = uuid.uuid4().hex
    env = {**os.environ, TAG_VAR: tag, "BATCH_TEST_DELAY": "0.2", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(tmp_path / "run.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for_progress(tmp_path / "store", 0, proc, timeout=120)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    family = tagged(tag)
    assert len(family) >= 4, family  # the owner, two workers (and their nannies or a spawn helper), the reaper
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert_none_survive(tag, within=60)
