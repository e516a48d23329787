"""The composite action's script run locally, the action file's wiring, and the pre-commit hook."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from slopspotter_lab.changes import dependency_format

from .gitrepo import git, make_repo
from .test_sarif import valid

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ci" / "action-check.sh"


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def run_action(cwd: Path, tmp_path: Path, **env) -> tuple[subprocess.CompletedProcess, dict[str, str], Path]:
    out, summary = tmp_path / "github_output", tmp_path / "step_summary"
    out.write_text("")
    full = {**os.environ, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary),
            "SLOP_CMD": f"{sys.executable} -m slopspotter_lab", "SLOP_PYTHON": sys.executable,
            "SLOP_SARIF": str(tmp_path / "out.sarif"), **env}
    proc = subprocess.run(["bash", str(SCRIPT)], cwd=cwd, env=full, capture_output=True, text=True, timeout=300)
    return proc, _outputs(out), summary


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def test_action_script_on_a_pull_request(repo, tmp_path, registry_env):
    proc, outputs, summary = run_action(repo, tmp_path, SLOP_BASE="main", SLOP_FAIL_ON="high")
    assert proc.returncode == 0, proc.stderr  # the script never fails itself: the upload must still run
    assert outputs["exit-code"] == "1" and int(outputs["findings"]) >= 2
    log = valid(json.loads(Path(outputs["sarif-file"]).read_text()))
    packages = {r["properties"]["package"] for r in log["runs"][0]["results"]}
    assert {"reqeusts", "expresss"} <= packages and not packages & {"six", "flask", "lodash"}
    text = summary.read_text()
    assert "finding(s) in new dependencies" in text and "| reqeusts | requirements.txt | 3 | typosquat |" in text


def test_action_script_fetches_the_base_into_a_shallow_clone(repo, tmp_path, registry_env):
    base_sha = git(repo, "rev-parse", "main").strip()
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", repo.resolve().as_uri(), str(clone))
    assert subprocess.run(["git", "cat-file", "-e", base_sha], cwd=clone).returncode != 0  # really missing
    proc, outputs, _ = run_action(clone, tmp_path, SLOP_BASE=base_sha, SLOP_FILES="requirements.txt")
    assert proc.returncode == 0, proc.stderr
    assert outputs["exit-code"] == "0"  # no fail-on: findings are reported, not gated
    results = valid(json.loads(Path(outputs["sarif-file"]).read_text()))["runs"][0]["results"]
    assert {r["properties"]["package"] for r in results} == {"reqeusts"}  # only the file asked for


def test_action_script_on_a_push_that_created_the_branch(repo, tmp_path, registry_env):
    proc, outputs, _ = run_action(repo, tmp_path, SLOP_BASE="0" * 40)  # falls back to HEAD^
    assert proc.returncode == 0 and outputs["exit-code"] == "0", proc.stderr
    results = valid(json.loads(Path(outputs["sarif-file"]).read_text()))["runs"][0]["results"]
    assert "reqeusts" in {r["properties"]["package"] for r in results}  # HEAD^ is main: the feature commit counts


def test_action_script_reports_a_bad_base(repo, tmp_path, registry_env):
    proc, outputs, _ = run_action(repo, tmp_path, SLOP_BASE="no-such-branch")
    assert proc.returncode == 0 and outputs["exit-code"] == "2" and outputs["sarif-file"] == ""
    assert "::error::" in proc.stdout


def test_action_file_wires_inputs_to_the_script():
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    check = next(s for s in steps if s.get("id") == "check")
    assert "scripts/ci/action-check.sh" in check["run"] and (ROOT / "scripts/ci/action-check.sh").is_file()
    script = SCRIPT.read_text()
    for var in check["env"]:
        assert var in script, f"{var} is passed but the script never reads it"
    for name in ("base", "files", "fail-on", "config", "sarif-file"):
        assert f"inputs.{name}" in json.dumps(check["env"])
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert "steps.check.outputs.sarif-file" in upload["with"]["sarif_file"] and upload["if"].startswith("always()")
    gate = steps[-1]
    assert "exit" in gate["run"] and "steps.check.outputs.exit-code" in gate["env"]["SLOP_RC"]


def test_pre_commit_manifest_is_valid_and_runs(repo, tmp_path, registry_env):
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    pattern = re.compile(hook["files"])
    names = ["requirements.txt", "requirements-dev.txt", "dev-requirements.txt", "docs/requirements.in",
             "constraints.txt", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile.lock", "package.json",
             "web/package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
             "README.md", "setup.py", "src/app.py", "requirements.md", "package.js"]
    for name in names:  # the hook fires on exactly the files --only-new can read
        assert bool(pattern.search(name)) == (dependency_format(name) is not None), name
    (repo / "requirements.txt").write_text((repo / "requirements.txt").read_text() + "djangoo==1.0\n")
    git(repo, "add", "requirements.txt")
    entry = shlex.split(hook["entry"])
    assert entry[0] == "slopspotter-lab"
    cmd = [sys.executable, "-m", "slopspotter_lab", *entry[1:], *hook["args"], "requirements.txt"]
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the staged typosquat fails the commit
    assert "djangoo" in proc.stdout and "reqeusts" not in proc.stdout  # already in HEAD: not new
    git(repo, "checkout", "-q", "--", ".")
    git(repo, "reset", "-q", "--hard")
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
