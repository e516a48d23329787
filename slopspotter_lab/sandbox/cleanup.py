"""`slopspotter-lab cleanup`: strays of crashed runs (every backend's cleanup_strays) and our
temp job directories whose owner is gone."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from . import BACKEND_CLASSES, backend_class
from .jobs import TMP_PREFIX


def cleanup_tempdirs(max_age_s: float = 3600.0, root: str | None = None) -> int:
    """Remove our job dirs older than max_age_s (a live scan never runs that long)."""
    removed = 0
    base = Path(root or tempfile.gettempdir())
    for path in base.glob(TMP_PREFIX + "*"):
        try:
            if time.time() - path.stat().st_mtime > max_age_s:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
        except OSError:
            continue
    return removed


def cleanup_all(all_owners: bool = False) -> dict[str, int]:
    out = {}
    for name in BACKEND_CLASSES:
        try:
            cls = backend_class(name)
            try:
                out[name] = cls().cleanup_strays(all_owners=all_owners)
            except TypeError:
                out[name] = cls().cleanup_strays()
        except Exception as exc:  # a backend that cannot load has nothing to clean
            out[name] = 0
            out[f"{name}_error"] = str(exc)[:200]
    out["tempdirs"] = cleanup_tempdirs(0 if all_owners else 3600.0)
    return out


def cli_cleanup(args) -> int:
    res = cleanup_all(all_owners=getattr(args, "all", False))
    for key, value in res.items():
        print(f"{key}: {value}")
    return 0


__all__ = ["cleanup_all", "cleanup_tempdirs", "cli_cleanup", "os"]
