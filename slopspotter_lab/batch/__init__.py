"""Batch scanning: `scan_many`, the crash-safe results store, executors (local, Dask), progress.

Imported lazily by `slopspotter_lab.scan_many`; pandas loads only when a batch runs. The
`df.slop` accessor on the frames it returns is registered by `slopspotter_lab.viz` (import it, or
touch `slopspotter_lab.viz`): batch does not depend on plotting.
"""

from __future__ import annotations

from .core import scan_many
from .store import ResultStore

__all__ = ["scan_many", "ResultStore"]
