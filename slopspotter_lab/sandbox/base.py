"""The backend contract: how to start an isolated machine, copy files in, run one command with a
deadline, copy files out, and destroy it. Everything else (the harness, tracing, fake network,
honeytokens) is the same code whichever backend carries it.

In the sandbox the job directory appears read-only at /in (harness, artifacts, job.json) and
the harness writes everything it produces under /out, which the backend copies back to
`SandboxRun.outdir` on the host.
"""

from __future__ import annotations

import abc
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

log = logging.getLogger(__name__)

LABEL = "io.slopspotter-lab"  # every container / VM we create carries this label
NAME_PREFIX = "slopspotter-"  # and a name starting with this


def boot_id() -> str:
    """This boot's id: with the owner pid it tells a crashed run's leftovers from a live one's."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


def owner_alive(pid, boot: str | None, host: str | None = None) -> bool:
    """Whether the run that made a leftover still runs: same boot (and host, when recorded) and its
    pid exists. The one rule by which stray reaping tells a crashed owner from a live concurrent one."""
    if boot != boot_id() or (host is not None and host != socket.gethostname()):
        return False
    try:
        pid = int(pid or 0)
    except (TypeError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_older_than(paths, max_age_s: float) -> int:
    """Delete files or directories not modified for max_age_s seconds; how many went.

    The one age-based reaper (temp job dirs, gVisor logs, half-made VM run dirs): no live run
    keeps a path that long without touching it."""
    import shutil
    import time

    removed = 0
    for path in paths:
        try:
            if time.time() - path.stat().st_mtime <= max_age_s:
                continue
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
            removed += 1
        except OSError:  # gone meanwhile, or not ours to remove
            continue
    return removed


@dataclass
class Limits:
    pids: int = 512
    memory_mb: int = 1024
    disk_mb: int = 1024  # writable scratch (tmpfs / overlay quota)
    cpus: float = 1.0
    output_bytes: int = 64 * 1024 * 1024  # cap on what comes back from /out


@dataclass
class SandboxJob:
    image: str  # "python" | "node"
    jobdir: Path  # host directory copied to /in
    command: list[str]  # argv run inside the sandbox (as root; the harness drops privileges)
    timeout: float  # overall deadline in seconds, enforced by the backend itself
    scan_id: str
    limits: Limits = field(default_factory=Limits)
    env: dict[str, str] = field(default_factory=dict)
    hostname: str = "dev-laptop"
    trace_mode: str | None = None  # backends with a choice of tracer (gVisor); None: the backend's default


@dataclass
class SandboxRun:
    backend: str
    outdir: Path  # host directory holding what the sandbox wrote under /out
    exit_code: int | None
    timed_out: bool
    duration_s: float
    stdout_head: str = ""
    stderr_head: str = ""
    error: str | None = None  # infrastructure error (engine down, VM failed to start ...)
    details: dict = field(default_factory=dict)  # backend-specific facts (runtime, kvm, ...)


class Backend(abc.ABC):
    """One isolation layer. Subclasses must always destroy what they create, even on errors."""

    name: str = "abstract"
    _reaped: ClassVar[set[type]] = set()  # backend classes whose strays this process already reaped

    @classmethod
    @abc.abstractmethod
    def available(cls) -> tuple[bool, str]:
        """(works here, human-readable reason) - used by `doctor` and backend="auto"."""

    @abc.abstractmethod
    def run(self, job: SandboxJob) -> SandboxRun:
        """Run `job.command` in a fresh sandbox and return what it left in /out."""

    def cleanup_strays(self, all_owners: bool = False) -> int:
        """Remove leftovers of crashed runs: those whose owner process is gone, or every one of
        ours with all_owners (the `cleanup` command after a crash). Returns how many went."""
        return 0

    def reap_once(self) -> None:
        """Reap strays of crashed runs before this process's first scan on this backend.

        Housekeeping: it never fails a scan."""
        reaped = type(self)._reaped  # one set shared by every class (a test may give one its own)
        if type(self) in reaped:
            return
        reaped.add(type(self))
        try:
            removed = self.cleanup_strays()
            if removed:
                log.info("%s: removed %d leftover(s) of crashed runs", self.name, removed)
        except Exception as exc:
            log.warning("%s: stray reaping failed: %s", self.name, exc)
