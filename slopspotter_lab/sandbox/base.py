"""The backend contract: how to start an isolated machine, copy files in, run one command with a
deadline, copy files out, and destroy it. Everything else (the harness, tracing, fake network,
honeytokens) is the same code whichever backend carries it.

In the sandbox the job directory appears read-only at /in (harness, artifacts, job.json) and
the harness writes everything it produces under /out, which the backend copies back to
`SandboxRun.outdir` on the host.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path

LABEL = "io.slopspotter-lab"  # every container / VM we create carries this label
NAME_PREFIX = "slopspotter-"  # and a name starting with this


def boot_id() -> str:
    """This boot's id: with the owner pid it tells a crashed run's leftovers from a live one's."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return "unknown"


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
