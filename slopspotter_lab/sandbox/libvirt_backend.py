"""The libvirt/QEMU virtual-machine backend: the same harness as Docker, in a whole VM.

Each scan is a transient libvirt domain created with AUTODESTROY (libvirtd kills it when this
process's connection drops, SIGKILL included) on its own qcow2 overlay over a read-only base, so
scans run side by side. It starts by resuming a saved booted machine (see vm/state.py), or from a
cold boot when asked. The guest's only NIC is QEMU user networking with restrict=on: nothing leaves
it; the host reaches its sshd through a forward bound to 127.0.0.1, with the host key pinned.
KVM is used only when a probe guest actually boots under it; otherwise software emulation.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import BackendUnavailable
from .base import NAME_PREFIX, Backend, SandboxJob, SandboxRun, boot_id, owner_alive, remove_older_than
from .vm import libvirt_uri, ssh, vm_dir
from .vm.domain import META_NS, retarget_saved_xml
from .vm.image import image_dir, load_manifest
from .vm.probe import check_vm_requirements, kvm_usable
from .vm.state import RestoreError, cold_boot, discard_state, ensure_state, image_spec, overlay, restore

log = logging.getLogger(__name__)
VM_PREFIX = NAME_PREFIX + "vm-"
RESTORED_SSH_S = 120.0  # a restored guest answers in seconds; this is for a machine under heavy load
GUEST_PID_FILE = "/run/slop-job.pid"
# Like a systemd-resolved laptop, and where the harness's fake resolver listens (as in Docker).
RESOLV_CONF = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"


def _owner(dom) -> tuple[int | None, str | None, str | None]:
    """(pid, boot id, run dir) from our <metadata> element, or Nones for foreign domains."""
    try:
        node = ET.fromstring(dom.XMLDesc(0)).find(f"./metadata/{{{META_NS}}}owner")
    except Exception:
        return None, None, None
    if node is None:
        return None, None, None
    return int(node.get("pid", "0")), node.get("boot"), node.get("rundir")


class LibvirtBackend(Backend):
    name = "libvirt"

    def __init__(self, fast_start: bool = True, uri: str | None = None):
        self.fast_start = fast_start
        self.uri = uri or libvirt_uri()

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return check_vm_requirements()

    # -- lifecycle -----------------------------------------------------------------------
    def _connect(self):
        try:
            import libvirt
        except ImportError as exc:
            raise BackendUnavailable("libvirt-python is missing: pip install 'slopspotter-lab[vm]'") from exc
        try:
            return libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            raise BackendUnavailable(f"cannot reach libvirtd at {self.uri}: {exc}") from exc

    def _image(self) -> tuple[Path, dict]:
        manifest = load_manifest()
        if manifest is None:
            raise BackendUnavailable(f"no VM image in {image_dir()}: run `slopspotter-lab images build vm`")
        return image_dir(), manifest

    def start(self, conn, name: str, run_dir: Path):
        """Start one scan machine; returns (domain, ssh client, facts)."""
        image, manifest = self._image()
        kvm, why = kvm_usable(image / manifest["kernel"] if manifest.get("kernel") else None)
        facts = {"kvm": kvm, "kvm_probe": why, "image": manifest["source"]}
        disk = run_dir / "disk.qcow2"
        started = time.monotonic()
        if self.fast_start:
            state = ensure_state(conn, image, manifest, kvm, boot_id(), progress=log.warning)
            facts["cold_boot_s"] = state.cold_boot_s
            started = time.monotonic()  # a first-ever scan also paid for the boot; report the restore
            try:
                dom, client = self.resume(conn, state, image, manifest, name, run_dir, kvm)
            except RestoreError as exc:
                # Fail loudly, recover once: a state that cannot be restored would fail every later scan.
                log.warning("the saved VM state %s could not be restored (%s); discarding it and booting the "
                            "VM once to make a new one", state.dir.name, exc)
                discard_state(state)
                state = ensure_state(conn, image, manifest, kvm, boot_id(), progress=log.warning)
                facts["state_rebuilt"] = str(exc)[:300]
                started = time.monotonic()
                try:
                    dom, client = self.resume(conn, state, image, manifest, name, run_dir, kvm)
                except RestoreError as again:
                    raise RestoreError(f"a freshly made VM state could not be restored either: {again} "
                                       f"(before: {exc})") from again
            facts["start"] = "restore"
        else:
            overlay(image / "base.qcow2", disk)
            spec = image_spec(image, manifest, name, disk, run_dir, kvm, os.getpid(), boot_id())
            dom, client, _ = cold_boot(conn, spec, image / "keys")
            facts["start"] = "cold"
        facts["start_s"] = round(time.monotonic() - started, 2)
        return dom, client, facts

    def resume(self, conn, state, image: Path, manifest: dict, name: str, run_dir: Path, kvm: bool):
        """A new domain from the saved state on a fresh overlay, reachable over SSH; RestoreError if not."""
        disk = run_dir / "disk.qcow2"
        disk.unlink(missing_ok=True)
        overlay(state.disk, disk)
        spec = image_spec(image, manifest, name, disk, run_dir, kvm, os.getpid(), boot_id())
        xml = retarget_saved_xml(state.xml, name, str(disk), spec.ssh_port, spec.console_log,
                                 os.getpid(), boot_id(), str(run_dir))
        dom = restore(conn, xml, state.vmstate)
        try:
            return dom, ssh.connect(spec.ssh_port, image / "keys", time.monotonic() + RESTORED_SSH_S)
        except TimeoutError as exc:
            dom.destroy()
            raise RestoreError(f"the restored guest never answered: {exc}") from exc
        except BaseException:
            dom.destroy()
            raise

    def run(self, job: SandboxJob) -> SandboxRun:
        self.reap_once()
        t0 = time.monotonic()
        outdir = Path(job.jobdir).parent / "out"  # like Docker: inside the scan's workdir, removed with it
        outdir.mkdir(parents=True, exist_ok=True)
        runs = vm_dir() / "runs"
        runs.mkdir(exist_ok=True)
        runs.chmod(0o755)
        name = f"{VM_PREFIX}{job.scan_id}-{os.getpid()}"[:60]
        run_dir = runs / name
        run_dir.mkdir(mode=0o755)
        run_dir.chmod(0o777)  # QEMU (libvirt-qemu) writes the console log here
        (run_dir / "owner.json").write_text(json.dumps({"pid": os.getpid(), "boot": boot_id()}))
        conn = dom = client = None
        try:
            conn = self._connect()
            dom, client, facts = self.start(conn, name, run_dir)
            return self._run_in_guest(client, job, outdir, facts, t0)
        except BackendUnavailable:
            raise
        except Exception as exc:
            return SandboxRun(self.name, outdir, None, False, time.monotonic() - t0,
                              error=f"VM failed: {type(exc).__name__}: {exc}", details={"console": _tail(run_dir)})
        finally:
            if client is not None:
                client.close()
            if dom is not None:
                try:
                    dom.destroy()
                except Exception as exc:  # already gone; autodestroy covers the rest
                    log.debug("destroy %s: %s", name, exc)
            if conn is not None:
                conn.close()  # autodestroy removes anything still running
            shutil.rmtree(run_dir, ignore_errors=True)

    def _run_in_guest(self, client, job: SandboxJob, outdir: Path, facts: dict, t0: float) -> SandboxRun:
        prep = (f"date -s @{time.time():.3f} >/dev/null; hostname {shlex.quote(job.hostname)}; "
                f"echo {shlex.quote(job.hostname)} > /etc/hostname; rm -rf /in /out; mkdir -p /in /out; "
                f"printf {shlex.quote(RESOLV_CONF)} > /etc/resolv.conf")
        ssh.run(client, prep, 30)
        ssh.put_dir(client, job.jobdir, "/in")
        # /in read-only like the containers' bind mount
        ssh.run(client, "chown -R root:root /in && mount --bind /in /in && mount -o remount,ro,bind /in", 30)
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in job.env.items())
        cmd = " ".join(shlex.quote(a) for a in job.command)
        remaining = job.timeout + 10.0  # the deadline counts from the command's start, not the boot
        inner = f"echo $$ > {GUEST_PID_FILE}; exec env {env} {cmd}"
        res = ssh.run(client, f"cd / && setsid -w sh -c {shlex.quote(inner)}", remaining)
        if res.timed_out:
            ssh.run(client, f"kill -9 -- -$(cat {GUEST_PID_FILE}) 2>/dev/null; true", 15)
        error = ssh.get_dir(client, "/out", outdir, job.limits.output_bytes)
        return SandboxRun(self.name, outdir, res.exit_code, res.timed_out, time.monotonic() - t0,
                          stdout_head=res.stdout[:4096].decode(errors="replace"),
                          stderr_head=res.stderr[-4096:].decode(errors="replace"), error=error, details=facts)

    # -- cleanup -------------------------------------------------------------------------
    def cleanup_strays(self, all_owners: bool = False) -> int:
        """Destroy our domains and remove run dirs whose owner process is gone (every one with all_owners)."""
        def stray(pid, owner_boot) -> bool:
            return pid != os.getpid() and (all_owners or not owner_alive(pid, owner_boot))

        return self._reap_domains(stray) + _reap_run_dirs(stray)

    def _reap_domains(self, stray) -> int:
        try:
            conn = self._connect()
        except BackendUnavailable:
            return 0
        removed = 0
        try:
            for dom in conn.listAllDomains():
                pid, owner_boot, _ = _owner(dom) if dom.name().startswith(VM_PREFIX) else (None, None, None)
                if pid is None or not stray(pid, owner_boot):
                    continue
                try:
                    dom.destroy()
                    removed += 1
                except Exception as exc:  # gone meanwhile
                    log.debug("could not destroy %s: %s", dom.name(), exc)
        finally:
            conn.close()
        return removed


def _reap_run_dirs(stray) -> int:
    """Run dirs of stray owners; half-made ones (no owner.json) once clearly abandoned (5 min)."""
    runs = vm_dir() / "runs"
    if not runs.exists():
        return 0
    removed, half_made = 0, []
    for run_dir in runs.iterdir():
        try:
            doc = json.loads((run_dir / "owner.json").read_text())
        except (OSError, ValueError):
            half_made.append(run_dir)
            continue
        if stray(doc.get("pid", 0), doc.get("boot")):
            shutil.rmtree(run_dir, ignore_errors=True)
            removed += 1
    return removed + remove_older_than(half_made, 300)


def _tail(run_dir: Path, n: int = 2000) -> str:
    try:
        return (run_dir / "console.log").read_text(errors="replace")[-n:]
    except OSError:
        return ""


def check_restore() -> dict:
    """`doctor`: does a scan machine really come back from the saved state (not only: does libvirt
    answer)? Runs one trivial job; the first call on a fresh machine also makes the state."""
    import tempfile

    from .base import SandboxJob

    with tempfile.TemporaryDirectory(prefix="slopspotter-doctor-") as tmp:
        jobdir = Path(tmp) / "job"
        jobdir.mkdir()
        (jobdir / "run.sh").write_text("echo restored > /out/ok\n")
        jobdir.chmod(0o755)
        t0 = time.monotonic()
        run = LibvirtBackend().run(SandboxJob(image="python", jobdir=jobdir, command=["sh", "/in/run.sh"],
                                              timeout=60, scan_id="doctor"))
        ok = run.exit_code == 0 and (run.outdir / "ok").exists()
        return {"ok": ok, "seconds": round(time.monotonic() - t0, 1), "start": run.details.get("start"),
                "start_s": run.details.get("start_s"), "state_rebuilt": run.details.get("state_rebuilt"),
                "error": None if ok else (run.error or run.stderr_head[-300:] or f"exit {run.exit_code}")}
