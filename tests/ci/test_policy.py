"""The policy file: discovery, validation, expiry of ignores, internal names, fail-on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from slopspotter_lab.check import check_records
from slopspotter_lab.errors import InputError
from slopspotter_lab.policy import failing, find_policy_file, load_policy, parse_duration, policy_from_dict

from .servers import pypi_doc

TODAY = date.today()
FUTURE = (TODAY + timedelta(days=30)).isoformat()
PAST = (TODAY - timedelta(days=1)).isoformat()


def _cli(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", *args], capture_output=True, text=True,
                          cwd=cwd, env=env or os.environ.copy(), timeout=120)


def test_found_walking_up_pyproject_and_dotfile(tmp_path):
    deep = tmp_path / "repo" / "src" / "pkg"
    deep.mkdir(parents=True)
    (tmp_path / "repo" / "src" / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # no table: skipped
    (tmp_path / "repo" / "pyproject.toml").write_text('[tool.slopspotter]\nfail-on = "medium"\nmin-age = "72h"\n')
    assert find_policy_file(deep) == tmp_path / "repo" / "pyproject.toml"
    pol = load_policy(start=deep)
    assert pol.fail_on == "medium" and pol.min_age == timedelta(hours=72)
    (tmp_path / "repo" / "src" / ".slopspotter.toml").write_text('fail-on = "high"\n')  # nearer wins
    assert load_policy(start=deep).fail_on == "high"
    assert load_policy(start=tmp_path).source is None  # nothing above: defaults


def test_config_overrides_discovery(tmp_path):
    (tmp_path / ".slopspotter.toml").write_text('fail-on = "low"\n')
    other = tmp_path / "ci-policy.toml"
    other.write_text('[tool.slopspotter]\nfail-on = "never"\n')
    assert load_policy(other, start=tmp_path).fail_on == "never"
    with pytest.raises(InputError, match="does not exist"):
        load_policy(tmp_path / "missing.toml")
    (tmp_path / "empty.toml").write_text("[tool.other]\nx = 1\n")
    with pytest.raises(InputError, match="no \\[tool.slopspotter\\] table"):
        load_policy(tmp_path / "empty.toml")


@pytest.mark.parametrize("table, message", [
    ({"fail_on": "high"}, "unknown key 'fail_on' (did you mean 'fail-on'?)"),
    ({"fail-on": "critical"}, "fail-on must be one of low, medium, high, never"),
    ({"min-age": "three days"}, "not a duration"),
    ({"min-age": 72}, "give a unit"),
    ({"internal-scopes": ["acme"]}, "not an npm scope"),
    ({"internal": "acme-*", "internal-probe": "yes"}, "internal-probe must be true or false"),
    ({"ignore": [{"name": "x"}]}, "'reason' is required"),
    ({"ignore": [{"reason": "r"}]}, "'name' is required"),
    ({"ignore": [{"name": "x", "reason": "r", "until": "next week"}]}, "is not a date"),
    ({"ignore": [{"name": "x", "reason": "r", "versions": "~~1"}]}, "is not a specifier"),
    ({"ignore": [{"name": "x", "reason": "r", "ecosystem": "cargo"}]}, "unknown ecosystem"),
    ({"ignore": [{"name": "x", "reason": "r", "expires": "2026-01-01"}]}, "unknown key 'expires'"),
])
def test_validation_errors_name_the_key(table, message):
    with pytest.raises(InputError) as err:
        policy_from_dict(table, "pyproject.toml")
    assert message in str(err.value) and str(err.value).startswith("pyproject.toml")


def test_durations():
    assert parse_duration("72h") == timedelta(hours=72)
    assert parse_duration("1d12h") == timedelta(hours=36)
    assert parse_duration("2w") == timedelta(days=14)
    assert parse_duration("90m") == timedelta(minutes=90)


def test_ignores_match_name_version_and_expire():
    pol = policy_from_dict({"ignore": [
        {"name": "Left_Pad", "ecosystem": "pypi", "versions": "<2", "reason": "vetted", "until": FUTURE},
        {"name": "old-thing", "reason": "was fine once", "until": PAST},
        {"name": "any-version", "reason": "internal mirror"},
    ]})
    assert pol.ignore_for("left-pad", "pypi", "1.3.0").reason == "vetted"
    assert pol.ignore_for("left-pad", "pypi", "2.0") is None  # outside the range
    assert pol.ignore_for("left-pad", "pypi", None) is None  # a range never covers an unknown version
    assert pol.ignore_for("left-pad", "npm", "1.0.0") is None  # other ecosystem
    assert pol.ignore_for("old-thing", "pypi", "1") is None  # expired: no longer applies
    assert pol.ignore_for("any-version", "npm", None) is not None
    assert [i.name for i in pol.expired_ignores()] == ["old-thing"]


def test_ignored_records_do_not_fail_but_stay_visible(registry_env):
    pol = policy_from_dict({"fail-on": "high", "ignore": [
        {"name": "slop-hallucinated-aaa", "reason": "our own placeholder", "until": FUTURE}]})
    recs = check_records(["slop-hallucinated-aaa", "reqeusts"], "pypi", offline=True, policy=pol)
    assert recs[0]["ignored"] == {"reason": "our own placeholder", "until": FUTURE}
    assert recs[1]["risk"] == "high" and "ignored" not in recs[1]
    assert failing(recs, "high") == [recs[1]]
    assert failing(recs, "never") == []


def test_internal_names_never_typosquats_and_dependency_confusion(pypi_json_server, registry_env):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    pypi_json_server.add("acme-tools", pypi_doc("acme-tools", {"99.0": {"uploaded": datetime(2025, 1, 1)}}))
    pol = policy_from_dict({"internal": ["acme-*", "reqeusts"], "internal-scopes": ["@acme"]})
    public, private, near_popular = check_records(["acme-tools", "acme-secret-sauce", "reqeusts"], "pypi", policy=pol)
    assert public["internal"] and public["risk"] == "high"
    assert "public" in next(i for i in public["indicators"] if i["id"] == "internal_name_public")["evidence"]
    # not on the public registry: that is the normal state of an internal name, not a hallucination
    assert private["risk"] == "low" and private["indicators"] == [] and private["exists"] is not True
    assert near_popular["typosquat_of"] is None and near_popular["indicators"] == []
    assert pol.is_internal("@acme/ui", "npm") and pol.is_internal("@ACME/ui", "npm")
    assert not pol.is_internal("@other/ui", "npm")
    quiet = policy_from_dict({"internal": ["acme-*"], "internal-probe": False})
    rec = check_records(["acme-tools"], "pypi", policy=quiet)[0]
    assert rec["exists"] is None and rec["indicators"] == []  # never asked the public registry


def test_cli_fail_on_from_the_policy_and_exit_codes(tmp_path, registry_env):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.slopspotter]\nfail-on = "high"\n\n[[tool.slopspotter.ignore]]\nname = "gone-thing"\n'
        f'reason = "was reviewed"\nuntil = {PAST}\n')
    out = _cli("check", "--offline", "reqeusts", cwd=tmp_path)
    assert out.returncode == 1  # typosquat is high, the policy fails on high
    assert "ignore of gone-thing expired" in out.stderr  # expired ignores warn
    assert _cli("check", "--offline", "requests", cwd=tmp_path).returncode == 0
    assert _cli("check", "--offline", "reqeusts", "--fail-on", "never", cwd=tmp_path).returncode == 0  # CLI wins
    (tmp_path / ".slopspotter.toml").write_text('fail-on = "high"\n[[ignore]]\nname = "reqeusts"\nreason = "test"\n')
    for fmt in ("table", "csv", "json"):  # ignored records print in every format and do not fail
        out = _cli("check", "--offline", "reqeusts", "--format", fmt, cwd=tmp_path)
        assert out.returncode == 0 and "reqeusts" in out.stdout, out.stderr
        assert ("ignored by the policy: reqeusts (test)" in out.stderr) == (fmt == "table")
    (tmp_path / ".slopspotter.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.slopspotter]\nfail-on = "hihg"\n')
    out = _cli("check", "--offline", "requests", cwd=tmp_path)
    assert out.returncode == 2 and "fail-on must be one of" in out.stderr


def test_config_show(tmp_path):
    (tmp_path / ".slopspotter.toml").write_text(
        'fail-on = "medium"\nmin-age = "72h"\ninternal = ["acme-*"]\ninternal-scopes = ["@acme"]\n'
        f'[[ignore]]\nname = "left-pad"\nversions = "<2"\nreason = "vetted by security"\nuntil = {FUTURE}\n'
        f'[[ignore]]\nname = "old"\nreason = "temporary"\nuntil = {PAST}\n')
    out = _cli("config", "show", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"policy: {tmp_path / '.slopspotter.toml'}" in out.stdout
    assert "min-age: 72h" in out.stdout and "internal-scopes: @acme" in out.stdout
    assert f"left-pad <2: vetted by security [until {FUTURE}]" in out.stdout
    assert f"[EXPIRED {PAST}]" in out.stdout and "expired" in out.stderr
    doc = json.loads(_cli("config", "show", "--format", "json", cwd=tmp_path).stdout)
    assert doc["fail-on"] == "medium" and doc["ignore"][1]["expired"] is True
    out = _cli("config", "show", cwd=Path("/"))
    assert "built-in defaults" in out.stdout
