"""`slopspotter-lab cleanup`: strays of crashed runs (every backend's cleanup_strays) and our
temp job directories whose owner is gone."""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import BACKEND_CLASSES, backend_class
from .base import remove_older_than
from .jobs import TMP_PREFIX


def cleanup_tempdirs(max_age_s: float = 3600.0, root: str | None = None) -> int:
    """Remove our job dirs older than max_age_s (a live scan never runs that long)."""
    return remove_older_than(Path(root or tempfile.gettempdir()).glob(TMP_PREFIX + "*"), max_age_s)


def cleanup_all(all_owners: bool = False) -> dict[str, int]:
    out = {}
    for name in BACKEND_CLASSES:
        try:
            out[name] = backend_class(name)().cleanup_strays(all_owners=all_owners)
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


__all__ = ["cleanup_all", "cleanup_tempdirs", "cli_cleanup"]
