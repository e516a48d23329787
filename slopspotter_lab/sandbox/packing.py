"""Pack corpus source directories into an sdist or an npm tarball with our own tarfile code:
no build backend, no setup.py and no npm on the host, so packing never runs package code.
Names and versions are read statically (artifact_info: PKG-INFO, pyproject.toml, setup.cfg, setup.py,
package.json).
"""

from __future__ import annotations

import gzip
import io
import re
import tarfile
from pathlib import Path

from .artifact_info import read_source_dir

_SKIP = {"__pycache__", ".git", "node_modules", ".DS_Store"}


def python_name_version(src: Path) -> tuple[str, str]:
    """Name and version of a Python source tree, read without executing anything (PKG-INFO,
    pyproject.toml, setup.cfg, literals in setup.py); a version computed at build time is "0"."""
    info = read_source_dir(src, "pypi")
    return info.name, info.version or "0"


def npm_name_version(src: Path) -> tuple[str, str]:
    info = read_source_dir(src, "npm")
    return info.name, info.version or "0.0.0"


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


def pack_wheel(src: Path, dest_dir: Path) -> Path:
    """src/ -> dest_dir/<name>-<version>-py3-none-any.whl for a pure-Python tree (packages and
    modules in the root or src/), with METADATA, WHEEL and RECORD as a build backend writes them,
    without running one. No top_level.txt: the sandbox then finds the modules through RECORD."""
    import base64
    import hashlib
    import zipfile

    from .artifact_info import shipped_modules

    src, dest_dir = Path(src), Path(dest_dir)
    name, version = python_name_version(src)
    base = f"{re.sub(r'[-.]+', '_', name)}-{version}"
    files: dict[str, bytes] = {}
    rel = [p.relative_to(src).as_posix() for p in sorted(src.rglob("*.py"))]
    for module in shipped_modules(rel):
        root = src / "src" if (src / "src" / module).exists() or (src / "src" / f"{module}.py").exists() else src
        if (root / module).is_dir():
            for path in sorted((root / module).rglob("*")):
                if path.is_file() and not any(part in _SKIP for part in path.relative_to(root).parts):
                    files[path.relative_to(root).as_posix()] = path.read_bytes()
        else:
            files[f"{module}.py"] = (root / f"{module}.py").read_bytes()
    info = f"{base}.dist-info"
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: slopspotter-lab\nRoot-Is-Purelib: true\nTag: py3-none-any\n"

    def digest(data: bytes) -> str:
        return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    record = "".join(f"{path},{digest(data)},{len(data)}\n" for path, data in files.items()) + f"{info}/RECORD,,\n"
    files[f"{info}/RECORD"] = record.encode()
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / f"{base}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in files.items():
            zinfo = zipfile.ZipInfo(path, date_time=(2023, 11, 14, 22, 13, 20))
            zinfo.external_attr = 0o644 << 16
            zf.writestr(zinfo, data, zipfile.ZIP_DEFLATED)
    return out
