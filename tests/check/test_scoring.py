"""The hand-set model file and the stdlib scorer."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
import sys

import pytest

from slopspotter_lab.indicators import REGISTRY, Indicator
from slopspotter_lab.model import features
from slopspotter_lab.model.scoring import DEFAULT_MODEL, Model, load_model

# The packaged default model is refitted by the model work; the scorer is tested on a frozen
# copy of the first hand-set model so these tests check scoring, not a particular fit.
HAND_SET = Path(__file__).with_name("hand_set_model.json")


def test_default_model_covers_every_registered_id():
    names = {f["name"] for f in load_model(DEFAULT_MODEL).doc["features"]}
    missing = {spec.feature for spec in REGISTRY.values()} - names
    assert not missing, f"ids without a weight: {sorted(missing)}"


def test_model_file_has_design_fields():
    doc = json.loads(DEFAULT_MODEL.read_text())
    for key in ("format_version", "features", "intercept", "calibration", "thresholds", "metrics", "data"):
        assert key in doc
    assert doc["calibration"]["method"] == "platt" and {"a", "b"} <= set(doc["calibration"])
    assert all({"name", "weight", "transform"} <= set(f) for f in doc["features"])


def _score(*specs, dynamic=False):
    return load_model(HAND_SET).score([Indicator(i, s, "e") for i, s in specs], dynamic=dynamic)


def test_risk_ordering():
    clean = _score()
    squat = _score(("typosquat", "high"))
    squat_new = _score(("typosquat", "high"), ("new_package", "medium"), ("single_release", "low"))
    assert clean.risk == "low" and clean.probability < 0.1
    assert squat.risk == "medium"
    assert squat_new.risk == "high" and squat_new.probability > squat.probability
    assert _score(("not_found", "high")).risk == "high"
    assert _score(("honeytoken_exfiltration", "critical"), dynamic=True).risk == "high"


def test_contributions_name_the_drivers_and_clip():
    s = _score(("typosquat", "high"), ("new_package", "medium"))
    assert list(s.contributions)[0] == "typosquat"
    many = _score(*[("obfuscation", "critical")] * 10)
    assert many.contributions["obfuscation"] == pytest.approx(1.2 * 3.0)  # clipped at 3
    annotated = s.annotate([Indicator("typosquat", "high", "e")])
    assert annotated[0].weight == pytest.approx(s.contributions["typosquat"])


def test_dynamic_missing_versus_zero():
    row = features.extract([], dynamic=False)
    assert row["shell_spawn"] is None and row["typosquat"] == 0.0
    row = features.extract([Indicator("shell_spawn", "medium", "e")], dynamic=False)
    assert row["shell_spawn"] == 1.0 and row["honeytoken_read"] == 0.0  # dynamic evidence => scanned
    doc = load_model(HAND_SET).to_dict()
    doc["missing_dynamic"]["weight"] = 0.5
    m = Model(doc)
    assert m.score([], dynamic=False).contributions == {"scan_missing": 0.5}
    assert m.score([], dynamic=True).contributions == {}


def test_unknown_ids_and_dicts_accepted():
    m = load_model(HAND_SET)
    s = m.score([{"id": "brand_new_detector", "severity": "high", "evidence": "x"}], dynamic=False)
    assert s.risk == "low" and s.contributions == {}


def test_isotonic_calibration_interpolates():
    doc = load_model(HAND_SET).to_dict()
    doc["calibration"] = {"method": "isotonic", "x": [-3.0, 0.0, 3.0], "y": [0.0, 0.5, 1.0]}
    m = Model(doc)
    assert m.calibrate(-1.5) == pytest.approx(0.25) and m.calibrate(9) == 1.0


def test_env_and_config_model_selection(tmp_path, monkeypatch):
    doc = load_model(HAND_SET).to_dict()
    doc["name"] = "user-model"
    (tmp_path / "model.json").write_text(json.dumps(doc))
    monkeypatch.delenv("SLOPSPOTTER_MODEL", raising=False)
    monkeypatch.setenv("SLOPSPOTTER_CONFIG_DIR", str(tmp_path))
    assert load_model().name == "user-model"
    monkeypatch.setenv("SLOPSPOTTER_MODEL", str(HAND_SET))
    assert load_model().name == "hand-set-v0"
    with pytest.raises(ValueError):
        Model({"format": "pickle"})


def test_scoring_imports_no_heavy_modules():
    code = ("import sys; import slopspotter_lab.model.scoring as s; s.load_model();"
            "print(sorted(m for m in ('pandas','numpy','requests','sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
