"""Fit -> export JSON -> load with the stdlib scorer: identical numbers, explanations agree."""

from __future__ import annotations

import json

import numpy as np
import pytest

from slopspotter_lab.indicators import Indicator
from slopspotter_lab.model import features
from slopspotter_lab.model.fit import ScoringModel
from slopspotter_lab.model.scoring import Model, load_model

NAMES = features.feature_names()
DYN = list(features.DYNAMIC_FEATURES)
SEV = list(features.SEVERITY_FACTORS)


def synthetic_indicator_sets(n=900, seed=3):
    """Random indicator lists; malicious rows draw more from the 'bad' ids. Half unscanned."""
    rng = np.random.default_rng(seed)
    bad = ["typosquat", "not_found", "encoded_exec", "honeytoken_read", "shell_spawn", "network_attempt"]
    rows, y, scanned = [], [], []
    for _ in range(n):
        label = int(rng.random() < 0.4)
        dyn = bool(rng.random() < 0.5)
        pool = list(features.HEURISTIC_IDS) + (DYN if dyn else [])
        k = rng.poisson(2.5 if label else 1.0)
        ids = [rng.choice(bad) if label and rng.random() < 0.6 else rng.choice(pool) for _ in range(k)]
        ids = [i for i in ids if dyn or i not in DYN]
        rows.append([Indicator(str(i), str(rng.choice(SEV)), "synthetic") for i in ids])
        y.append(label)
        scanned.append(dyn)
    return rows, np.array(y), scanned


def matrix(rows, scanned):
    out = []
    for inds, dyn in zip(rows, scanned):
        f = features.extract(inds, dynamic=dyn)
        out.append([np.nan if f[n] is None else f[n] for n in NAMES])
    return np.array(out, dtype=float)


@pytest.mark.parametrize("calibration", ["platt", "isotonic"])
def test_export_load_score_identical(tmp_path, calibration):
    rows, y, scanned = synthetic_indicator_sets()
    X = matrix(rows, scanned)
    transforms = {n: {"transform": "log1p"} for n in NAMES}
    transforms["typosquat"] = {"transform": "clip", "min": 0.0, "max": 2.0}
    m = ScoringModel(feature_names=NAMES, dynamic_features=DYN, transforms=transforms,
                     calibration=calibration).fit(X, y)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(m.to_dict(name="roundtrip", metrics={"held_out": {"roc_auc": 0.5}})))
    loaded = load_model(path)
    assert loaded.calibration["method"] == calibration
    expected = m.predict_proba(X)[:, 1]
    risks = m.predict_risk(X)
    got = [loaded.score(inds, dynamic=dyn) for inds, dyn in zip(rows, scanned)]
    assert np.allclose([s.probability for s in got], expected, atol=1e-6)
    assert [s.risk for s in got] == risks
    assert np.allclose([s.logit for s in got], m.decision_function(X), atol=1e-5)
    # the explanation ranks the same drivers
    for row_expl, s in zip(m.explain(X, top=3), got):
        for name, value in row_expl:
            assert s.contributions[name] == pytest.approx(value, abs=1e-6)
        top = max((abs(v) for v in s.contributions.values()), default=0.0)
        assert abs(row_expl[0][1]) == pytest.approx(top, abs=1e-6) if row_expl else top == 0


def test_unscanned_rows_carry_the_missing_term(tmp_path):
    rows, y, scanned = synthetic_indicator_sets(600, seed=5)
    m = ScoringModel(feature_names=NAMES, dynamic_features=DYN).fit(matrix(rows, scanned), y)
    model = Model(m.to_dict())
    s = model.score([Indicator("typosquat", "high", "x")], dynamic=False)
    assert "scan_missing" in s.contributions
    assert "scan_missing" not in model.score([Indicator("typosquat", "high", "x")], dynamic=True).contributions


def test_rare_features_keep_prior_weights_and_still_round_trip(tmp_path):
    rows, y, scanned = synthetic_indicator_sets(700, seed=9)
    rows = [[i for i in inds if i.id != "reverse_shell_spawn"] for inds in rows]  # never observed
    hand = {"reverse_shell_spawn": {"weight": 2.5, "transform": "clip", "min": 0.0, "max": 3.0}}
    m = ScoringModel(feature_names=NAMES, dynamic_features=DYN, prior_weights=hand, min_support=5,
                     transforms={n: {"transform": "log1p"} for n in NAMES}).fit(matrix(rows, scanned), y)
    doc = m.to_dict()
    spec = next(f for f in doc["features"] if f["name"] == "reverse_shell_spawn")
    assert spec["weight"] == 2.5 and spec["fitted"] is False and spec["support"] == 0 and spec["max"] == 3.0
    assert next(f for f in doc["features"] if f["name"] == "typosquat")["fitted"] is True
    model = Model(doc)
    with_shell = [Indicator("reverse_shell_spawn", "critical", "sh -i"), Indicator("dns_query", "low", "x")]
    s = model.score(with_shell, dynamic=True)
    assert s.contributions["reverse_shell_spawn"] == pytest.approx(2.5 * min(features.SEVERITY_FACTORS["critical"], 3.0))
    X1 = matrix([with_shell], [True])
    assert m.predict_proba(X1)[0, 1] == pytest.approx(s.probability, abs=1e-9)
    assert s.probability > model.score(with_shell[1:], dynamic=True).probability


def test_explain_lists_strongest_indicators_with_evidence():
    rows, y, scanned = synthetic_indicator_sets(700, seed=11)
    model = Model(ScoringModel(feature_names=NAMES, dynamic_features=DYN).fit(matrix(rows, scanned), y).to_dict())
    inds = [Indicator("typosquat", "high", "one edit from 'requests'"),
            Indicator("honeytoken_read", "critical", "read ~/.aws/credentials", source="dynamic"),
            Indicator("empty_description", "low", "no description")]
    s = model.score(inds, dynamic=True)
    top = s.explain(inds, top=2)
    assert len(top) == 2 and all(t["evidence"] for t in top)
    weights = {i.id: i.weight for i in s.annotate(inds)}
    assert [t["id"] for t in top] == sorted((k for k, w in weights.items() if w > 0), key=lambda k: -weights[k])[:2]
    assert top[0]["weight"] >= top[1]["weight"] > 0


def test_shipped_default_model_is_fitted_and_documented():
    doc = load_model().doc
    assert doc["format_version"] >= 1 and doc["fitted_at"]
    held = doc["metrics"]["held_out"]
    for key in ("roc_auc", "pr_auc", "brier", "ece"):
        assert 0 <= held[key] <= 1
    assert held["n_malicious"] > 0 and held["n_benign"] > 0
    assert doc["data"]["n_train"]["malicious"] > 0
    assert 0 < doc["thresholds"]["medium"] <= doc["thresholds"]["high"] < 1
