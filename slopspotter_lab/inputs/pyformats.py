"""Python manifests and lockfiles: pyproject.toml (PEP 621, PEP 735 groups, Poetry), poetry.lock,
uv.lock, Pipfile.lock. TOML through tomllib (tomli on 3.10), requirements through `packaging`."""

from __future__ import annotations

import re
from pathlib import Path

from ..ecosystems import normalize_pypi
from .model import Dependency, add_note
from .specs import pypi_dependency
from ._util import Lines, load_json, load_toml, read_text, roots_of, via_map


# ------------------------------------------------------------------ pyproject.toml
def read_pyproject(path: Path) -> list[Dependency]:
    text = read_text(path)
    data = load_toml(text, path)
    lines = Lines(text)
    out: list[Dependency] = []
    project = data.get("project") or {}

    def listed(reqs, kind, header):
        after = (lines.find(header) or 1) - 1
        for req in reqs or []:
            if not isinstance(req, str):
                continue  # PEP 735 {include-group = ...}
            line = lines.find(f'"{req}"', after) or lines.find(f"'{req}'", after)
            out.append(pypi_dependency(req, source=str(path), line=line, kind=kind))

    listed(project.get("dependencies"), "main", "dependencies")
    for extra, reqs in (project.get("optional-dependencies") or {}).items():
        listed(reqs, "optional", "optional-dependencies")
        for d in out[-len(reqs or []):] if reqs else []:
            add_note(d, f"extra {extra}")
    for group, reqs in (data.get("dependency-groups") or {}).items():
        listed(reqs, "dev" if group == "dev" else group, "[dependency-groups]")
    poetry = (data.get("tool") or {}).get("poetry") or {}
    _poetry_table(poetry.get("dependencies"), "main", "[tool.poetry.dependencies]", path, lines, out)
    _poetry_table(poetry.get("dev-dependencies"), "dev", "[tool.poetry.dev-dependencies]", path, lines, out)
    for group, table in (poetry.get("group") or {}).items():
        _poetry_table((table or {}).get("dependencies"), "dev" if group == "dev" else group,
                      f"[tool.poetry.group.{group}.dependencies]", path, lines, out)
    return out


