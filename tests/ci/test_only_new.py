"""`check --only-new --base REF` over a git fixture repository made here."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from slopspotter_lab.changes import changed_files, dependency_format, merge_base, new_dependencies
from slopspotter_lab.errors import InputError

from .gitrepo import EXPECTED, git, make_repo


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def _found(changes, repo):
    return {(os.path.relpath(c.dependency.source, repo), c.dependency.name,
             c.dependency.version or c.dependency.spec or "", c.change) for c in changes}


def test_added_bumped_removed_across_formats(repo):
    changes = new_dependencies("main", cwd=repo)
    assert _found(changes, repo) == EXPECTED
    lines = {(os.path.relpath(c.dependency.source, repo), c.dependency.name): c.dependency.line for c in changes}
    assert lines[("requirements.txt", "reqeusts")] == 3 and lines[("requirements.txt", "requests")] == 1


def test_only_dependency_files_that_changed(repo):
    commit = merge_base("main", repo)
    names = sorted(p.name for p in changed_files(commit, repo))
    assert names == ["package-lock.json", "package.json", "pyproject.toml", "requirements-dev.txt", "requirements.txt"]
    assert dependency_format("docs/requirements-docs.txt") == "requirements" and dependency_format("README.md") is None


def test_merge_base_ignores_what_main_did_since(repo):
    git(repo, "checkout", "-q", "main")
    (repo / "requirements.txt").write_text("requests==2.31.0\nsix==1.16.0\nflask>=2.0\nnumpy==2.0.0\n")
    git(repo, "commit", "-qam", "main moves on")
    git(repo, "checkout", "-q", "feature")
    assert _found(new_dependencies("main", cwd=repo), repo) == EXPECTED  # numpy is main's, not the branch's


def test_working_tree_against_head_for_pre_commit(repo):
    (repo / "requirements.txt").write_text("requests==2.32.3\nflask>=2.0\nreqeusts==1.0\nslop-new-zz8\n")
    (repo / "brand-new").mkdir()
    (repo / "brand-new" / "package.json").write_text('{"name": "x", "dependencies": {"lodahs": "1.0.0"}}\n')
    found = _found(new_dependencies("HEAD", cwd=repo), repo)
    assert found == {("requirements.txt", "slop-new-zz8", "", "added"),
                     ("brand-new/package.json", "lodahs", "1.0.0", "added")}
    only = _found(new_dependencies("HEAD", ["requirements.txt"], cwd=repo), repo)  # files given: only those
    assert only == {("requirements.txt", "slop-new-zz8", "", "added")}


def test_errors_are_input_errors(repo, tmp_path):
    with pytest.raises(InputError, match="no-such-ref"):
        new_dependencies("no-such-ref", cwd=repo)
    with pytest.raises(InputError, match="not a manifest"):
        new_dependencies("main", ["README.md"], cwd=repo)
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    (outside / "requirements.txt").write_text("six\n")
    with pytest.raises(InputError, match="not inside the git work tree"):
        new_dependencies("main", [str(outside / "requirements.txt")], cwd=repo)
    with pytest.raises(InputError):
        new_dependencies("main", cwd=outside)


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", *args], capture_output=True, text=True,
                          cwd=cwd, env=os.environ.copy(), timeout=180)


def test_cli_only_new_checks_just_the_change(repo, registry_env):
    out = _cli("check", "--only-new", "--base", "main", "--offline", "--format", "json", cwd=repo)
    assert out.returncode == 0, out.stderr
    recs = json.loads(out.stdout)
    got = {(os.path.relpath(r["source"], repo), r["name"], r["line"], r["change"]) for r in recs}
    assert ("requirements.txt", "reqeusts", 3, "added") in got and ("requirements.txt", "requests", 1, "bumped") in got
    assert len(recs) == len(EXPECTED) and not any(r["name"] in ("six", "rich", "lodash", "flask", "click") for r in recs)
    squat = next(r for r in recs if r["name"] == "reqeusts")
    assert squat["typosquat_of"] == "requests" and squat["risk"] == "high"
    assert _cli("check", "--only-new", "--base", "main", "--offline", "--fail-on", "high", cwd=repo).returncode == 1
    clean = _cli("check", "--only-new", "--base", "HEAD", "--offline", "--fail-on", "high", "--format", "json", cwd=repo)
    assert clean.returncode == 0 and json.loads(clean.stdout) == [] and "no new" in clean.stderr
    out = _cli("check", "--only-new", "--offline", cwd=repo)
    assert out.returncode == 2 and "--base" in out.stderr


def test_first_commit_everything_staged_is_new(tmp_path):
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "requirements.txt").write_text("requests==2.32.3\nreqeusts\n")
    git(repo, "add", "requirements.txt")
    found = _found(new_dependencies("HEAD", cwd=repo), repo)
    assert found == {("requirements.txt", "requests", "2.32.3", "added"), ("requirements.txt", "reqeusts", "", "added")}
