"""Docker backend: a fresh container per scan, through the docker SDK.

No network (network_mode="none"; the harness builds its fake network on lo), all capabilities
dropped but the few the harness needs before it drops to the package user, no-new-privileges,
read-only root with sized tmpfs mounts, pids/memory/CPU limits, an init process, and a deadline
this library enforces itself. /out is a tmpfs, copied out with get_archive while the harness
waits for us; the container is always removed, and strays of crashed runs are found by label.

Subclass it for other Docker runtimes (gVisor): override `runtime` / `runtime_for()`,
`container_kwargs()`, and report what the runtime captured from `live_facts()` /
`exit_facts()` (they land in `SandboxRun.details`).
"""

from __future__ import annotations

import io
import logging
import os
import socket
import tarfile
import threading
import time
from pathlib import Path

from ..errors import BackendUnavailable
from .base import LABEL, NAME_PREFIX, Backend, SandboxJob, SandboxRun, boot_id, owner_alive

log = logging.getLogger(__name__)

IMAGES = {"python": "slopspotter-lab/python:latest", "node": "slopspotter-lab/node:latest"}
DONE_MARKER = "SLOPSPOTTER-HARNESS-DONE"


def owner_labels(scan_id: str) -> dict[str, str]:
    """Labels that let stray reaping tell a crashed owner from a live concurrent one."""
    return {LABEL: "1", f"{LABEL}.owner-pid": str(os.getpid()), f"{LABEL}.boot-id": boot_id(),
            f"{LABEL}.host": socket.gethostname(), f"{LABEL}.scan-id": scan_id}


def labels_owner_alive(labels: dict[str, str]) -> bool:
    return owner_alive(labels.get(f"{LABEL}.owner-pid"), labels.get(f"{LABEL}.boot-id"), labels.get(f"{LABEL}.host"))


def _client(timeout: int = 30):
    try:
        import docker
    except ImportError as exc:
        raise BackendUnavailable("the docker SDK is not installed: pip install 'slopspotter-lab[docker]'") from exc
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
        return client
    except Exception as exc:
        raise BackendUnavailable(f"Docker engine not reachable: {exc}") from exc


def _extract_limited(stream, dest: Path, cap: int) -> int:
    """Untar get_archive output into dest: regular files and dirs only, no escapes, size-capped."""
    buf = io.BytesIO()
    for chunk in stream:
        buf.write(chunk)
        if buf.tell() > cap + 1024 * 1024:
            break
    buf.seek(0)
    total = 0
    with tarfile.open(fileobj=buf, mode="r|*") as tar:
        for member in tar:
            parts = Path(member.name).parts[1:]  # strip the leading "out/"
            if not parts or ".." in parts or member.name.startswith("/"):
                continue
            target = dest.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                room = cap - total
                if room <= 0:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                with open(target, "wb") as fh:
                    data = src.read(room)
                    fh.write(data)
                total += len(data)
    return total


