"""Fast start: boot the image once, save the running machine, start every scan from that state.

libvirt refuses to restore one save image under a new UUID, so two scans could never run from it
side by side. Instead the saved QEMU migration stream is kept on its own (the libvirt header
stripped) and each scan is a NEW transient domain (autodestroy) started with
`-incoming tcp:127.0.0.1:PORT`, fed that stream, on a fresh overlay whose backing file is the
read-only disk the state was saved with. QEMU treats libvirt's start-up `cont` during an incoming
migration as "run when done", so the guest resumes exactly where it was saved.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import ssh, vm_dir
from .domain import DomainSpec, domain_xml, free_port

STATE_VERSION = 5
# Run in the booted guest before its state is saved. The harness appends an iptables REDIRECT of
# every outgoing TCP flow to its sinkhole. If connection tracking starts only with that rule, the
# control channel's SSH session (opened before) is picked up mid-stream as a new outgoing flow and
# redirected too (the channel died the moment the rule went in). A stateful rule saved with the
# machine - dropping INVALID packets, as desktop firewalls (ufw) do - keeps connection tracking on
# from boot: every later SSH session is tracked from its first packet, its replies are never
# NATed, and no exemption for the control channel exists in the rules (there used to be a
# `--sport 22 -j RETURN`). Then settle and drop caches so the saved RAM is small.
PREPARE = ("iptables -w -A INPUT -m conntrack --ctstate INVALID -j DROP && "
           "sleep 3; sync; echo 3 > /proc/sys/vm/drop_caches")
COLD_BOOT_TIMEOUT = 300.0
MEMORY_MB = 1024


@dataclass
class BootState:
    dir: Path
    xml: str  # the saved domain's XML (retargeted per scan)
    vmstate: Path  # raw QEMU migration stream
    disk: Path  # the overlay the state was saved with (read-only now)
    cold_boot_s: float
    saved: float | None = None  # when it was made: tells this state from a rebuilt one


@contextmanager
def locked(path: Path):
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def overlay(backing: Path, path: Path) -> None:
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(backing), "-F", "qcow2", str(path)],
                   check=True, capture_output=True)
    path.chmod(0o666)  # QEMU runs as libvirt-qemu; libvirt relabels it anyway where it can


def image_spec(image: Path, manifest: dict, name: str, disk: Path, run_dir: Path, kvm: bool,
               owner_pid: int, boot: str) -> DomainSpec:
    return DomainSpec(name=name, disk=str(disk),
                      kernel=str(image / manifest["kernel"]) if manifest.get("kernel") else None,
                      initrd=str(image / manifest["initrd"]) if manifest.get("initrd") else None,
                      ssh_port=free_port(), console_log=str(run_dir / "console.log"), owner_pid=owner_pid,
                      boot_id=boot, run_dir=str(run_dir), memory_mb=MEMORY_MB, kvm=kvm)


def cold_boot(conn, spec: DomainSpec, keydir: Path, timeout: float = COLD_BOOT_TIMEOUT):
    """Start a transient autodestroy domain and wait for its SSH; returns (domain, client, seconds)."""
    import libvirt

    start = time.monotonic()
    dom = conn.createXML(domain_xml(spec), libvirt.VIR_DOMAIN_START_AUTODESTROY)
    client = ssh.connect(spec.ssh_port, keydir, start + timeout)
    return dom, client, time.monotonic() - start


def strip_libvirt_header(save: Path, dest: Path) -> None:
    """libvirt's save file is a header, the domain XML, then QEMU's stream (magic QEVM)."""
    with open(save, "rb") as fh:
        head = fh.read(92)
        if head[:16] != b"LibvirtQemudSave":
            raise RuntimeError(f"{save} is not a libvirt QEMU save image")
        data_len = struct.unpack("<I", head[20:24])[0]
        fh.seek(92 + data_len)
        if fh.read(4) != b"QEVM":
            raise RuntimeError("unexpected libvirt save layout: no QEMU stream after the header")
        fh.seek(92 + data_len)
        with open(dest, "wb") as out:
            shutil.copyfileobj(fh, out, 1 << 20)


class RestoreError(RuntimeError):
    """A saved state could not be brought back to a reachable guest."""


def host_versions(conn) -> dict:
    """What a saved QEMU stream depends on besides the image: the QEMU and libvirt releases."""
    def dotted(n: int) -> str:
        return f"{n // 1000000}.{n // 1000 % 1000}.{n % 1000}"

    try:
        return {"qemu": dotted(conn.getVersion()), "libvirt": dotted(conn.getLibVersion())}
    except Exception:  # a test double or an odd driver: the image id alone keys the state
        return {"qemu": "?", "libvirt": "?"}


def state_key(manifest: dict, kvm: bool, versions: dict) -> str:
    return (f"{manifest['id']}-{'kvm' if kvm else 'tcg'}-{MEMORY_MB}-v{STATE_VERSION}"
            f"-q{versions['qemu']}-l{versions['libvirt']}")


def state_root() -> Path:
    return vm_dir() / "state"


def settle_modes(sdir: Path) -> None:
    """What a saved state must look like, whatever libvirt's dynamic ownership did to it during the
    boot and the save: root-owned, read-only files (every scan's QEMU reads the disk as a backing
    file; nothing may write it), directories others can traverse (QEMU runs as libvirt-qemu)."""
    for path in sdir.iterdir():
        if os.geteuid() == 0:
            os.chown(path, 0, 0)
        path.chmod(0o444)
    if os.geteuid() == 0:
        os.chown(sdir, 0, 0)
    sdir.chmod(0o755)


def _load(sdir: Path) -> BootState:
    doc = json.loads((sdir / "meta.json").read_text())
    return BootState(sdir, (sdir / "domain.xml").read_text(), sdir / "boot.vmstate", sdir / "boot.qcow2",
                     doc["cold_boot_s"], doc.get("saved"))


def ensure_state(conn, image: Path, manifest: dict, kvm: bool, boot: str, progress=None,
                 root: Path | None = None) -> BootState:
    """The saved booted machine for this image, accelerator, QEMU and libvirt, made once (under a
    file lock). `root` defaults to <vm_dir>/state; states of other images/versions there are removed."""
    versions = host_versions(conn)
    key = state_key(manifest, kvm, versions)
    root = root or state_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    sdir = root / key
    with locked(root / ".lock"):
        if (sdir / "meta.json").exists():
            return _load(sdir)
        for old in root.iterdir():  # states of older images or QEMU/libvirt releases are useless now
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        tmp = root / f".{key}.building"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o755)
        tmp.chmod(0o755)
        if progress:
            progress("booting the VM once to save its state (later scans restore it)")
        overlay(image / "base.qcow2", tmp / "boot.qcow2")
        spec = image_spec(image, manifest, f"slopspotter-vm-boot-{os.getpid()}", tmp / "boot.qcow2", tmp, kvm,
                          os.getpid(), boot)
        spec.console_log = str(tmp.parent / f".{key}.console.log")  # not part of the state
        dom, client, cold = cold_boot(conn, spec, image / "keys")
        try:
            ssh.run(client, PREPARE, 60)
        finally:
            client.close()
        dom.save(str(tmp / "boot.save"))
        xml = conn.saveImageGetXMLDesc(str(tmp / "boot.save"), 0)
        strip_libvirt_header(tmp / "boot.save", tmp / "boot.vmstate")
        (tmp / "boot.save").unlink()
        Path(spec.console_log).unlink(missing_ok=True)
        (tmp / "domain.xml").write_text(xml.replace(str(tmp), str(sdir)))
        (tmp / "meta.json").write_text(json.dumps({
            "cold_boot_s": round(cold, 2), "saved": time.time(), "image_id": manifest["id"],
            "kvm": kvm, "memory_mb": MEMORY_MB, "state_version": STATE_VERSION, **versions}))
        settle_modes(tmp)
        tmp.rename(sdir)
        return _load(sdir)


def discard_state(state: BootState) -> bool:
    """Remove a state that failed to restore, unless another process already replaced it."""
    with locked(state.dir.parent / ".lock"):
        try:
            saved = json.loads((state.dir / "meta.json").read_text()).get("saved")
        except (OSError, ValueError):
            return False
        if saved != state.saved:
            return False
        shutil.rmtree(state.dir, ignore_errors=True)
        return True


def feed_stream(port: int, path: Path, keep_trying, errors: list) -> None:
    """Connect to QEMU's -incoming listener and send the saved stream. `keep_trying()` says whether
    QEMU may still come: libvirt can take a long time to start it (createXML under load)."""
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            break
        except OSError as exc:
            if not keep_trying():
                errors.append(f"QEMU never listened for the saved state: {exc}")
                return
            time.sleep(0.05)
    try:
        with sock, open(path, "rb") as fh:
            sock.sendfile(fh)
    except OSError as exc:
        errors.append(f"sending the saved state failed: {exc}")


FEED_AFTER_CREATE_S = 30.0  # QEMU listens before createXML returns; this is slack for a slow host


def restore(conn, xml: str, vmstate: Path, timeout: float = 120.0):
    """Start a new autodestroy domain from `xml` resuming the saved stream; returns the domain.
    The feeder keeps trying while createXML runs (it took 57 s here when libvirt re-probed QEMU),
    and for FEED_AFTER_CREATE_S after it returned. Raises RestoreError."""
    import libvirt

    port = free_port()
    xml = xml.replace("</qemu:commandline>",
                      f"<qemu:arg value='-incoming'/><qemu:arg value='tcp:127.0.0.1:{port}'/></qemu:commandline>")
    errors: list[str] = []
    created: list[float] = []
    failed = threading.Event()

    def keep_trying() -> bool:
        if failed.is_set():
            return False
        return not created or time.monotonic() < created[0] + FEED_AFTER_CREATE_S

    feeder = threading.Thread(target=feed_stream, args=(port, vmstate, keep_trying, errors), daemon=True)
    feeder.start()
    try:
        dom = conn.createXML(xml, libvirt.VIR_DOMAIN_START_AUTODESTROY)
    except libvirt.libvirtError as exc:
        failed.set()
        raise RestoreError(f"libvirt could not start the saved machine: {str(exc).strip()}") from exc
    created.append(time.monotonic())
    feeder.join(timeout)
    if errors or feeder.is_alive():
        failed.set()
        _destroy(dom)
        raise RestoreError(errors[0] if errors else f"sending the saved state took over {timeout:.0f} s")
    return dom


def _destroy(dom) -> None:
    try:
        dom.destroy()
    except Exception:
        pass
