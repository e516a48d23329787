"""`slopspotter-lab doctor`: which backends work here and why not, plus image presence."""

from __future__ import annotations

import json
import shutil
import subprocess

from . import availability
from .docker_backend import IMAGES


def report() -> dict:
    """Every backend's (works, why), the sandbox images, and the host tools scans use."""
    backends = {name: {"available": ok, "detail": why} for name, (ok, why) in availability().items()}
    images = {}
    for which, tag in IMAGES.items():
        if shutil.which("docker"):
            res = subprocess.run(["docker", "image", "inspect", "--format", "{{.Created}}", tag],
                                 capture_output=True, text=True)
            images[which] = {"tag": tag, "present": res.returncode == 0,
                             "created": res.stdout.strip() or None}
        else:
            images[which] = {"tag": tag, "present": False, "created": None}
    tools = {t: bool(shutil.which(t)) for t in ("docker", "npm", "strace", "debootstrap", "virsh", "runsc")}
    return {"backends": backends, "images": images, "tools": tools}


def cli_doctor(args) -> int:
    info = report()
    if getattr(args, "format", None) == "json":
        print(json.dumps(info, indent=1))
        return 0
    for name, b in info["backends"].items():
        print(f"{name:<8} {'ok ' if b['available'] else 'NO '} {b['detail']}")
    for which, i in info["images"].items():
        print(f"image {which:<6} {i['tag']:<32} {'present' if i['present'] else 'missing: slopspotter-lab images build ' + which}")
    print("tools: " + ", ".join(f"{t}={'yes' if ok else 'no'}" for t, ok in info["tools"].items()))
    return 0
