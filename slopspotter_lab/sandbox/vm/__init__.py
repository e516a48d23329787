"""The libvirt/QEMU virtual-machine sandbox: image builder, probe, domain XML, SSH control.

Layout under `vm_dir()` ($SLOPSPOTTER_VM_DIR; else /var/lib/slopspotter-lab/vm as root, because
QEMU's own user cannot enter /root; else `cache_dir()/vm`):
  image/     base.qcow2 (read-only), vmlinuz, initrd.img, manifest.json, keys/ (pinned host key,
             client key) - built by `slopspotter-lab images build vm`
  state/     boot.qcow2 + boot.save: the booted machine, saved once; scans restore it
  runs/      one directory per running scan (overlay, console log), removed afterwards
"""

from __future__ import annotations

import os
from pathlib import Path

from ...config import cache_dir

DEFAULT_URI = "qemu:///system"
ROOT_VM_DIR = Path("/var/lib/slopspotter-lab/vm")


def vm_dir() -> Path:
    """Where images, the saved boot state and per-scan overlays live (never in the repo)."""
    env = os.environ.get("SLOPSPOTTER_VM_DIR")
    if env:
        path = Path(env)
    else:
        path = ROOT_VM_DIR if os.geteuid() == 0 else cache_dir() / "vm"
    path.mkdir(parents=True, exist_ok=True)
    return path


def libvirt_uri() -> str:
    return os.environ.get("SLOPSPOTTER_LIBVIRT_URI") or DEFAULT_URI
