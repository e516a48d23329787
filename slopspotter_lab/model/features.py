"""Indicators -> one row of numbers (standard library only: the native host imports this).

One feature per indicator id: the severity-weighted count of that id's indicators, so one
critical finding weighs more than one low one; then three summary values (distinct heuristic
ids, distinct dynamic ids, worst severity 0-5), and the model file's transform (clip, log1p)
stops a noisy detector from dominating. Dynamic ids only have values when a scan ran; without
a scan they are *missing*, not zero (the model handles that with its `missing_dynamic` term).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ..indicators import ids as _registry_ids

# The ids come from the one indicator registry (slopspotter_lab/indicators.py).
HEURISTIC_IDS = _registry_ids("heuristic", "static")
DYNAMIC_IDS = _registry_ids("dynamic")
ALL_IDS = HEURISTIC_IDS + DYNAMIC_IDS
SEVERITY_FACTORS = {"info": 0.1, "low": 0.25, "medium": 1.0, "high": 2.0, "critical": 3.0}
_SEVERITY_LEVEL = {s: i + 1 for i, s in enumerate(SEVERITY_FACTORS)}  # info 1 .. critical 5
# Summary values after the per-id counts: how broad the evidence is, and how bad the worst
# finding. Breadth separates "one noisy detector" from "many kinds of trouble".
HEURISTIC_SUMMARY = ("distinct_heuristic", "max_severity")
DYNAMIC_SUMMARY = ("distinct_dynamic",)
DYNAMIC_FEATURES = DYNAMIC_IDS + DYNAMIC_SUMMARY


def _get(ind, key):
    return ind.get(key) if isinstance(ind, Mapping) else getattr(ind, key, None)


def extract(indicators: Iterable, *, dynamic: bool,
            severity_factors: Mapping[str, float] | None = None) -> dict[str, float | None]:
    """Feature dict keyed by indicator id; dynamic ids are None when no scan ran.

    Accepts Indicator objects or their dicts. Unknown ids get features too (a model that does
    not know them ignores them), so new detectors never break scoring.
    """
    factors = severity_factors or SEVERITY_FACTORS
    pairs = [(_get(ind, "id"), _get(ind, "severity")) for ind in indicators]
    dynamic = dynamic or any(i in DYNAMIC_IDS for i, _ in pairs)  # dynamic evidence implies a scan
    row: dict[str, float | None] = {i: 0.0 for i in HEURISTIC_IDS}
    row.update({i: (0.0 if dynamic else None) for i in DYNAMIC_IDS})
    for ind_id, severity in pairs:
        if ind_id:
            row[ind_id] = (row.get(ind_id) or 0.0) + factors.get(severity or "medium", 1.0)
    ids = {i for i, _ in pairs if i}
    row["distinct_heuristic"] = float(len(ids - set(DYNAMIC_IDS)))
    row["max_severity"] = float(max((_SEVERITY_LEVEL.get(s or "medium", 3) for _, s in pairs), default=0))
    row["distinct_dynamic"] = float(len(ids & set(DYNAMIC_IDS))) if dynamic else None
    return row


def feature_names() -> list[str]:
    """Stable order: heuristic ids, dynamic ids, then the summary values."""
    return [*ALL_IDS, *HEURISTIC_SUMMARY, *DYNAMIC_SUMMARY]
