"""Is KVM usable, and what is missing for VM scans.

/dev/kvm can exist and still hang a guest (nested or half-passed-through virtualisation), so KVM
is only used after a tiny guest boots under it: the image's kernel with no root disk must reach
its "Kernel panic" within seconds. The answer is cached per host boot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from ..base import boot_id
from . import libvirt_uri, vm_dir

PROBE_TIMEOUT = 20.0


def _probe_kvm(kernel: Path) -> tuple[bool, str]:
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm missing or not accessible"
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        return False, "qemu-system-x86_64 missing"
    argv = [qemu, "-accel", "kvm", "-m", "128", "-smp", "1", "-nodefaults", "-nographic", "-no-reboot",
            "-serial", "stdio", "-kernel", str(kernel), "-append", "console=ttyS0 panic=-1 loglevel=4"]
    start = time.monotonic()
    try:
        out = subprocess.run(argv, capture_output=True, timeout=PROBE_TIMEOUT).stdout
    except subprocess.TimeoutExpired:
        return False, f"/dev/kvm exists but a test guest hung for {PROBE_TIMEOUT:.0f} s"
    if b"Kernel panic" in out:
        return True, f"test guest booted under KVM in {time.monotonic() - start:.1f} s"
    return False, "test guest under KVM did not boot"


def kvm_usable(kernel: Path | None = None) -> tuple[bool, str]:
    """(KVM works, why); cached in <vm_dir>/kvm-probe.json for this host boot.
    SLOPSPOTTER_VM_ACCEL=tcg|kvm overrides the probe."""
    forced = os.environ.get("SLOPSPOTTER_VM_ACCEL", "").lower()
    if forced in ("tcg", "kvm"):
        return forced == "kvm", f"forced by SLOPSPOTTER_VM_ACCEL={forced}"
    cache = vm_dir() / "kvm-probe.json"
    try:
        doc = json.loads(cache.read_text())
        if doc.get("boot_id") == boot_id():
            return doc["ok"], doc["why"]
    except (OSError, ValueError, KeyError):
        pass
    kernel = kernel or _any_kernel()
    if kernel is None:
        return False, "no kernel to probe KVM with (build the VM image first)"
    ok, why = _probe_kvm(kernel)
    cache.write_text(json.dumps({"boot_id": boot_id(), "ok": ok, "why": why}))
    return ok, why


def _any_kernel() -> Path | None:
    candidates = [vm_dir() / "image" / "vmlinuz", *sorted(Path("/boot").glob("vmlinuz-*"))]
    return next((p for p in candidates if p.exists() and os.access(p, os.R_OK)), None)


def accel() -> str:
    return "kvm" if kvm_usable()[0] else "tcg"


def _traversable_by_others(path: Path) -> Path | None:
    """The first ancestor QEMU (running as libvirt-qemu) cannot enter, or None."""
    for parent in [path, *path.parents]:
        if parent.exists() and not parent.stat().st_mode & 0o001:
            return parent
    return None


def check_vm_requirements() -> tuple[bool, str]:
    """(ready, what is missing) - every missing piece named, with how to get it."""
    missing = []
    try:
        import libvirt  # noqa: F401
    except ImportError:
        missing.append("libvirt-python (pip install 'slopspotter-lab[vm]')")
    try:
        import paramiko  # noqa: F401
    except ImportError:
        missing.append("paramiko (pip install 'slopspotter-lab[vm]')")
    for tool, pkg in (("qemu-system-x86_64", "qemu-system-x86"), ("qemu-img", "qemu-utils")):
        if not shutil.which(tool):
            missing.append(f"{tool} (apt-get install {pkg})")
    if not missing:
        import libvirt

        try:
            libvirt.open(libvirt_uri()).close()
        except libvirt.libvirtError as exc:
            missing.append(f"libvirtd at {libvirt_uri()} ({str(exc).strip()}; start libvirtd and virtlogd)")
    base = vm_dir()
    if not (base / "image" / "manifest.json").exists():
        missing.append(f"the VM image in {base / 'image'} (slopspotter-lab images build vm)")
    blocked = _traversable_by_others(base) if libvirt_uri().endswith("/system") else None
    if blocked is not None:
        missing.append(f"QEMU (user libvirt-qemu) cannot enter {blocked}: set SLOPSPOTTER_VM_DIR to a directory "
                       "others can traverse")
    if missing:
        return False, "missing: " + "; ".join(missing)
    return True, "libvirt + QEMU ready (" + ("KVM" if kvm_usable()[0] else "software emulation, no usable KVM") + ")"
