"""`slopspotter-lab images build [python|node|vm|all]`.

Mirror path (default): images/rootfs/build-rootfs.sh debootstraps a Debian base from the
distribution mirror and `docker import`s it; the standard Dockerfiles are then built on top
with BASE set to it. Registry path (--source registry): the same Dockerfiles FROM python:slim /
node:slim, for users who can reach a container registry. The VM image is the VM backend's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from ..errors import InputError
from .docker_backend import IMAGES, image_created

BASE_TAG = "slopspotter-lab/base:bookworm"
_BASE_BUILT: set[str] = set()  # one debootstrap per process, even with --force for several images


def images_root() -> Path:
    """images/ of a source checkout (the Dockerfiles are not Python package data)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "images" / "python" / "Dockerfile").exists():
            return parent / "images"
    raise InputError("images/ not found: run `images build` from a source checkout of slopspotter-lab")


def _run(argv: list[str], label: str) -> None:
    """Run a build step, streaming its output to stderr as progress."""
    start = time.monotonic()
    print(f"[images] {label}: {' '.join(argv)}", file=sys.stderr, flush=True)
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        print(f"[images]   {line.rstrip()}", file=sys.stderr, flush=True)
    if proc.wait() != 0:
        raise RuntimeError(f"{label} failed (exit {proc.returncode})")
    print(f"[images] {label} done in {time.monotonic() - start:.0f}s", file=sys.stderr, flush=True)


def build_docker_image(which: str, source: str = "mirror", mirror: str | None = None, force: bool = False) -> str:
    root = images_root()
    tag = IMAGES[which]
    if image_created(tag) is not None and not force:
        print(f"[images] {tag} present (use --force to rebuild)", file=sys.stderr)
        return tag
    args = ["docker", "build", "-t", tag, "--label", "io.slopspotter-lab.image=" + which]
    if source == "mirror":
        if (force and BASE_TAG not in _BASE_BUILT) or image_created(BASE_TAG) is None:
            argv = ["bash", str(root / "rootfs" / "build-rootfs.sh"), BASE_TAG]
            if mirror:
                argv.append(mirror)
            _run(argv, "debootstrap base from the distribution mirror")
            _BASE_BUILT.add(BASE_TAG)
        args += ["--build-arg", f"BASE={BASE_TAG}"]
    elif source != "registry":
        raise InputError(f"--source {source} is for the VM image; python/node use mirror or registry")
    _run([*args, str(root / which)], f"image {tag}")
    return tag


def cli_images(args) -> int:
    if getattr(args, "images_command", None) != "build":
        print("usage: slopspotter-lab images build [python|node|vm|all]", file=sys.stderr)
        return 2
    which = ["python", "node", "vm"] if args.which == "all" else [args.which]
    for name in which:
        if name == "vm":
            from .vm.image import build_vm_image

            build_vm_image(source=args.source if args.source != "registry" else "mirror", mirror=args.mirror,
                           force=args.force)
            continue
        build_docker_image(name, source="mirror" if args.source == "cloud" else args.source,
                           mirror=args.mirror, force=args.force)
    return 0
