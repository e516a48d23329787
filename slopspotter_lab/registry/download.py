"""Artifact download: raw files from the registry, hash-verified and size-capped, never run.

PyPI: the sdist by default (it holds setup.py, the build-time code that matters), the wheel on
request. npm: the tarball, checked against `dist.integrity` (sha512) or `dist.shasum`.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from ..errors import InputError, RegistryError
from .base import Artifact, PackageMetadata
from .http import iter_capped, session, timeout

DEFAULT_MAX_BYTES = 100 * 1024 * 1024


def max_bytes() -> int:
    """Size cap for one artifact: $SLOPSPOTTER_MAX_ARTIFACT_MB, default 100 MiB."""
    mb = os.environ.get("SLOPSPOTTER_MAX_ARTIFACT_MB")
    return int(float(mb) * 1024 * 1024) if mb else DEFAULT_MAX_BYTES


def choose_artifact(meta: PackageMetadata, kind: str | None = None) -> Artifact:
    """sdist first for PyPI (unless kind='wheel'), the tarball for npm; pure wheels before others."""
    if meta.exists is not True:
        raise InputError(f"{meta.name}: nothing to download (exists={meta.exists}: {meta.error or 'not found'})")
    arts = meta.artifacts
    if kind:
        arts = [a for a in arts if a.kind == kind]
    elif any(a.kind == "sdist" for a in arts):
        arts = [a for a in arts if a.kind == "sdist"]
    if not arts:
        raise InputError(f"{meta.name} {meta.version}: no {kind or 'downloadable'} artifact in the registry")
    wheels = sorted(arts, key=lambda a: (not a.filename.endswith("-none-any.whl"), a.filename))
    return wheels[0]


def _safe_filename(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    if not base or base in (".", "..") or base.startswith("."):
        raise RegistryError(f"refusing artifact file name {name!r}")
    return base


class _Hashes:
    def __init__(self):
        self.h = {n: hashlib.new(n) for n in ("sha256", "sha512", "sha1")}

    def update(self, chunk: bytes):
        for h in self.h.values():
            h.update(chunk)

    def verify(self, art: Artifact) -> None:
        """Raise RegistryError unless the strongest hash the registry gave us matches."""
        if art.sha256:
            if self.h["sha256"].hexdigest() != art.sha256.lower():
                raise RegistryError(f"{art.filename}: sha256 mismatch")
        elif art.sha512_integrity:
            algo, _, b64 = art.sha512_integrity.partition("-")
            if algo not in self.h:
                raise RegistryError(f"{art.filename}: unsupported integrity algorithm {algo}")
            if base64.b64encode(self.h[algo].digest()).decode() != b64:
                raise RegistryError(f"{art.filename}: integrity ({algo}) mismatch")
        elif art.sha1:
            if self.h["sha1"].hexdigest() != art.sha1.lower():
                raise RegistryError(f"{art.filename}: sha1 mismatch")
        else:
            raise RegistryError(f"{art.filename}: the registry gave no hash to verify against")


def download_artifact(meta: PackageMetadata, dest: Path, kind: str | None = None) -> Path:
    """Fetch the chosen artifact into `dest`; partial or unverified files never stay behind."""
    import requests

    art = choose_artifact(meta, kind)
    scheme = urlparse(art.url).scheme
    if scheme not in ("http", "https"):
        raise RegistryError(f"refusing artifact URL scheme {scheme!r}: {art.url}")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / _safe_filename(art.filename)
    cap = max_bytes()
    if art.size and art.kind != "tarball" and art.size > cap:  # npm size is unpacked size
        raise RegistryError(f"{art.filename} is {art.size} bytes, over the {cap}-byte cap")
    hashes = _Hashes()
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                resp = session().get(art.url, timeout=timeout(), stream=True)
            except requests.RequestException as exc:
                raise RegistryError(f"download failed: {type(exc).__name__}: {art.url}") from exc
            with resp:
                if resp.status_code != 200:
                    raise RegistryError(f"download answered HTTP {resp.status_code}: {art.url}")
                for chunk in iter_capped(resp, cap, art.filename, 256 * 1024):
                    hashes.update(chunk)
                    out.write(chunk)
        hashes.verify(art)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
