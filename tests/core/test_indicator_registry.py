"""The one indicator registry: every id declared once, with what the model, docs and SARIF need."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slopspotter_lab.indicators import REGISTRY, SEVERITIES, SOURCES, IndicatorSpec, ids, spec
from slopspotter_lab.model import features

ROOT = Path(__file__).resolve().parents[2]


def test_every_id_is_complete():
    for ind_id, s in REGISTRY.items():
        assert s.id == ind_id and re.fullmatch(r"[a-z][a-z0-9_]*", ind_id)
        assert s.source in SOURCES and s.severity in SEVERITIES
        assert s.description.endswith(".") and len(s.description) > 15
        assert s.feature in features.feature_names()


def test_features_follow_the_registry():
    assert set(features.HEURISTIC_IDS) == set(ids("heuristic", "static"))
    assert set(features.DYNAMIC_IDS) == set(ids("dynamic"))
    assert spec("honeytoken_exfiltration").severity == "critical" and spec("nope") is None


def test_bad_specs_are_refused():
    with pytest.raises(ValueError):
        IndicatorSpec("x", "magic", "high", "A thing happened.")
    with pytest.raises(ValueError):
        IndicatorSpec("x", "static", "severe", "A thing happened.")


def test_detectors_only_emit_declared_ids():
    """Every id literal a detector passes to Indicator/_ind is declared in the registry."""
    pattern = re.compile(r"(?:Indicator|_ind)\(\s*\"([a-z_]+)\"")
    used = set()
    for path in (ROOT / "slopspotter_lab").rglob("*.py"):
        used |= set(pattern.findall(path.read_text()))
    assert used and not used - set(REGISTRY), sorted(used - set(REGISTRY))
