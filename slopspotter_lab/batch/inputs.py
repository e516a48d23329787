"""Batch input: a CSV path or DataFrame of packages -> validated job dicts with stable keys.

Every name goes through `parse_spec` before anything runs; a row that fails validation is not
dropped silently, it becomes a job whose task records the error (so the output still has one
row per input package).
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from ..ecosystems import Ecosystem
from ..errors import InputError

log = logging.getLogger(__name__)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text == "" or text.lower() in {"nan", "none", "<na>"} else text


def job_key(name: str, ecosystem: str, version: str | None) -> str:
    """Stable identity of a package in a batch: the store's primary key."""
    return f"{ecosystem}:{name}" + (f"=={version}" if version else "")


def read_packages(packages, default_ecosystem: str = "pypi") -> list[dict]:
    """Jobs (key, name, ecosystem, version) from a CSV path, DataFrame, or list of names/dicts.

    Duplicates (same key) are scanned once: the first occurrence wins.
    """
    import pandas as pd

    if isinstance(packages, (str, Path)):
        path = Path(packages)
        if not path.is_file():
            raise InputError(f"no such input file: {path}")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif isinstance(packages, pd.DataFrame):
        frame = packages
    else:
        frame = pd.DataFrame([p if isinstance(p, dict) else {"name": p} for p in packages])
    if "name" not in frame.columns:
        raise InputError(f"input needs a 'name' column (has: {', '.join(map(str, frame.columns))})")
    jobs, seen = [], set()
    for rec in frame.to_dict("records"):
        name = _clean(rec.get("name"))
        if name is None:
            continue
        try:
            eco = Ecosystem.parse(_clean(rec.get("ecosystem")) or default_ecosystem).value
        except InputError:
            eco = str(rec.get("ecosystem"))  # kept: the task turns it into an error row
        version = _clean(rec.get("version"))
        key = job_key(name, eco, version)
        if key in seen:
            continue
        seen.add(key)
        jobs.append({"key": key, "name": name, "ecosystem": eco, "version": version})
    dropped = len(frame) - len(jobs)
    if dropped:
        log.info("%d input rows were empty or repeated and are scanned once", dropped)
    return jobs


def fingerprint(jobs: list[dict], settings: dict) -> str:
    """Hash of the job list and the settings that change results, so --resume cannot mix batches."""
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for job in jobs:
        h.update(job["key"].encode() + b"\0")
    return h.hexdigest()
