"""The one exit-code table (README, docs/ci.md) holds for every command that reads a policy."""

from __future__ import annotations

import pytest

from slopspotter_lab.cli import main


@pytest.fixture
def bad_policy(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[tool.slopspotter]\nfail-on = "sometimes"\n')
    return str(path)


@pytest.mark.parametrize("argv", [
    ["check", "--offline", "requests;rm -rf /"],           # hostile name
    ["check", "--offline", "--config", "{bad}", "requests"],  # bad policy file
    ["check", "--offline", "--config", "/nonexistent/policy.toml", "requests"],
    ["check", "--only-new", "--offline"],                   # --only-new without --base
    ["check", "--base", "main", "--offline", "requests"],   # --base without --only-new
    ["scan", "--config", "{bad}", "--backend", "none", "requests"],
    ["config", "show", "--config", "{bad}"],
    ["data", "update", "--osv", "cargo"],
])
def test_input_errors_exit_2(argv, bad_policy, registry_env, capsys):
    argv = [a.replace("{bad}", bad_policy) for a in argv]
    assert main(argv) == 2
    assert "error:" in capsys.readouterr().err


def test_findings_exit_1_only_at_fail_on(registry_env, capsys):
    assert main(["check", "--offline", "--format", "json", "reqeusts", "--fail-on", "high"]) == 1
    assert main(["check", "--offline", "--format", "json", "reqeusts", "--fail-on", "never"]) == 0
    assert main(["check", "--offline", "--format", "json", "reqeusts"]) == 0  # no gate: ran is 0
    assert main(["check", "--offline", "--format", "sarif", "requests", "--fail-on", "low"]) == 1  # low reaches low
