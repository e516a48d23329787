"""Where tasks run: local threads, local processes, or a Dask distributed cluster.

The driver only needs `submit(fn, *args) -> future` with `add_done_callback` and `result()`,
which concurrent.futures and dask.distributed futures both provide, so the store and the
resume logic never care which one ran the work.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from .lifeline import die_with_parent, guarded


@dataclass
class Runner:
    """An executor plus what the driver needs to know about it."""

    submit: Callable[..., Any]
    slots: int  # how many tasks can run at once (keeps 2x that many in flight)
    kind: str
    close: Callable[[], None] = lambda: None
    rebuild: Callable[[], "Runner"] | None = None  # for a broken local process pool


def _is_dask_client(obj) -> bool:
    return type(obj).__name__ == "Client" and type(obj).__module__.startswith("distributed")


def dask_runner(client_or_address) -> Runner:
    """Run tasks on a Dask cluster; workers need slopspotter-lab installed (and Docker for scans)."""
    from ..errors import require

    distributed = require("distributed", "scale")
    owned = not _is_dask_client(client_or_address)
    client = distributed.Client(client_or_address) if owned else client_or_address
    slots = max(1, sum(client.nthreads().values()))

    def submit(fn, *args):
        return client.submit(fn, *args, pure=False, retries=1)

    return Runner(submit=submit, slots=slots, kind="dask", close=client.close if owned else (lambda: None))


def local_runner(kind: str, workers: int) -> Runner:
    """Threads for deep scans (the work happens in the sandbox); processes for CPU-bound checks."""
    if kind == "thread":
        pool: Executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slop-batch")
        submit = pool.submit
    elif kind == "process":
        # fork: workers inherit the loaded model and popular lists, start in milliseconds and do not
        # re-run the caller's script (spawn/forkserver re-import __main__, a trap in plain scripts).
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        # workers die with the batch, however it dies (lifeline.py)
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent,
                                   initargs=(os.getpid(),))
        submit = lambda fn, *args: pool.submit(guarded, fn, *args)  # noqa: E731
    else:
        raise ValueError(f"unknown executor {kind!r}: thread, process, a concurrent.futures Executor, "
                         "a dask Client or a scheduler address")
    return Runner(submit=submit, slots=workers, kind=kind,
                  close=lambda: pool.shutdown(wait=True, cancel_futures=True),
                  rebuild=lambda: local_runner(kind, workers))


def make_runner(executor, workers: int, mode: str) -> Runner:
    """executor: None (auto), 'thread', 'process', an Executor, a dask Client, or 'tcp://...'."""
    if executor is None:
        executor = "process" if mode == "check" and workers > 1 else "thread"
    if isinstance(executor, str) and executor not in ("thread", "process"):
        return dask_runner(executor)
    if _is_dask_client(executor):
        return dask_runner(executor)
    if isinstance(executor, Executor):
        return Runner(submit=executor.submit, slots=workers, kind=type(executor).__name__)
    return local_runner(executor, workers)
