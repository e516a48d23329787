"""gVisor backend: the Docker backend with the `runsc` runtime - same images, same harness, same
limits and labels, but the package talks to gVisor's user-space kernel instead of the host's.

Two tracing modes (see docs/security.md for the measured trade-off):
- `gvisor` (default): the `runsc-trace` runtime has gVisor's own syscall log (--strace) written by the
  sandbox kernel to the host, where no process in the sandbox can see or kill it. After the
  run the log is converted into the same trace.log the strace parser reads, and deleted.
- `strace`: the harness's strace runs inside the sandbox, exactly as under Docker. The package
  can see it (TracerPid in /proc/self/status); under gVisor's ptrace emulation it also misses
  events (file reads) and slows fork-heavy packages down badly, hence not the default.

Both modes get a watchdog: if the Docker engine stops answering (a sandbox drowning in
processes can take the engine's calls past their timeouts) the container is killed by name at
the deadline plus GRACE_S, so a scan always ends close to its deadline.

The mode is the job's `trace_mode` (scan(trace_mode=...), --trace-mode), else the
constructor's, else the user's default $SLOPSPOTTER_TRACE_MODE, else `gvisor`.
Runtimes are registered by scripts/setup.d/70-gvisor.sh.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from .base import NAME_PREFIX, SandboxJob, SandboxRun, remove_older_than
from .docker_backend import DockerBackend

log = logging.getLogger(__name__)

RUNSC_LOGDIR = Path(os.environ.get("SLOPSPOTTER_RUNSC_LOGDIR", "/var/log/slopspotter-runsc"))
RUNTIMES = {"strace": "runsc", "gvisor": "runsc-trace"}
TRACE_CAP = 256 * 1024 * 1024  # bytes of gVisor log read back; beyond it the trace is truncated
GRACE_S = 15.0  # after the deadline, the watchdog kills the container whatever the engine says


def gvisor_scratch_mb(limits) -> int:
    """Size of each of /home and /tmp under gVisor: half the disk budget (at least 64 MiB)."""
    return max(64, limits.disk_mb // 2)


class GVisorBackend(DockerBackend):
    name = "gvisor"
    runtime = "runsc"

    def __init__(self, client=None, trace_mode: str | None = None):
        super().__init__(client)
        self.trace_mode = _mode(trace_mode)
        self.runtime = RUNTIMES[self.trace_mode]

    @classmethod
    def available(cls, trace_mode: str | None = None) -> tuple[bool, str]:
        ok, why = super().available()
        if not ok:
            if "not registered" in why:
                why += " (install and register gVisor with: bash scripts/setup.d/70-gvisor.sh)"
            return ok, why
        mode = _mode(trace_mode)
        if mode == "gvisor":
            from .docker_backend import _client

            if "runsc-trace" not in (_client(timeout=5).info().get("Runtimes") or {}):
                return False, "Docker runtime 'runsc-trace' is not registered (bash scripts/setup.d/70-gvisor.sh)"
            if not os.access(RUNSC_LOGDIR, os.R_OK | os.W_OK | os.X_OK):
                return False, (f"trace mode gvisor reads gVisor's syscall log from {RUNSC_LOGDIR}, which this "
                               "user cannot read and clean (run as root, or SLOPSPOTTER_TRACE_MODE=strace)")
        return True, f"{why}; trace mode {mode}"

    def mode_for(self, job: SandboxJob) -> str:
        """The job's trace mode, else this backend's."""
        return _mode(job.trace_mode or self.trace_mode)

    def runtime_for(self, job: SandboxJob) -> str:
        return RUNTIMES[self.mode_for(job)]

    def container_kwargs(self, job: SandboxJob) -> dict:
        kwargs = super().container_kwargs(job)
        # tmpfs lives in the Sentry's memory, charged to the container: /home + /tmp share the
        # disk budget (half each), and the memory limit grows by that budget, so a disk filler
        # meets ENOSPC (the scan still reports) and a large real package (botocore unpacks to
        # ~100 MiB in /tmp, then installs as much under /home) neither fills scratch nor
        # starves its own processes of memory.
        scratch = gvisor_scratch_mb(job.limits)
        for path in ("/home", "/tmp"):
            opts = kwargs["tmpfs"][path].split(",")
            kwargs["tmpfs"][path] = ",".join(f"size={scratch}m" if o.startswith("size=") else o for o in opts)
        kwargs["mem_limit"] = kwargs["memswap_limit"] = f"{job.limits.memory_mb + 2 * scratch}m"
        if self.mode_for(job) == "gvisor":
            kwargs["environment"] = {**kwargs["environment"], "SLOPSPOTTER_TRACER": "none"}
        return kwargs

    def run(self, job: SandboxJob) -> SandboxRun:
        fired = threading.Event()
        timer = threading.Timer(job.timeout + GRACE_S, _hard_kill, args=(f"{NAME_PREFIX}{job.scan_id}", fired))
        timer.daemon = True
        timer.start()
        try:
            run = super().run(job)
        finally:
            timer.cancel()
        if fired.is_set():
            run.timed_out = True
            run.details["watchdog"] = f"container killed by the watchdog at the deadline + {GRACE_S:.0f} s"
        run.details["trace_mode"] = self.mode_for(job)
        if self.mode_for(job) == "gvisor":
            self._collect_gvisor_log(run)
        return run

    def live_facts(self, container) -> dict:
        """The memory cgroup, read while the container still exists: an OOM kill shows here."""
        memory = memory_pressure(container.id)
        return {"memory_cgroup": memory, **({"oom_killed": True} if memory.get("oom_kill") else {})} if memory else {}

    def exit_facts(self, container) -> dict:
        """The container id (the runsc boot log is named by it) and whether Docker saw an OOM kill."""
        try:
            container.reload()
        except Exception as exc:  # an engine that stopped answering: keep the state last seen
            log.debug("could not reload %s: %s", container.name, exc)
        state = (getattr(container, "attrs", None) or {}).get("State") or {}
        return {"container_id": container.id, **({"oom_killed": True} if state.get("OOMKilled") else {})}

    def _collect_gvisor_log(self, run: SandboxRun) -> None:
        """Find this container's boot log, convert it into /out/trace.log, delete it."""
        from ..trace.gvisor_log import convert_file, find_boot_logs

        logs = find_boot_logs(RUNSC_LOGDIR, run.details.get("container_id") or "")
        if not logs:
            # written by the Sentry on the host, out of the package's reach: an infrastructure
            # miss, not tampering; the scan then scores as unscanned (scan.py)
            run.details["trace_missing"] = "gVisor wrote no syscall log for this container"
            return
        try:
            stats = convert_file(logs[0], Path(run.outdir) / "trace.log", cap=TRACE_CAP)
            run.details["gvisor_log"] = stats
            if stats.get("truncated"):
                run.details["trace_truncated"] = f"gVisor syscall log over {TRACE_CAP >> 20} MiB"
        finally:
            for path in logs:
                path.unlink(missing_ok=True)

    def cleanup_strays(self, all_owners: bool = False) -> int:
        """Containers (as the Docker backend) plus gVisor syscall logs a crashed run left on the
        host: older than an hour (no scan lasts that long), or with all_owners any idle one."""
        removed = super().cleanup_strays(all_owners=all_owners)
        idle = 60.0 if all_owners else 3600.0
        if os.access(RUNSC_LOGDIR, os.W_OK):
            removed += remove_older_than(RUNSC_LOGDIR.glob("runsc.log.*"), idle)
        return removed