def _poetry_table(table, kind, header, path, lines, out) -> None:
    after = (lines.find(header) or 1) - 1
    for name, value in (table or {}).items():
        if name.lower() == "python":
            continue
        line = lines.find(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=", after, regex=True)
        out.append(poetry_constraint(name, value, source=str(path), line=line, kind=kind))


def poetry_constraint(name: str, value, **where) -> Dependency:
    """Poetry's `"^1.2"`, `{version = ..., extras = [...], optional = true}`, git/path/url tables."""
    if isinstance(value, list):  # multiple constraints by marker
        value = value[0] if value else "*"
    if isinstance(value, dict):
        for ref in ("git", "path", "url"):
            if ref in value:
                return Dependency(name=name, ecosystem="pypi", checkable=False, url=str(value[ref]),
                                  note=f"{ref} reference: not checkable by name", **where)
        extras = value.get("extras") or []
        dep = Dependency(name=name, ecosystem="pypi", spec=str(value.get("version") or "") or None,
                         extras=tuple(extras), **where)
        if value.get("optional"):
            dep.kind = "optional"
    else:
        dep = Dependency(name=name, ecosystem="pypi", spec=None if value in ("*", "", None) else str(value), **where)
    if dep.spec and re.fullmatch(r"=*\d[\w.!+]*", dep.spec):
        dep.version = dep.spec.lstrip("=")
    return dep


def direct_python_names(folder: Path) -> list[str] | None:
    """Normalised names a pyproject.toml beside a lockfile lists as direct, or None without one."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        return [normalize_pypi(d.name) for d in read_pyproject(pyproject)]
    except Exception:  # a broken pyproject beside a lock: fall back to graph roots
        return None


# ------------------------------------------------------------------ poetry.lock / uv.lock
def _package_lines(lines: Lines) -> list[int]:
    return [n + 1 for n in lines.all(r"^\[\[package\]\]\s*$")]  # the `name = ...` line after each header


def read_poetry_lock(path: Path) -> list[Dependency]:
    text = read_text(path)
    data = load_toml(text, path)
    pkgs = data.get("package") or []
    at = _package_lines(Lines(text))
    graph = {normalize_pypi(p["name"]): [normalize_pypi(d) for d in (p.get("dependencies") or {})] for p in pkgs}
    direct = direct_python_names(path.parent)
    via = via_map(direct if direct is not None else roots_of(graph), graph)
    out = []
    for k, p in enumerate(pkgs):
        norm = normalize_pypi(p["name"])
        kind = p.get("category") or ("optional" if p.get("optional") else None)
        dep = Dependency(name=p["name"], ecosystem="pypi", version=str(p.get("version")), spec=f"=={p.get('version')}",
                         source=str(path), line=at[k] if k < len(at) else None, kind=kind,
                         via=None if via.get(norm, norm) == norm else via[norm])
        src = p.get("source") or {}
        if src.get("type") in {"git", "directory", "file", "url"}:
            dep.checkable, dep.url = False, src.get("url")
            dep.note = f"{src['type']} source: not checkable by name"
        elif src.get("type") == "legacy":
            dep.note = f"from index {src.get('url')}"
        if norm not in via:
            add_note(dep, "not reachable from the direct dependencies")
        out.append(dep)
    return out


def read_uv_lock(path: Path) -> list[Dependency]:
    text = read_text(path)
    data = load_toml(text, path)
    pkgs = data.get("package") or []
    at = _package_lines(Lines(text))
    graph: dict[str, list[str]] = {}
    roots, dev_only = [], set()
    for p in pkgs:
        norm = normalize_pypi(p["name"])
        deps = [normalize_pypi(d["name"]) for d in p.get("dependencies") or []]
        for extra in (p.get("optional-dependencies") or {}).values():
            deps += [normalize_pypi(d["name"]) for d in extra]
        for group in (p.get("dev-dependencies") or {}).values():
            deps += [normalize_pypi(d["name"]) for d in group]
            dev_only.update(normalize_pypi(d["name"]) for d in group)
        graph[norm] = deps
        src = p.get("source") or {}
        if "editable" in src or "virtual" in src:
            roots.append(norm)
    direct = [d for r in roots for d in graph.get(r, [])]
    via = via_map(direct if roots else roots_of(graph), graph)
    out = []
    for k, p in enumerate(pkgs):
        norm = normalize_pypi(p["name"])
        if norm in roots:
            continue  # the project itself / workspace members
        src = p.get("source") or {}
        dep = Dependency(name=p["name"], ecosystem="pypi", version=str(p.get("version")) if p.get("version") else None,
                         source=str(path), line=at[k] if k < len(at) else None,
                         kind="dev" if norm in dev_only else None,
                         via=None if via.get(norm, norm) == norm else via[norm])
        if dep.version:
            dep.spec = f"=={dep.version}"
        ref = next((key for key in ("git", "url", "path", "directory") if key in src), None)
        if ref:
            dep.checkable, dep.url = False, str(src[ref])
            dep.note = f"{ref} source: not checkable by name"
        elif src.get("registry") and "pypi.org" not in str(src["registry"]):
            dep.note = f"from index {src['registry']}"
        out.append(dep)
    return out


# ------------------------------------------------------------------ Pipfile.lock
def read_pipfile_lock(path: Path) -> list[Dependency]:
    text = read_text(path)
    data = load_json(text, path)
    lines = Lines(text)
    out = []
    for section, kind in (("default", "main"), ("develop", "dev")):
        after = (lines.find(f'"{section}"') or 1) - 1
        for name, info in (data.get(section) or {}).items():
            info = info or {}
            line = lines.find(f'"{name}": {{', after)
            after = line or after  # entries are in file order: search on from here
            ver = str(info.get("version") or "")
            dep = Dependency(name=name, ecosystem="pypi", spec=ver or None, version=ver.lstrip("=") if ver.startswith("==") else None,
                             source=str(path), line=line, kind=kind, extras=tuple(info.get("extras") or ()))
            for ref in ("git", "path", "file", "url"):
                if ref in info:
                    dep.checkable, dep.url = False, str(info[ref])
                    dep.note = f"{ref} reference: not checkable by name"
            if info.get("markers"):
                add_note(dep, f"marker: {info['markers']}")
            out.append(dep)
    return out
