"""One strong finding is never explained away: the severity floor, fitted and exported alike."""

from __future__ import annotations

import json

import numpy as np
import pytest

from slopspotter_lab.indicators import REGISTRY, Indicator
from slopspotter_lab.model import features
from slopspotter_lab.model.fit import ScoringModel
from slopspotter_lab.model.scoring import DEFAULT_MODEL, Model, load_model


def _rows(n=600, seed=0):
    """Rows where max_severity carries no signal at all (label follows `a` only)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n).astype(float)
    sev = rng.choice([0.0, 2.0, 4.0], n)
    y = (rng.random(n) < np.where(a > 0, 0.9, 0.05)).astype(int)
    return np.column_stack([a, sev]), y


def test_floor_lifts_rows_with_a_high_finding_to_medium():
    X, y = _rows()
    m = ScoringModel(feature_names=["a", "max_severity"], fixed_features=["max_severity"]).fit(X, y)
    unfloored = ScoringModel(feature_names=["a", "max_severity"], fixed_features=["max_severity"],
                             floor_feature=None).fit(X, y)
    weak = np.array([[0.0, 4.0], [0.0, 2.0]])
    p, p0 = m.predict_proba(weak)[:, 1], unfloored.predict_proba(weak)[:, 1]
    assert p0[0] < m.thresholds_["medium"]  # without the floor a lone high finding stays low
    assert p[0] >= m.thresholds_["medium"] and m.predict_risk(weak)[0] == "medium"
    assert p[1] == pytest.approx(p0[1])  # a low finding is not lifted


def test_floor_is_exported_and_applied_by_the_stdlib_scorer(tmp_path):
    X, y = _rows(seed=1)
    m = ScoringModel(feature_names=["a", "max_severity"], fixed_features=["max_severity"]).fit(X, y)
    doc = m.to_dict(name="floor-test")
    assert doc["floor"] == {"feature": "max_severity", "at_least": 4.0, "risk": "medium"}
    (tmp_path / "m.json").write_text(json.dumps(doc))
    host = load_model(tmp_path / "m.json")
    for row in ([0.0, 4.0], [1.0, 4.0], [0.0, 2.0], [0.0, 0.0]):
        p_fit = m.predict_proba(np.array([row]))[0, 1]
        p_host = host.score_features({"a": row[0], "max_severity": row[1]}).probability
        assert abs(p_fit - p_host) < 1e-6


def _default_score(specs, dynamic=False):
    return load_model(DEFAULT_MODEL).score([Indicator(i, s, "e") for i, s in specs], dynamic=dynamic)


@pytest.mark.parametrize("ind_id", [i for i, s in REGISTRY.items() if s.source in ("static", "heuristic")
                                    and i != "registry_unreachable"])
def test_default_model_any_high_indicator_alone_is_at_least_medium(ind_id):
    assert _default_score([(ind_id, "high")]).risk in ("medium", "high")


def test_default_model_clean_scan_never_lowers_strong_static_evidence():
    for ind_id in ("encoded_exec", "download_execute", "windows_payload", "setup_network"):
        checked = _default_score([(ind_id, "high")])
        scanned = _default_score([(ind_id, "high")], dynamic=True)  # a scan that saw nothing
        assert scanned.risk in ("medium", "high"), ind_id
        assert checked.risk in ("medium", "high"), ind_id


@pytest.mark.parametrize("specs", [[("obfuscation", "medium")], [("exfil_endpoint", "medium")],
                                   [("setup_process", "low"), ("setup_network", "low")]])
def test_default_model_clean_scan_never_clears_what_check_calls_medium_or_more(specs):
    """Real malware (dynamic_rows.csv) came out high from `check` and low after a clean scan."""
    checked = _default_score(specs)
    scanned = _default_score(specs, dynamic=True)
    assert checked.risk in ("medium", "high")
    assert scanned.risk in ("medium", "high"), (specs, checked, scanned)


def test_a_clean_scan_may_still_lower_weak_static_evidence():
    weak = [("credential_paths", "low")]
    checked, scanned = _default_score(weak), _default_score(weak, dynamic=True)
    assert checked.risk == "low" and scanned.risk == "low"
    assert scanned.probability < load_model(DEFAULT_MODEL).thresholds["medium"]


def test_fitted_estimator_applies_the_scan_floor_like_the_exported_file(tmp_path):
    """Static feature `a` alone is strong; a clean scan (dynamic `d` = 0) must not clear it."""
    rng = np.random.default_rng(3)
    n = 800
    a = rng.integers(0, 2, n).astype(float)
    scanned = rng.random(n) < 0.5
    d = np.where(scanned, rng.integers(0, 2, n), np.nan).astype(float)
    # malice shows either statically or dynamically; a clean scan of a row with `a` is common
    y = (rng.random(n) < np.where((a > 0) | (np.nan_to_num(d) > 0), 0.85, 0.03)).astype(int)
    X = np.column_stack([a, d])
    m = ScoringModel(feature_names=["a", "d"], dynamic_features=["d"], floor_feature=None).fit(X, y)
    rows = np.array([[1.0, np.nan], [1.0, 0.0], [0.0, 0.0]])
    p = m.predict_proba(rows)[:, 1]
    med = m.thresholds_["medium"]
    assert p[0] >= med and m._proba(rows, scan_floor=False)[1, 1] < med  # the clean scan alone would clear it
    assert p[1] == pytest.approx(med) and p[2] < med
    doc = m.to_dict(name="scan-floor-test")
    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    exported = load_model(path)
    for row, expected in zip(({"a": 1.0, "d": None}, {"a": 1.0, "d": 0.0}, {"a": 0.0, "d": 0.0}), p):
        assert exported.score_features(row).probability == pytest.approx(expected, abs=1e-6)


def test_default_model_low_findings_stay_low():
    """The inversion the issue reported: a lone low credential path must not outrank strong evidence."""
    low = _default_score([("credential_paths", "low")])
    high = _default_score([("setup_network", "high")])
    assert low.risk == "low" and high.probability > low.probability


def test_default_model_has_the_real_data_it_claims():
    doc = json.loads(DEFAULT_MODEL.read_text())
    assert doc["floor"]["feature"] == "max_severity"
    corpus = doc["data"]["corpus"]
    assert any(k.startswith("static:malregistry/malicious") for k in corpus)
    assert any(k.startswith("static:popular/benign") for k in corpus)
    assert set(features.feature_names()) == {f["name"] for f in doc["features"]}
    assert isinstance(Model(doc), Model)
