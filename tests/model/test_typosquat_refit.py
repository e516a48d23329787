"""The typosquat weight is refitted alone on name rows (datasets/labelled/build_labelled.py,
issue 12): real squats against legitimate look-alikes, every other number of the model held."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("scipy")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bl():
    spec = importlib.util.spec_from_file_location("build_labelled", ROOT / "datasets" / "labelled" / "build_labelled.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def doc():
    from slopspotter_lab.model.scoring import default_model_path

    return json.loads(Path(default_model_path()).read_text())


def rows(n_squat_high: int, n_look_medium: int, n_look_high: int = 0):
    """Name rows: real squats (high match), look-alikes (benign), popular names (no match)."""
    from slopspotter_lab.model import features

    names = features.feature_names()
    out = []

    def add(kind, label, typo, n):
        for i in range(n):
            r = {f: (None if f in features.DYNAMIC_FEATURES else 0.0) for f in names}
            r.update(typosquat=typo, max_severity=(4.0 if typo >= 2 else 3.0 if typo else 0.0))
            out.append({**r, "name": f"{kind}{i}", "ecosystem": "pypi", "label": label, "kind": kind,
                        "source": "check", "scanned": 0, "group": f"{kind}{i}"})

    add("malregistry", 1, 2.0, n_squat_high)
    add("malregistry", 1, 1.0, n_squat_high // 4)
    add("lookalike", 0, 1.0, n_look_medium)
    add("lookalike", 0, 2.0, n_look_high)
    add("popular", 0, 0.0, 400)
    return pd.DataFrame(out)


def test_only_the_typosquat_weight_changes(bl, doc):
    d = copy.deepcopy(doc)
    out = bl.fit_typosquat_weight(d, rows(200, 40, 5))
    spec = {f["name"]: f for f in d["features"]}
    before = {f["name"]: f for f in doc["features"]}
    assert spec["typosquat"]["transform"] == "identity" and spec["typosquat"]["weight"] == out["weight"] > 0
    assert {n: f for n, f in spec.items() if n != "typosquat"} == {n: f for n, f in before.items() if n != "typosquat"}
    assert (d["intercept"], d["calibration"], d["thresholds"]) == (doc["intercept"], doc["calibration"], doc["thresholds"])
    assert set(out["name_only_risk"]) == {"severity low", "severity medium", "severity high"}


def test_look_alikes_lower_the_weight(bl, doc, monkeypatch):
    """The more legitimate look-alikes weigh, the weaker evidence a match is."""
    monkeypatch.setattr(bl, "LOOKALIKE_WEIGHT", 0.1)
    light = bl.fit_typosquat_weight(copy.deepcopy(doc), rows(200, 40))["weight"]
    monkeypatch.setattr(bl, "LOOKALIKE_WEIGHT", 2.0)
    heavy = bl.fit_typosquat_weight(copy.deepcopy(doc), rows(200, 40))["weight"]
    assert 0 < heavy < light


def test_look_alikes_weigh_a_share_of_the_real_squats(bl):
    df = rows(100, 20)
    w = bl.real_weights(df)
    look, squat = (df["kind"] == "lookalike").to_numpy(), (df["kind"] == "malregistry").to_numpy()
    assert w[look].sum() == pytest.approx(bl.LOOKALIKE_WEIGHT * squat.sum())
    assert (w[squat] == 1).all() and (w[(df["kind"] == "popular").to_numpy()] == 1).all()
