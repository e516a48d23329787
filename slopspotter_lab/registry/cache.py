"""On-disk cache of registry answers, one small JSON file per (ecosystem, name, version).

Why: `check` on a warm cache must answer in milliseconds and `--offline` must still know what
was seen before. Only definite answers are cached (found / not found); "registry unreachable"
never is, so a network blip cannot turn into a lasting verdict. Not-found answers expire
sooner than found ones, because a hallucinated name can be registered by an attacker any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .. import config

NEGATIVE_TTL_FRACTION = 0.25  # not-found answers live a quarter of the normal TTL


_ROOTS: dict[tuple, Path] = {}


def _root() -> Path:
    """<cache>/registry, memoised per environment (config.cache_dir() mkdirs on every call)."""
    key = (os.environ.get("SLOPSPOTTER_CACHE_DIR"), os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME"))
    if key not in _ROOTS:
        _ROOTS[key] = config.cache_dir() / "registry"
    return _ROOTS[key]


def _key_path(ecosystem: str, name: str, version: str | None) -> Path:
    key = f"v3\0{ecosystem}\0{name}\0{version or ''}"  # v3: project status, yanked, release time
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return _root() / ecosystem / digest[:2] / f"{digest}.json"


def load(ecosystem: str, name: str, version: str | None, *, allow_stale: bool = False,
         ttl: int | None = None) -> dict[str, Any] | None:
    """Return the cached metadata dict, or None when absent, expired (unless allow_stale) or corrupt."""
    path = _key_path(ecosystem, name, version)
    try:
        with open(path, encoding="utf-8") as fh:
            entry = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or "meta" not in entry or "stored" not in entry:
        return None
    if not allow_stale:
        limit = config.cache_ttl_seconds() if ttl is None else ttl
        if entry["meta"].get("exists") is False:
            limit = int(limit * NEGATIVE_TTL_FRACTION)
        if time.time() - float(entry["stored"]) > limit:
            return None
    return entry["meta"]


def store(ecosystem: str, name: str, version: str | None, meta: dict[str, Any]) -> None:
    """Write atomically (temp file + rename) so concurrent checks never read half a file."""
    if meta.get("exists") is None:
        return
    path = _key_path(ecosystem, name, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"stored": time.time(), "meta": meta}, fh, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def clear(ecosystem: str | None = None) -> int:
    """Remove cached answers (all, or one ecosystem's); returns how many files went."""
    root = _root()
    if ecosystem:
        root = root / ecosystem
    count = 0
    for path in root.rglob("*.json") if root.exists() else ():
        path.unlink(missing_ok=True)
        count += 1
    return count
