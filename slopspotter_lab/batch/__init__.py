"""Batch scanning: `scan_many`, the crash-safe results store, executors (local, Dask), progress.

Imported lazily by `slopspotter_lab.scan_many`; pandas loads only when a batch runs.
"""

from __future__ import annotations

from .. import viz  # noqa: F401  (registers df.slop on the frames scan_many returns)
from .core import scan_many
from .store import ResultStore

__all__ = ["scan_many", "ResultStore"]
