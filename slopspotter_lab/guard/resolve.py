"""The full set an install command would bring in, found without running package code.

- pip / python -m pip / uv pip install / pipx / uv add / poetry add: `pip install --dry-run
  --report` with `--only-binary :all:` (an sdist's build step is package code, so it is never
  run; a package that only has an sdist makes the resolution fail, and the guard fails closed).
- npm / pnpm / yarn: `npm install --package-lock-only --ignore-scripts` in a scratch copy of the
  project's package.json (and lockfile, .npmrc), then the lockfile is read by `inputs`.

Each resolver returns (dependencies, problem) where problem is None when the set is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..inputs import Dependency, InstallCommand, read_manifest

TIMEOUT = float(os.environ.get("SLOPSPOTTER_GUARD_RESOLVE_TIMEOUT", "300"))
PY_PASS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--pre",
           "-c", "--constraint", "-r", "--requirement", "--no-index", "--proxy", "--cert", "--client-cert",
           "--platform", "--python-version", "--implementation", "--abi", "-U", "--upgrade", "--no-deps",
           "--index", "--default-index"}
PY_TAKES_VALUE = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "-c",
                  "--constraint", "-r", "--requirement", "--proxy", "--cert", "--client-cert", "--platform",
                  "--python-version", "--implementation", "--abi", "--index", "--default-index"}


def _pip_options(argv: list[str]) -> list[str]:
    """The resolution-relevant options of the user's pip-like command (index, constraints, -r)."""
    out, i = [], 0
    while i < len(argv):
        tok = argv[i]
        opt = tok.split("=", 1)[0]
        if opt in PY_PASS:
            if opt == "--index":
                opt = "--extra-index-url"
            elif opt == "--default-index":
                opt = "--index-url"
            if opt in PY_TAKES_VALUE and "=" not in tok and i + 1 < len(argv):
                out += [opt, argv[i + 1]]
                i += 2
                continue
            out.append(opt if "=" not in tok else f"{opt}={tok.split('=', 1)[1]}")
        i += 1
    return out


def _pip_python(argv: list[str]) -> list[str]:
    """The interpreter whose pip resolves: the one the user named, else this one's."""
    base = os.path.basename(argv[0]) if argv else ""
    if len(argv) > 2 and argv[1] == "-m" and base.startswith(("python", "py")) and shutil.which(argv[0]):
        return [argv[0], "-m", "pip"]
    if base.startswith("pip") and base != "pipx" and shutil.which(argv[0]):
        return [argv[0]]
    return [sys.executable, "-m", "pip"]


def _requirement(dep: Dependency) -> str | None:
    """A PEP 508 string pip understands, from a named Dependency (poetry's ^ ranges dropped)."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if not dep.checkable:
        return dep.url
    text = dep.name + (f"[{','.join(dep.extras)}]" if dep.extras else "")
    if dep.spec:
        try:
            SpecifierSet(dep.spec)
            text += dep.spec
        except InvalidSpecifier:
            pass
    return text


def resolve_python(cmd: InstallCommand, argv: list[str]) -> tuple[list[Dependency], str | None]:
    reqs = [r for r in (_requirement(d) for d in cmd.packages if d.kind != "constraint") if r]
    options = _pip_options(argv[2:] if cmd.tool == "uv" else argv)
    if not reqs and not any(o in ("-r", "--requirement") for o in options):
        return [], None
    with tempfile.TemporaryDirectory(prefix="slop-guard-") as tmp:
        report = Path(tmp) / "report.json"
        run = [*_pip_python(argv), "install", "--dry-run", "--ignore-installed", "--only-binary", ":all:",
               "--quiet", "--report", str(report), "--disable-pip-version-check", *options, *reqs]
        try:
            out = subprocess.run(run, capture_output=True, text=True, timeout=TIMEOUT,
                                 env={**os.environ, "PIP_NO_INPUT": "1"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [], f"pip resolver could not run: {exc}"
        if out.returncode != 0 or not report.is_file():
            tail = " ".join((out.stderr or out.stdout).strip().splitlines()[-3:])
            return [], f"pip could not resolve the set (wheels only, so nothing is built or run): {tail[-400:]}"
        doc = json.loads(report.read_text())
    return _from_pip_report(doc, cmd), None


def _from_pip_report(doc: dict, cmd: InstallCommand) -> list[Dependency]:
    """Dependencies of a pip install report; `via` from the requested ones by Requires-Dist."""
    from packaging.requirements import InvalidRequirement, Requirement

    from ..ecosystems import normalize_pypi
    from ..inputs._util import via_map

    items = doc.get("install") or []
    graph, direct, names = {}, [], {}
    for it in items:
        meta = it.get("metadata") or {}
        norm = normalize_pypi(meta.get("name", ""))
        names[norm] = meta
        deps = []
        for rd in meta.get("requires_dist") or []:
            try:
                deps.append(normalize_pypi(Requirement(rd).name))
            except InvalidRequirement:
                continue
        graph[norm] = deps
        if it.get("requested"):
            direct.append(norm)
    via = via_map(direct, graph)
    out = []
    for it in items:
        meta = it.get("metadata") or {}
        norm = normalize_pypi(meta.get("name", ""))
        dl = it.get("download_info") or {}
        dep = Dependency(name=meta.get("name", ""), ecosystem="pypi", version=meta.get("version"),
                         spec=f"=={meta.get('version')}", via=None if via.get(norm, norm) == norm else via[norm])
        if "vcs_info" in dl or "dir_info" in dl:
            dep.checkable, dep.url, dep.note = False, dl.get("url"), "VCS/local source: not checkable by name"
        out.append(dep)
    return out


def resolve_npm(cmd: InstallCommand, argv: list[str], cwd: str) -> tuple[list[Dependency], str | None]:
    npm = shutil.which("npm")
    if npm is None:
        return [], "npm is not installed, so the full set cannot be resolved"
    project = Path(cwd)
    registry = None
    for i, tok in enumerate(argv):
        if tok in ("--prefix", "-C", "--dir") and i + 1 < len(argv):
            project = Path(cwd) / argv[i + 1]
        elif tok.startswith("--registry="):
            registry = tok.split("=", 1)[1]
        elif tok == "--registry" and i + 1 < len(argv):
            registry = argv[i + 1]
    specs = []
    for d in cmd.packages:
        if d.checkable:
            specs.append(f"{d.name}@{d.spec}" if d.spec else d.name)
        elif d.url:
            specs.append(d.url)
    with tempfile.TemporaryDirectory(prefix="slop-guard-npm-") as tmp:
        scratch = Path(tmp)
        for name in ("package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc"):
            if (project / name).is_file():
                shutil.copy2(project / name, scratch / name)
        if not (scratch / "package.json").is_file():
            (scratch / "package.json").write_text('{"name": "slop-guard-scratch", "version": "0.0.0", "private": true}\n')
        run = [npm, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund",
               "--no-update-notifier", *(["--registry", registry] if registry else []), *specs]
        try:
            out = subprocess.run(run, cwd=scratch, capture_output=True, text=True, timeout=TIMEOUT,
                                 env={**os.environ, "npm_config_update_notifier": "false"})
        except (OSError, subprocess.TimeoutExpired) as exc:
            return [], f"npm resolver could not run: {exc}"
        lock = scratch / "package-lock.json"
        if out.returncode != 0 or not lock.is_file():
            tail = " ".join(out.stderr.strip().splitlines()[-3:])
            return [], f"npm could not resolve the set: {tail[-400:]}"
        deps = read_manifest(lock)
        for d in deps:
            d.source, d.line = None, None  # a scratch file: where it came from is the command
    return deps, None
