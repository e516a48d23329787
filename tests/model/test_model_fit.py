"""ScoringModel on synthetic feature matrices: conventions, missing scans, calibration, metrics."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from slopspotter_lab.model import metrics
from slopspotter_lab.model.fit import MISSING_FEATURE, ScoringModel

NAMES = ["typosquat", "not_found", "install_scripts", "dyn_honeytoken_read", "dyn_network_attempt"]
DYN = ["dyn_honeytoken_read", "dyn_network_attempt"]


def synthetic(n=1500, seed=0, scanned=0.5):
    """Rows whose true log-odds are known; half of them without a scan (dynamic NaN)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([
        rng.integers(0, 2, n), rng.integers(0, 2, n), rng.poisson(0.5, n),
        rng.poisson(0.4, n), rng.poisson(1.0, n),
    ]).astype(float)
    logit = -2.5 + 1.5 * X[:, 0] + 1.0 * X[:, 1] + 0.6 * X[:, 2] + 2.0 * X[:, 3] + 0.3 * X[:, 4]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    no_scan = rng.random(n) >= scanned
    X[no_scan, 3:] = np.nan
    return X, y


def model(**kw):
    return ScoringModel(feature_names=NAMES, dynamic_features=DYN,
                        transforms={"install_scripts": {"transform": "log1p"}}, **kw)


def test_sklearn_conventions():
    m = model(C=0.5)
    assert m.get_params()["C"] == 0.5
    assert not [k for k in vars(m) if k.endswith("_")]  # nothing learned before fit
    assert m.set_params(C=2.0) is m and m.C == 2.0
    X, y = synthetic(400)
    assert m.fit(X, y) is m
    c = clone(m)
    assert c.get_params() == m.get_params() and not hasattr(c, "pipeline_")
    p = m.predict_proba(X)
    assert p.shape == (400, 2) and np.allclose(p.sum(axis=1), 1)
    assert set(m.predict(X)) <= {0, 1}


def test_learns_the_direction_of_each_signal():
    X, y = synthetic()
    m = model().fit(X, y)
    w, _ = m.raw_weights()
    assert w["typosquat"] > 0.5 and w["dyn_honeytoken_read"] > 0.5
    assert w["dyn_honeytoken_read"] > w["dyn_network_attempt"]


def test_missing_scan_is_not_the_same_as_a_clean_scan():
    X, y = synthetic(3000, seed=1)
    m = model().fit(X, y)
    no_scan = np.array([[1, 0, 0, np.nan, np.nan]])
    clean_scan = np.array([[1, 0, 0, 0, 0]])
    p_missing, p_clean = m.predict_proba(no_scan)[0, 1], m.predict_proba(clean_scan)[0, 1]
    # without a scan the dynamic evidence is unknown, so the model must not treat it as clean
    assert p_missing > p_clean
    assert MISSING_FEATURE in dict(m.explain(no_scan, top=10)[0])


def test_nan_in_heuristic_feature_is_refused():
    X, y = synthetic(300)
    m = model().fit(X, y)
    with pytest.raises(ValueError, match="heuristic"):
        m.predict_proba(np.array([[np.nan, 0, 0, 0, 0]]))


def test_calibrated_on_held_out_split():
    X, y = synthetic(6000, seed=2)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, stratify=y, random_state=0)
    m = model(calibration="platt").fit(Xtr, ytr)
    p = m.predict_proba(Xte)[:, 1]
    figures = metrics.evaluate(yte, p, m.thresholds_)
    assert figures["ece"] < 0.05, figures
    assert figures["roc_auc"] > 0.7
    assert figures["at_high"]["false_alarm_rate"] <= 0.05
    assert figures["at_medium"]["false_alarm_rate"] >= figures["at_high"]["false_alarm_rate"]


def test_isotonic_only_with_enough_rows():
    X, y = synthetic(300)
    assert model().fit(X, y).calibration_["method"] == "platt"
    X, y = synthetic(1200)
    assert model(isotonic_min=1000).fit(X, y).calibration_["method"] == "isotonic"


def test_thresholds_order_and_risk_labels():
    X, y = synthetic(800)
    m = model().fit(X, y)
    t = m.thresholds_
    assert 0 < t["medium"] <= t["high"] < 1
    risks = m.predict_risk(X)
    p = m.predict_proba(X)[:, 1]
    assert all((r == "high") == (v >= t["high"]) for r, v in zip(risks, p))


