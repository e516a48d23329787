"""A git fixture repository: a base commit on `main` and a `feature` branch that adds, bumps
and removes dependencies across formats (requirements, pyproject, package.json, package-lock)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.test", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.test", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    import os

    out = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env={**os.environ, **GIT_ENV},
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def _lock(packages: dict[str, str], deps: dict[str, str]) -> str:
    doc = {"name": "demo", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
           "packages": {"": {"name": "demo", "version": "1.0.0", "dependencies": deps}}}
    for name, ver in packages.items():
        doc["packages"][f"node_modules/{name}"] = {
            "version": ver, "resolved": f"http://registry.invalid/{name}/-/{name}-{ver}.tgz",
            "integrity": "sha512-" + "A" * 86 + "==", "license": "MIT"}
    return json.dumps(doc, indent=2) + "\n"


BASE = {
    "requirements.txt": "requests==2.31.0\nsix==1.16.0\nflask>=2.0\n",
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\ndependencies = [\n  "click>=8",\n  "rich",\n]\n',
    "package.json": json.dumps({"name": "demo", "version": "1.0.0",
                                "dependencies": {"left-pad": "^1.3.0", "lodash": "^4.17.0"}}, indent=2) + "\n",
    "package-lock.json": _lock({"left-pad": "1.3.0", "lodash": "4.17.21"}, {"left-pad": "^1.3.0", "lodash": "^4.17.0"}),
    "README.md": "# demo\n\npip install requests\n",
}
FEATURE = {
    "requirements.txt": "requests==2.32.3\nflask>=2.0\nreqeusts==1.0\n",  # bumped, removed six, added typosquat
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1"\ndependencies = [\n  "click>=8",\n'
                      '  "slop-hallucinated-zz9",\n]\n',  # rich removed, a hallucinated name added
    "package.json": json.dumps({"name": "demo", "version": "1.0.0",
                                "dependencies": {"left-pad": "^1.3.0", "expresss": "^4.0.0"}}, indent=2) + "\n",
    "package-lock.json": _lock({"left-pad": "1.3.1", "expresss": "4.0.0"}, {"left-pad": "^1.3.0", "expresss": "^4.0.0"}),
    "requirements-dev.txt": "pytest==8.0.0\n",  # a new file: everything in it is new
    "README.md": "# demo\n\npip install reqeusts-in-docs\n",  # free text is not a dependency file
}
# (file, name, version or spec, change) that the feature branch brings in
EXPECTED = {
    ("requirements.txt", "requests", "2.32.3", "bumped"), ("requirements.txt", "reqeusts", "1.0", "added"),
    ("pyproject.toml", "slop-hallucinated-zz9", "", "added"),
    ("package.json", "expresss", "^4.0.0", "added"),
    ("package-lock.json", "left-pad", "1.3.1", "bumped"), ("package-lock.json", "expresss", "4.0.0", "added"),
    ("requirements-dev.txt", "pytest", "8.0.0", "added"),
}


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name, text in BASE.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    for name, text in FEATURE.items():
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature: dependencies added, bumped, removed")
    return repo
