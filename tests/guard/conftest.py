"""Synthetic, harmless packages for the guard tests: wheels for pypiserver, folders for verdaccio."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path


def make_wheel(out_dir: Path, name: str, version: str, requires: list[str] = ()) -> Path:
    """A minimal valid py3-none-any wheel whose module only defines a constant."""
    dist = name.replace("-", "_")
    files = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\n",
        f"{dist}-{version}.dist-info/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\nSummary: synthetic test package (harmless)\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{dist}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: slop-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record_name = f"{dist}-{version}.dist-info/RECORD"
    lines = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        lines.append(f"{path},sha256={digest},{len(text.encode())}")
    lines.append(f"{record_name},,")
    files[record_name] = "\n".join(lines) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    whl = out_dir / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return whl


def make_npm_package(out_dir: Path, name: str, version: str, deps: dict[str, str] | None = None) -> Path:
    """A package folder with package.json and an index.js exporting a constant (no scripts)."""
    pkg = out_dir / f"{name.replace('/', '__')}-{version}"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "package.json").write_text(json.dumps({
        "name": name, "version": version, "description": "synthetic test package (harmless)",
        "main": "index.js", "license": "MIT", "dependencies": deps or {}}))
    (pkg / "index.js").write_text(f"module.exports = {{version: {version!r}}};\n")
    return pkg
