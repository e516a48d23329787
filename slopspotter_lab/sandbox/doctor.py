"""`slopspotter-lab doctor`: which backends work here and why not, plus image presence."""

from __future__ import annotations

import shutil

from . import availability
from .docker_backend import IMAGES, image_created


def report() -> dict:
    """Every backend's (works, why), the sandbox images, and the host tools scans use."""
    backends = {name: {"available": ok, "detail": why} for name, (ok, why) in availability().items()}
    created = {which: image_created(tag) for which, tag in IMAGES.items()}
    images = {which: {"tag": tag, "present": created[which] is not None, "created": created[which]}
              for which, tag in IMAGES.items()}
    tools = {t: bool(shutil.which(t)) for t in ("docker", "npm", "strace", "debootstrap", "virsh", "runsc")}
    return {"backends": backends, "images": images, "tools": tools}


def cli_doctor(args) -> int:
    info = report()
    for name, b in info["backends"].items():
        print(f"{name:<8} {'ok ' if b['available'] else 'NO '} {b['detail']}")
    for which, i in info["images"].items():
        print(f"image {which:<6} {i['tag']:<32} {'present' if i['present'] else 'missing: slopspotter-lab images build ' + which}")
    print("tools: " + ", ".join(f"{t}={'yes' if ok else 'no'}" for t, ok in info["tools"].items()))
    return 0
