"""scan_many: run a list of packages through check or deep scan, recording each in the store."""

from __future__ import annotations

import logging
import queue
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

from .executors import make_runner
from .inputs import fingerprint, read_packages
from .lifeline import start_reaper
from .progress import make_progress
from .store import ResultStore
from .tasks import _failure, run_chunk, warm

log = logging.getLogger(__name__)
MAX_CHUNK_RESUBMITS = 2  # a chunk whose worker died is retried this many times


def _chunks(jobs: list[dict], size: int) -> list[list[dict]]:
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def _chunk_size(mode: str, n: int, slots: int) -> int:
    """Deep scans: one package per task (long, uneven). Checks: small chunks amortise dispatch."""
    if mode == "scan":
        return 1
    return max(1, min(32, n // (slots * 8) or 1))


def default_store_dir() -> Path:
    from ..config import cache_dir

    base = cache_dir() / "batches"
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=time.strftime("%Y%m%d-%H%M%S-"), dir=base))


def scan_many(packages, *, mode: str = "scan", backend: str = "auto", workers: int = 1,
              executor=None, store: "str | Path | ResultStore | None" = None, resume: bool = True,
              timeout: float = 120.0, offline: bool | None = None, retries: int = 2,
              backoff: float = 1.0, progress: "bool | Callable[[int, int, dict], None]" = True,
              task=None, ecosystem: str = "pypi"):
    """Check or deep-scan many packages; one row per package, full records kept in the store.

    packages: CSV path, DataFrame (name, ecosystem, optional version) or list of names.
    mode: "check" (heuristics only) or "scan" (deep scan in a sandbox).
    executor: None, "thread", "process", a concurrent.futures Executor, a dask Client or a
      scheduler address ("tcp://host:8786"). store: a directory (re-running with the same one
      continues where it stopped) or a ResultStore; default a new directory in the cache.
    progress: True for a tqdm.auto bar (a widget in Jupyter), or a callback(done, total, row).
    task: a custom per-package function(job, **options) -> row dict / outcome / ScanResult.
    The DataFrame's .attrs["slop_store"] names the store; `df.slop.scan(name)` reads a package back.
    """
    from ..config import offline as offline_default

    if mode not in ("check", "scan"):
        from ..errors import InputError

        raise InputError(f"mode must be 'check' or 'scan', not {mode!r}")
    offline = offline_default() if offline is None else offline
    jobs = read_packages(packages, ecosystem)
    own_store = not isinstance(store, ResultStore)
    st = ResultStore(store if store is not None else default_store_dir()) if own_store else store
    try:
        task_id = task if isinstance(task, str) or task is None else f"{task.__module__}:{task.__qualname__}"
        settings = {"mode": mode, "backend": backend, "offline": offline, "task": task_id}
        st.prepare(jobs, fingerprint(jobs, settings), resume)
        options = {"backend": backend, "timeout": timeout, "offline": offline}
        run_batch(st, task or mode, mode, workers, executor, options, retries, backoff, progress)
        df = st.to_frame()
        df.attrs["slop_store"] = str(st.dir)
        return df
    finally:
        if own_store:
            st.close()


def run_batch(st: ResultStore, task, mode: str, workers: int, executor, options: dict[str, Any],
              retries: int, backoff: float, progress) -> int:
    """Drive the pending jobs through an executor; the store is written here only. Returns rows added."""
    pending = st.pending()
    total, done = st.total(), st.count()
    bar = make_progress(progress, total, done)
    if not pending:
        bar.close()
        return 0
    if task == mode:
        warm(mode)
    # before any worker forks: a killed batch's sandboxes are removed by its reaper
    lifeline = start_reaper() if mode == "scan" else None
    runner = make_runner(executor, workers, mode)
    chunks = _chunks(pending, _chunk_size(mode, len(pending), runner.slots))
    results: "queue.Queue" = queue.Queue()
    resubmits: dict[int, int] = {}
    inflight, next_i, added = 0, 0, 0

    def submit(i: int) -> None:
        fut = runner.submit(run_chunk, chunks[i], task, mode, retries, backoff, options)
        fut.add_done_callback(lambda f, i=i: results.put((i, f)))

    try:
        while next_i < len(chunks) or inflight:
            while next_i < len(chunks) and inflight < 2 * runner.slots:
                submit(next_i)
                next_i, inflight = next_i + 1, inflight + 1
            i, fut = results.get()
            inflight -= 1
            try:
                outcomes = fut.result()
            except Exception as exc:  # the worker itself died (killed process, lost Dask worker)
                if isinstance(exc, BrokenProcessPool) and runner.rebuild:
                    runner.close()
                    runner = runner.rebuild()
                if resubmits.get(i, 0) < MAX_CHUNK_RESUBMITS:
                    resubmits[i] = resubmits.get(i, 0) + 1
                    log.warning("worker failure on chunk %d (%s); resubmitting", i, exc)
                    submit(i)
                    inflight += 1
                    continue
                outcomes = [_failure(j, mode, f"worker failure: {type(exc).__name__}: {exc}") for j in chunks[i]]
            added += st.record(outcomes)
            for o in outcomes:
                bar.update(o["row"])
    finally:
        runner.close()
        bar.close()
        if lifeline is not None:
            lifeline.release()
    return added