class DockerBackend(Backend):
    name = "docker"
    runtime: str | None = None  # e.g. "runsc" in a gVisor subclass
    images = IMAGES
    cap_add = ("SYS_PTRACE", "SYS_ADMIN", "SYS_CHROOT", "MKNOD", "SYS_TIME", "NET_ADMIN", "NET_BIND_SERVICE", "SETUID", "SETGID", "CHOWN", "FOWNER", "DAC_OVERRIDE", "KILL")
    tmpfs_sizes = {"/home": "{disk}m", "/tmp": "{disk}m", "/var/tmp": "64m", "/run": "16m", "/out": "{out}m"}

    def __init__(self, client=None):
        self._client = client

    @property
    def client(self):
        if self._client is None:
            self._client = _client()
        return self._client

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            client = _client(timeout=5)
        except BackendUnavailable as exc:
            return False, str(exc)
        if cls.runtime and cls.runtime not in (client.info().get("Runtimes") or {}):
            return False, f"Docker runtime {cls.runtime!r} is not registered"
        missing = [tag for tag in cls.images.values() if image_created(tag, client) is None]
        if missing:
            return False, f"image(s) {', '.join(missing)} missing: run `slopspotter-lab images build`"
        return True, f"Docker {client.version().get('Version', '?')}" + (f" runtime {cls.runtime}" if cls.runtime else "")

    def image_for(self, job: SandboxJob) -> str:
        return self.images.get(job.image, job.image)

    def container_kwargs(self, job: SandboxJob) -> dict:
        lim = job.limits
        # exec on /home and /tmp: a developer machine allows it (builds and CLIs need it); nosuid always
        tmpfs = {path: f"size={size.format(disk=lim.disk_mb, out=max(1, lim.output_bytes >> 20))},mode=1777,"
                       f"{'exec' if path in ('/home', '/tmp') else 'noexec'},nosuid,nodev"
                 for path, size in self.tmpfs_sizes.items()}
        tmpfs["/home"] = tmpfs["/home"].replace("mode=1777", "mode=755")
        tmpfs["/out"] = tmpfs["/out"].replace("mode=1777", "mode=700")
        kwargs = dict(
            image=self.image_for(job),
            command=job.command,
            name=f"{NAME_PREFIX}{job.scan_id}",
            hostname=job.hostname,
            labels=owner_labels(job.scan_id),
            network_mode="none",
            cgroupns="private",  # /proc/1/cgroup shows "/" instead of /docker/<id>
            dns=["127.0.0.53"],
            cap_drop=["ALL"],
            cap_add=list(self.cap_add),
            security_opt=["no-new-privileges"],
            read_only=True,
            tmpfs=tmpfs,
            volumes={str(Path(job.jobdir).resolve()): {"bind": "/in", "mode": "ro"}},
            pids_limit=lim.pids,
            mem_limit=f"{lim.memory_mb}m",
            memswap_limit=f"{lim.memory_mb}m",
            nano_cpus=int(lim.cpus * 1e9),
            init=False,  # the harness is pid 1 and shows itself as /sbin/init (harness/cloak.py)
            environment={**job.env, "SLOPSPOTTER_HOLD": "120", "SLOPSPOTTER_CLOAK": "1"},
            working_dir="/",
            detach=True,
            stdin_open=False,
            tty=False,
        )
        if self.runtime_for(job):
            kwargs["runtime"] = self.runtime_for(job)
        return kwargs

    def run(self, job: SandboxJob) -> SandboxRun:
        self.reap_once()
        outdir = Path(job.jobdir).parent / "out"
        outdir.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        container = None
        timed_out, exit_code, error = False, None, None
        stdout = stderr = ""
        details = {"image": self.image_for(job), "runtime": self.runtime_for(job) or "runc"}
        try:
            container = self.client.containers.create(**self.container_kwargs(job))
            container.start()
            timed_out = not self._wait_done(container, job.timeout)
            container.reload()
            if container.status == "running":
                details.update(self.live_facts(container))
                try:
                    _extract_limited(self._tar_out(container), outdir, job.limits.output_bytes)
                except Exception as exc:  # a crashed harness still lets us report what happened
                    error = f"could not copy /out: {exc}"
                container.kill()
            exit_code = container.wait(timeout=30).get("StatusCode")
            stdout = container.logs(stdout=True, stderr=False, tail=200).decode(errors="replace")
            stderr = container.logs(stdout=False, stderr=True, tail=200).decode(errors="replace")
        except BackendUnavailable:
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        finally:
            if container is not None:
                details.update(self.exit_facts(container))
                self._remove(container)
        return SandboxRun(backend=self.name, outdir=outdir, exit_code=exit_code, timed_out=timed_out,
                          duration_s=time.monotonic() - start, stdout_head=stdout[-4000:],
                          stderr_head=stderr[-4000:], error=error, details=details)

    def runtime_for(self, job: SandboxJob) -> str | None:
        """The Docker runtime this job runs under (None: the engine's default, runc)."""
        return self.runtime

    def live_facts(self, container) -> dict:
        """Hook: facts read while the container still runs, reported in SandboxRun.details."""
        return {}

    def exit_facts(self, container) -> dict:
        """Hook: facts read after the container stopped, before it is removed (SandboxRun.details)."""
        return {}

    def _tar_out(self, container):
        """Stream /out as a tar (get_archive cannot see tmpfs mounts, so tar runs inside)."""
        res = container.exec_run(["tar", "-C", "/", "-cf", "-", "out"], stream=True, demux=True, user="root")
        for out, _err in res.output:
            if out:
                yield out

    def _wait_done(self, container, timeout: float) -> bool:
        """Wait for the harness's done marker (it then idles so /out survives) or the deadline."""
        found = threading.Event()

        def watch():
            try:
                for chunk in container.logs(stream=True, follow=True, stdout=True, stderr=False):
                    if DONE_MARKER.encode() in chunk:
                        found.set()
                        return
            except Exception:
                return

        threading.Thread(target=watch, daemon=True).start()
        deadline = time.monotonic() + timeout + 5
        while time.monotonic() < deadline:
            if found.wait(0.2):
                return True
            try:
                container.reload()
                if container.status not in ("running", "created"):
                    return found.is_set()
            except Exception:
                return False
        return False

    def _remove(self, container) -> None:
        for _ in range(3):
            try:
                container.remove(force=True, v=True)
                return
            except Exception as exc:
                if "No such container" in str(exc) or "is already in progress" in str(exc):
                    return
                time.sleep(0.5)
        log.warning("could not remove container %s", container.name)

    def cleanup_strays(self, all_owners: bool = False) -> int:
        """Remove our containers whose owner process is gone (or all of ours with all_owners)."""
        try:
            client = _client(timeout=10)
        except BackendUnavailable:
            return 0
        removed = 0
        for c in client.containers.list(all=True, filters={"label": LABEL}):
            if not c.name.startswith(NAME_PREFIX):
                continue
            if not all_owners and labels_owner_alive(c.labels):
                continue
            try:
                c.remove(force=True, v=True)
                removed += 1
            except Exception:
                continue
        return removed


def image_created(tag: str, client=None) -> str | None:
    """When the image was built, or None when it is absent (or the engine cannot be asked).

    The one image-presence check: the backends, `doctor` and `images build` read it."""
    try:
        return (client or _client(timeout=10)).images.get(tag).attrs.get("Created") or "?"
    except Exception:  # docker.errors.ImageNotFound, an engine that went away, no SDK
        return None
