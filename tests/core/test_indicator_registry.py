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


def test_the_architecture_page_carries_the_generated_table():
    """docs/ARCHITECTURE.md shows the registry as generated, not a hand-kept copy."""
    from slopspotter_lab.indicators import markdown_table

    page = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    assert markdown_table() in page, "regenerate the table with: python -m slopspotter_lab.indicators"


def test_dynamic_detectors_report_the_registry_default_severity():
    """The trace detectors take their severity from the registry, not a table of their own."""
    import pandas as pd

    from slopspotter_lab.trace.frames import TraceFrames
    from slopspotter_lab.trace.indicators import dynamic_indicators

    frames = TraceFrames.of(dns=pd.DataFrame({"phase": ["import"], "pid": [7], "ts": [0.1],
                                              "hostname": ["c2.example.invalid"], "qtype": ["A"], "answer": [None]}),
                            phases=[{"name": "import", "status": "timeout", "duration_s": 9}])
    found = {i.id: i.severity for i in dynamic_indicators(frames, {})}
    assert found == {"dns_query": spec("dns_query").severity, "phase_timeout": spec("phase_timeout").severity}
