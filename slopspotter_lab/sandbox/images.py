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
RECIPE_LABEL = "io.slopspotter-lab.recipe"  # hash of the files an image was built from
VERSION_LABEL = "io.slopspotter-lab.version"
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


def recipe_hash(*dirs: Path) -> str:
    """sha256 over the names and bytes of every file in `dirs`: what an image is built from."""
    import hashlib

    h = hashlib.sha256()
    for d in dirs:
        for path in sorted(p for p in Path(d).rglob("*") if p.is_file()):
            h.update(f"{d.name}/{path.relative_to(d).as_posix()}\0".encode())
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()[:16]


def docker_recipe(which: str, source: str = "mirror") -> str:
    root = images_root()
    dirs = [root / which] + ([root / "rootfs"] if source == "mirror" else [])
    return f"{source}-{recipe_hash(*dirs)}"


def image_recipe(tag: str) -> str | None:
    """The recipe label of a built image, or None (absent, or built before images were stamped)."""
    from .docker_backend import _client

    try:
        return (_client(timeout=10).images.get(tag).labels or {}).get(RECIPE_LABEL)
    except Exception:  # absent image, engine gone, no SDK
        return None


def build_docker_image(which: str, source: str = "mirror", mirror: str | None = None, force: bool = False) -> str:
    """Build one sandbox image, stamped with its recipe hash; an image built from other files (or
    before stamps existed) is stale and rebuilt, its debootstrap base with it."""
    from .. import __version__

    root = images_root()
    tag = IMAGES[which]
    want = docker_recipe(which, source)
    present = image_created(tag) is not None
    have = image_recipe(tag) if present else None
    if have == want and not force:
        print(f"[images] {tag} present and current (recipe {want}; --force rebuilds)", file=sys.stderr)
        return tag
    if present and not force:
        print(f"[images] {tag} is stale (recipe {have or 'unstamped'}, now {want}): rebuilding", file=sys.stderr)
        force = True
    args = ["docker", "build", "-t", tag, "--label", "io.slopspotter-lab.image=" + which,
            "--label", f"{RECIPE_LABEL}={want}", "--label", f"{VERSION_LABEL}={__version__}"]
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
