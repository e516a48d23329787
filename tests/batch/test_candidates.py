import json

import pandas as pd
import pytest

from slopspotter_lab.datasets import candidates_frame, check_existence, write_candidates
from slopspotter_lab.errors import InputError
from slopspotter_lab.heuristics.typosquat import find_typosquat

from .conftest import ROOT


def test_candidates_use_detector_operators_and_are_detected():
    df = candidates_frame("pypi", top=5, per_name=6)
    assert len(df) == 30 and df["name"].is_unique
    assert df["operator"].nunique() >= 4  # round robin over operators
    for rec in df.head(12).to_dict("records"):
        hit = find_typosquat(rec["name"], "pypi")
        assert hit is not None, rec


def test_existence_checked_on_loopback_registry(registry_env, pypi_json_server, tmp_path):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_json_server.url.replace("/pypi", "/simple"))
    doc = json.loads((ROOT / "tests/fixtures/pypi_json/six.json").read_text())
    df = candidates_frame("pypi", top=3, per_name=4)
    squat = df.loc[0, "name"]
    pypi_json_server.add(squat, {**doc, "info": {**doc["info"], "name": squat}})
    out = check_existence(df)
    assert out.loc[0, "exists"] is True
    assert (out.loc[1:, "exists"] == False).all()  # noqa: E712
    path = write_candidates(tmp_path / "c.csv", ("pypi",), top=3, per_name=4, only_existing=True)
    back = pd.read_csv(path)
    assert back["name"].tolist() == [squat] and {"name", "ecosystem", "version"} <= set(back.columns)


def test_refuses_to_probe_live_registry(monkeypatch):
    monkeypatch.delenv("SLOPSPOTTER_PYPI_URL", raising=False)
    with pytest.raises(InputError, match="refusing"):
        check_existence(candidates_frame("pypi", top=1, per_name=2))


def test_shipped_sample_csvs_are_batch_ready():
    from slopspotter_lab.batch.inputs import read_packages

    for name in ("typosquat_candidates.csv", "hallucinated_names.csv", "popular_names.csv"):
        jobs = read_packages(ROOT / "datasets" / name)
        assert len(jobs) >= 20, name