def memory_pressure(container_id: str) -> dict:
    """OOM kills and peak usage of a container's memory cgroup (v1 or v2), {} if unreadable.

    Under gVisor an allocation storm ends with the host OOM killer taking a sentry stub and the
    package exiting 1 with no trace mark: this count is then the only evidence."""
    out: dict = {}
    for base in (Path("/sys/fs/cgroup/memory/docker") / container_id,
                 Path("/sys/fs/cgroup/system.slice") / f"docker-{container_id}.scope",
                 Path("/sys/fs/cgroup/docker") / container_id):
        for name in ("memory.oom_control", "memory.events"):
            try:
                for line in (base / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill" and value.strip().isdigit():
                        out["oom_kill"] = int(value)
            except OSError:
                continue
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            try:
                out["peak_bytes"] = int((base / name).read_text().strip())
            except (OSError, ValueError):
                continue
        if out:
            return out
    return out


def _mode(trace_mode: str | None) -> str:
    """A valid trace mode: the one given, else $SLOPSPOTTER_TRACE_MODE (the user's default), else gvisor."""
    mode = trace_mode or os.environ.get("SLOPSPOTTER_TRACE_MODE") or "gvisor"
    if mode not in RUNTIMES:
        raise ValueError(f"trace_mode must be one of {', '.join(RUNTIMES)}, not {mode!r}")
    return mode


def _hard_kill(name: str, fired: threading.Event) -> None:
    """Kill a container by name through a fresh client (the run's own calls may be stuck)."""
    fired.set()
    try:
        import docker

        docker.from_env(timeout=10).api.kill(name)
    except Exception as exc:  # gone already, or the engine is down: nothing more to do here
        log.warning("watchdog could not kill %s: %s", name, exc)
