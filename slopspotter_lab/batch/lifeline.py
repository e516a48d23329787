"""Nothing of a batch outlives it, however it dies (kill -9 included).

- **Worker processes** (the local process pool) get a parent-death signal (`PR_SET_PDEATHSIG`,
  SIGTERM) and a watchdog thread on the parent pid (for kernels/platforms without prctl). SIGTERM
  unwinds the running task, so the sandbox it started is removed by the backend's own `finally`,
  then the worker exits; a worker that does not finish unwinding within GRACE_S is cut off.
- **A reaper process** is started with each deep-scan batch. It holds the read end of a pipe
  whose write end the batch and its forked workers hold; EOF means every one of them is gone.
  A batch that ends normally writes "done" first; otherwise the reaper removes the sandboxes
  whose owner died (`cleanup_all`, owner-pid based: other runs' sandboxes are never touched),
  e.g. containers of a thread worker killed with its batch, or of a Dask worker that exited.

Dask's own worker processes (LocalCluster) already exit when their parent dies (distributed's
parent-alive pipe); the reaper removes what they had started.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1
GRACE_S = 20.0  # time a dying worker gets to remove its sandbox
WATCH_EVERY_S = 0.5
_parent_gone = threading.Event()


def _set_pdeathsig(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _hard_exit_later(code: int, after: float) -> None:
    timer = threading.Timer(after, os._exit, args=(code,))
    timer.daemon = True
    timer.start()


def _on_term(signum, frame) -> None:
    """Parent gone (or asked to stop): unwind the running task so its sandbox is removed."""
    if _parent_gone.is_set():
        return
    _parent_gone.set()
    _hard_exit_later(128 + signum, GRACE_S)
    raise SystemExit(128 + signum)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(WATCH_EVERY_S)
    os.kill(os.getpid(), signal.SIGTERM)


def die_with_parent(parent_pid: int) -> None:
    """Process-pool initializer: this worker exits when `parent_pid` (the batch) dies."""
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle
    _set_pdeathsig(signal.SIGTERM)
    if os.getppid() != parent_pid:  # died between fork and prctl
        os._exit(143)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="slop-lifeline").start()


def guarded(fn, *args):
    """Run one task in a worker; if the batch died meanwhile, exit once the task has unwound
    (concurrent.futures would otherwise catch the SystemExit and wait for more work)."""
    try:
        return fn(*args)
    finally:
        if _parent_gone.is_set():
            os._exit(143)


# ---------------------------------------------------------------------------------- the reaper

class Lifeline:
    """The batch's end of the reaper's pipe: `release()` on a normal end, nothing on a crash."""

    def __init__(self, proc: subprocess.Popen | None):
        self.proc = proc

    def release(self) -> None:
        if self.proc is None:
            return
        try:
            self.proc.stdin.write(b"done\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.proc = None


def start_reaper() -> Lifeline:
    """Start the reaper for this process (before any worker is forked, so workers hold the pipe)."""
    try:
        proc = subprocess.Popen([sys.executable, "-m", "slopspotter_lab.batch.lifeline", str(os.getpid())],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        log.warning("no reaper for this batch (%s): sandboxes of a killed batch wait for `cleanup`", exc)
        return Lifeline(None)
    os.set_inheritable(proc.stdin.fileno(), False)  # exec'd children (pip, npm, docker) must not hold it
    return Lifeline(proc)


def _reap(batch_pid: int) -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    data = b""
    while chunk := sys.stdin.buffer.read(64):
        data += chunk
    if data.endswith(b"done\n"):
        return 0
    from ..sandbox.cleanup import cleanup_all

    removed = {}
    for delay in (0.0, 3.0):  # a second round for workers that were still exiting
        time.sleep(delay)
        for key, n in cleanup_all().items():
            if isinstance(n, int) and key != "tempdirs":
                removed[key] = removed.get(key, 0) + n
    try:
        print(f"slopspotter-lab: batch {batch_pid} died; removed its leftover sandboxes: {removed}",
              file=sys.stderr, flush=True)
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(_reap(int(sys.argv[1])))
