"""SARIF 2.1.0 from every command that emits it, validated against the official schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest

from slopspotter_lab.indicators import REGISTRY
from slopspotter_lab.sarif import LEVEL, sarif_log

from .gitrepo import make_repo

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json").read_text())


def valid(log: dict) -> dict:
    """Validate against the official schema (draft 4, with its uri/date-time formats checked)."""
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return log


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", *args], capture_output=True, text=True,
                          cwd=cwd, env=os.environ.copy(), timeout=300)


def test_the_validator_rejects_broken_sarif():
    with pytest.raises(AssertionError):
        valid({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": []}]})  # driver needs a name
    with pytest.raises(AssertionError):
        valid({"version": "2.0.0", "runs": []})


def test_check_names_one_rule_per_registered_indicator(registry_env):
    out = _cli("check", "--offline", "--format", "sarif", "requests", "reqeusts", "left-pad", "-e", "pypi")
    assert out.returncode == 0, out.stderr
    log = valid(json.loads(out.stdout))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(REGISTRY)
    for rule in rules:
        spec = REGISTRY[rule["id"]]
        assert rule["shortDescription"]["text"] == spec.description
        assert rule["defaultConfiguration"]["level"] == LEVEL[spec.severity]
    results = run["results"]
    assert {r["properties"]["package"] for r in results} == {"reqeusts"}  # low-risk names are not findings
    squat = next(r for r in results if r["ruleId"] == "typosquat")
    assert rules[squat["ruleIndex"]]["id"] == "typosquat" and squat["level"] == "error"
    assert squat["properties"]["risk"] == "high" and 0.5 <= squat["properties"]["probability"] <= 1
    assert squat["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "pypi/reqeusts"
    assert "physicalLocation" not in squat["locations"][0]  # a command-line name has no file


def test_check_manifests_locates_results_at_file_and_line(tmp_path, registry_env):
    repo = make_repo(tmp_path)
    out = _cli("check", "--only-new", "--base", "main", "--offline", "--format", "sarif", cwd=repo)
    assert out.returncode == 0, out.stderr
    run = valid(json.loads(out.stdout))["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    where = {(r["properties"]["package"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"].get("region", {}).get("startLine")) for r in run["results"]}
    assert ("reqeusts", "requirements.txt", 3) in where
    assert ("expresss", "package.json", 6) in where and ("expresss", "package-lock.json", 21) in where
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
               for r in run["results"])


def test_check_text_records_keep_their_lines(tmp_path, registry_env):
    (tmp_path / "ANSWER.md").write_text("To parse YAML:\n\n```\npip install pyyaml reqeusts\n```\n")
    out = _cli("check", "--offline", "--text", "ANSWER.md", "--format", "sarif", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    run = valid(json.loads(out.stdout))["runs"][0]
    (loc,) = {json.dumps(r["locations"][0]["physicalLocation"], sort_keys=True) for r in run["results"]}
    assert json.loads(loc) == {"artifactLocation": {"uri": "ANSWER.md", "uriBaseId": "%SRCROOT%"},
                               "region": {"startLine": 4}}
    assert {r["properties"]["package"] for r in run["results"]} == {"reqeusts"}


def test_locations_from_a_subdirectory_and_stdin(tmp_path, registry_env):
    repo = make_repo(tmp_path)
    (repo / "web").mkdir()
    (repo / "web" / "requirements.txt").write_text("flask\nreqeusts\n")
    out = _cli("check", "--offline", "requirements.txt", "--format", "sarif", cwd=repo / "web")
    run = valid(json.loads(out.stdout))["runs"][0]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]} == {
        "web/requirements.txt"}  # relative to the work tree, as code scanning expects
    proc = subprocess.run([sys.executable, "-m", "slopspotter_lab", "check", "--offline", "--text", "-", "--format",
                           "sarif"], input="pip install reqeusts\n", capture_output=True, text=True, cwd=repo,
                          timeout=120)
    res = valid(json.loads(proc.stdout))["runs"][0]["results"]
    assert res and all("physicalLocation" not in r["locations"][0] for r in res)


def test_check_whole_manifests(tmp_path, registry_env):
    repo = make_repo(tmp_path)
    out = _cli("check", "--offline", "requirements.txt", "package-lock.json", "--format", "sarif", cwd=repo)
    assert out.returncode == 0, out.stderr
    run = valid(json.loads(out.stdout))["runs"][0]
    where = {(r["properties"]["package"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]}
    assert ("reqeusts", "requirements.txt", 3) in where and ("expresss", "package-lock.json", 21) in where


def test_ignores_become_suppressions_and_expired_ones_notifications(tmp_path, registry_env):
    past, future = date.today() - timedelta(days=2), date.today() + timedelta(days=9)
    (tmp_path / ".slopspotter.toml").write_text(
        f'[[ignore]]\nname = "reqeusts"\nreason = "a test fixture"\nuntil = {future}\n'
        f'[[ignore]]\nname = "old"\nreason = "gone"\nuntil = {past}\n')
    out = _cli("check", "--offline", "--format", "sarif", "--fail-on", "high", "reqeusts", cwd=tmp_path)
    assert out.returncode == 0, out.stderr  # ignored: does not fail
    run = valid(json.loads(out.stdout))["runs"][0]
    assert run["results"] and all(r["suppressions"] == [{"kind": "external", "status": "accepted",
                                                         "justification": f"a test fixture (until {future})"}]
                                  for r in run["results"])
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert "ignore of old expired" in notes[0]["message"]["text"]


def test_scan_sarif_points_at_the_scanned_path(registry_env):
    target = "tests/corpus/pypi/slop-steal-aws"
    out = _cli("scan", target, "--backend", "none", "--format", "sarif")
    assert out.returncode == 0, out.stderr
    run = valid(json.loads(out.stdout))["runs"][0]
    assert run["results"], "a credential stealer must give findings even from static analysis"
    for res in run["results"]:
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(target)
        assert res["properties"]["package"] == "slop-steal-aws" and "probability" in res["properties"]
    # a static finding points at the file and line inside the scanned tree
    setup = (ROOT / target / "setup.py").read_text().splitlines()
    located = [r["locations"][0]["physicalLocation"] for r in run["results"] if r["ruleId"] == "setup_network"]
    assert located and located[0]["artifactLocation"]["uri"] == f"{target}/setup.py"
    assert "socket" in setup[located[0]["region"]["startLine"] - 1]


def test_known_malware_result_names_the_advisory():
    rec = {"name": "slop-evil", "ecosystem": "npm", "version": "1.0.0", "risk": "high", "score": 0.99,
           "indicators": [{"id": "known_malicious", "severity": "critical", "evidence": "OSV lists it",
                           "extra": {"advisories": ["MAL-2026-9001"]}}], "source": "package-lock.json", "line": 7}
    res = valid(sarif_log([rec], base=Path.cwd()))["runs"][0]["results"][0]
    assert res["level"] == "error" and res["properties"]["advisories"] == ["MAL-2026-9001"]
    assert res["properties"]["security-severity"] == "9.5" and "slop-evil@1.0.0" in res["message"]["text"]


@pytest.mark.docker
def test_deep_scan_sarif_carries_dynamic_findings(registry_env):
    """A real Docker scan: what the package did in the sandbox becomes SARIF results too."""
    target = "tests/corpus/pypi/slop-steal-aws"
    out = _cli("scan", target, "--backend", "docker", "--timeout", "60", "--format", "sarif", "--fail-on", "high")
    assert out.returncode == 1, out.stderr  # a credential stealer reaches high
    run = valid(json.loads(out.stdout))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    dynamic = {r["ruleId"] for r in run["results"] if rules[r["ruleIndex"]]["properties"]["source"] == "dynamic"}
    assert "honeytoken_read" in dynamic, sorted(dynamic)
    assert all(r["properties"]["risk"] == "high" for r in run["results"])