def test_metrics_on_known_values():
    y = np.array([0, 0, 1, 1])
    p = np.array([0.1, 0.4, 0.35, 0.8])
    out = metrics.evaluate(y, p, {"high": 0.5})
    assert out["roc_auc"] == pytest.approx(0.75)
    assert out["brier"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert out["at_high"] == {"threshold": 0.5, "false_alarm_rate": 0.0, "detection_rate": 0.5}
    # perfectly calibrated bins -> ECE 0; fully wrong -> 1
    assert metrics.expected_calibration_error([0, 1], [0.0, 1.0]) == 0
    assert metrics.expected_calibration_error([1, 0], [0.0, 1.0]) == 1


def test_plots_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from slopspotter_lab.model import plots

    X, y = synthetic(500)
    m = model().fit(X, y)
    p = m.predict_proba(X)[:, 1]
    for fig, name in ((plots.reliability_diagram(y, p), "rel.png"), (plots.roc_plot(y, p, thresholds=m.thresholds_), "roc.png")):
        fig.savefig(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 1000
        assert fig.axes[0].get_legend() is not None


def test_nonnegative_weights_fall_back_to_the_prior():
    """A feature that only benign rows show would get a negative weight; an attacker could then
    add it to malware to look safer. With nonnegative=True it keeps its prior weight instead."""
    rng = np.random.default_rng(4)
    n = 600
    bad = rng.integers(0, 2, n)
    noise = ((bad == 0) & (rng.random(n) < 0.5)).astype(float)  # shown only by benign rows
    X = np.column_stack([bad, noise]).astype(float)
    y = (rng.random(n) < np.where(bad == 1, 0.9, 0.1)).astype(int)
    kw = dict(feature_names=["bad", "noise"], prior_weights={"noise": {"weight": 0.3, "transform": "identity"}})
    free = ScoringModel(nonnegative=False, **kw).fit(X, y)
    assert free.raw_weights()[0]["noise"] < 0
    safe = ScoringModel(**kw).fit(X, y)
    assert safe.raw_weights()[0]["noise"] == 0.3 and "noise" in safe.fixed_
    p = safe.predict_proba(np.array([[1.0, 0.0], [1.0, 1.0]]))[:, 1]
    assert p[1] >= p[0]  # adding the benign-looking signal never lowers the score


@pytest.mark.parametrize("bad", [{"C": 0}, {"calibration": "sigmoidal"}, {"cv": 1}, {"medium_fpr": 1.5},
                                 {"high_fpr": 0.5, "medium_fpr": 0.1}, {"min_support": -1}, {"class_weight": "heavy"}])
def test_bad_parameters_are_refused_before_fitting(bad):
    m = model(**bad)
    X, y = synthetic(200)
    with pytest.raises(ValueError, match=next(iter(bad))):
        m.fit(X, y)
    assert not hasattr(m, "pipeline_")


def test_unfitted_model_raises_not_fitted_error():
    from sklearn.exceptions import NotFittedError

    X, _ = synthetic(50)
    for call in (lambda m: m.predict_proba(X), lambda m: m.raw_weights(), lambda m: m.to_dict()):
        with pytest.raises(NotFittedError):
            call(model())


def test_feature_names_in_follow_the_dataframe():
    import pandas as pd

    X, y = synthetic(300)
    df = pd.DataFrame(X, columns=NAMES)
    m = ScoringModel(dynamic_features=DYN).fit(df, y)
    assert list(m.feature_names_in_) == NAMES and m.n_features_in_ == len(NAMES)
    assert np.allclose(m.predict_proba(df[NAMES[::-1]]), m.predict_proba(df))  # columns found by name


def test_sample_weight_weighs_rows():
    """Upweighting the rows where a signal and the malicious label meet raises its weight."""
    X, y = synthetic(800, seed=3)
    plain = model(class_weight=None).fit(X, y).raw_weights()[0]["not_found"]
    weight = np.where((X[:, 1] > 0) & (y == 1), 5.0, 1.0)
    heavier = model(class_weight=None).fit(X, y, sample_weight=weight).raw_weights()[0]["not_found"]
    assert heavier > plain + 0.3
    with pytest.raises(ValueError, match="sample_weight"):
        model().fit(X, y, sample_weight=np.ones(3))
