"""Pack corpus source directories into an sdist or an npm tarball with our own tarfile code:
no build backend, no setup.py and no npm on the host, so packing never runs package code.
Names and versions are read statically (pyproject.toml, package.json, or a literal in setup.py).
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
import tomllib
from pathlib import Path

from ..errors import InputError

_SKIP = {"__pycache__", ".git", "node_modules", ".DS_Store"}


def python_name_version(src: Path) -> tuple[str, str]:
    """Name and version of a Python source tree, read without executing anything."""
    pp = src / "pyproject.toml"
    if pp.exists():
        project = tomllib.loads(pp.read_text()).get("project", {})
        if project.get("name") and project.get("version"):
            return project["name"], str(project["version"])
    setup = src / "setup.py"
    if setup.exists():
        text = setup.read_text(errors="replace")
        name = re.search(r"""\bname\s*=\s*["']([^"']+)["']""", text)
        version = re.search(r"""\bversion\s*=\s*["']([^"']+)["']""", text)
        if name and version:
            return name.group(1), version.group(1)
    raise InputError(f"{src}: no static name/version in pyproject.toml or setup.py")


def npm_name_version(src: Path) -> tuple[str, str]:
    try:
        meta = json.loads((src / "package.json").read_text())
        return meta["name"], meta["version"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{src}: unreadable package.json ({exc})") from exc


def _add_tree(tar: tarfile.TarFile, src: Path, prefix: str) -> None:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if any(part in _SKIP for part in rel.parts) or path.is_symlink():
            continue
        info = tar.gettarinfo(str(path), arcname=f"{prefix}/{rel.as_posix()}")
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = 1700000000
        if path.is_file():
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
        elif path.is_dir():
            tar.addfile(info)


def _bytes_member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 1700000000, 0o644
    tar.addfile(info, io.BytesIO(data))


def _write_targz(dest: Path, fill) -> Path:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        fill(tar)
    with gzip.GzipFile(dest, "wb", mtime=1700000000) as gz:
        gz.write(raw.getvalue())
    return dest


def pack_sdist(src: Path, dest_dir: Path) -> Path:
    """src/ -> dest_dir/<name>-<version>.tar.gz with a PKG-INFO, as `python -m build --sdist` would."""
    src, dest_dir = Path(src), Path(dest_dir)
    name, version = python_name_version(src)
    base = f"{re.sub(r'[-.]+', '_', name)}-{version}"
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()

    def fill(tar):
        if not (src / "PKG-INFO").exists():
            _bytes_member(tar, f"{base}/PKG-INFO", pkg_info)
        _add_tree(tar, src, base)

    dest_dir.mkdir(parents=True, exist_ok=True)
    return _write_targz(dest_dir / f"{base}.tar.gz", fill)


def pack_npm(src: Path, dest_dir: Path) -> Path:
    """src/ -> dest_dir/<name>-<version>.tgz with everything under package/, as `npm pack` does."""
    src, dest_dir = Path(src), Path(dest_dir)
    name, version = npm_name_version(src)
    dest_dir.mkdir(parents=True, exist_ok=True)
    flat = name.lstrip("@").replace("/", "-")
    return _write_targz(dest_dir / f"{flat}-{version}.tgz", lambda tar: _add_tree(tar, src, "package"))


def pack_dir(src: Path, ecosystem: str, dest_dir: Path) -> Path:
    return pack_npm(src, dest_dir) if ecosystem == "npm" else pack_sdist(src, dest_dir)
