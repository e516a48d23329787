"""`slopspotter-lab doctor`: which backends work here and why not, plus image presence."""

from __future__ import annotations

import shutil

from . import availability
from .docker_backend import IMAGES, image_created


def report(vm_restore: bool = True) -> dict:
    """Every backend's (works, why), the sandbox images, the host tools scans use, and whether a
    VM really restores from its saved state (`vm_restore=False` skips that: it starts a VM)."""
    backends = {name: {"available": ok, "detail": why} for name, (ok, why) in availability().items()}
    created = {which: image_created(tag) for which, tag in IMAGES.items()}
    images = {which: {"tag": tag, "present": created[which] is not None, "created": created[which]}
              for which, tag in IMAGES.items()}
    tools = {t: bool(shutil.which(t)) for t in ("docker", "npm", "strace", "debootstrap", "virsh", "runsc")}
    out = {"backends": backends, "images": images, "tools": tools}
    if vm_restore and backends.get("libvirt", {}).get("available"):
        from .libvirt_backend import check_restore

        out["vm_restore"] = check_restore()
        if not out["vm_restore"]["ok"]:
            backends["libvirt"] = {"available": False,
                                   "detail": f"libvirt answers but a scan VM does not start: {out['vm_restore']['error']}"}
    return out


def cli_doctor(args) -> int:
    info = report(vm_restore=not getattr(args, "quick", False))
    for name, b in info["backends"].items():
        print(f"{name:<8} {'ok ' if b['available'] else 'NO '} {b['detail']}")
    for which, i in info["images"].items():
        print(f"image {which:<6} {i['tag']:<32} {'present' if i['present'] else 'missing: slopspotter-lab images build ' + which}")
    if "vm_restore" in info:
        r = info["vm_restore"]
        print(f"vm restore: {'ok' if r['ok'] else 'FAILED'} ({r['start']} in {r['start_s']} s, job {r['seconds']} s)"
              + (f"; state rebuilt: {r['state_rebuilt']}" if r.get("state_rebuilt") else "")
              + (f"; {r['error']}" if r.get("error") else ""))
    print("tools: " + ", ".join(f"{t}={'yes' if ok else 'no'}" for t, ok in info["tools"].items()))
    return 0
