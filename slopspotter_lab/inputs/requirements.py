"""requirements.txt (and constraints files) through `pip-requirements-parser` (pip's own code).

Nested `-r` / `-c` files are followed (constraints get kind "constraint"); markers, extras and
hashes are kept; URLs, VCS references, local paths and editables are reported as not checkable;
index options are noted on the first record of the file, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from .model import Dependency, add_note
from .specs import pypi_dependency


def read_requirements(path: "str | os.PathLike", _seen: set | None = None, _kind: str = "main") -> list[Dependency]:
    """Every requirement of `path` and the files it includes, each with its own file and line."""
    from pip_requirements_parser import RequirementsFile

    path = Path(path)
    seen = _seen if _seen is not None else set()
    key = path.resolve()
    if key in seen:
        return []
    seen.add(key)
    try:
        rf = RequirementsFile.from_file(str(path), include_nested=False)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    deps: list[Dependency] = []
    notes: list[str] = []
    for opt in rf.options:
        for name, value in opt.options.items():
            if name in {"requirements", "constraints"}:
                for sub in value:
                    nested = path.parent / sub
                    if nested.is_file():
                        deps += read_requirements(nested, seen, "constraint" if name == "constraints" else _kind)
                    else:
                        deps.append(Dependency(name=sub, ecosystem="pypi", source=str(path), line=opt.line_number,
                                               checkable=False, kind=_kind, note=f"included file {sub} not found"))
            elif name in {"index_url", "extra_index_urls", "find_links", "trusted_hosts"}:
                notes.append(f"{name.replace('_', '-')} {value} (line {opt.line_number}): reported, not followed")
    for req in rf.requirements:
        deps.append(_record(req, path, "constraint" if req.is_constraint else _kind))
    for bad in rf.invalid_lines:
        deps.append(Dependency(name=bad.line.strip(), ecosystem="pypi", source=str(path), line=bad.line_number,
                               checkable=False, kind=_kind, note=f"unparseable line: {bad.error_message}"))
    deps.sort(key=lambda d: (d.source != str(path), d.line or 0))
    own = [d for d in deps if d.source == str(path)]
    if notes and own:
        add_note(own[0], "; ".join(notes))
    return deps


def _record(req, path: Path, kind: str) -> Dependency:
    where = {"source": str(path), "line": req.line_number, "kind": kind}
    if req.link is not None or req.is_editable or req.name is None:
        text = req.link.url if req.link is not None else req.line
        dep = pypi_dependency(text, **where)
        if req.name and dep.name == text:
            dep.name = req.name
        dep.checkable = False
        if req.is_editable:
            add_note(dep, "editable")
        return dep
    text = req.name + (f"[{','.join(sorted(req.extras))}]" if req.extras else "") + str(req.specifier or "")
    if req.marker is not None:
        text += f"; {req.marker}"
    dep = pypi_dependency(text, **where)
    if req.hash_options:
        add_note(dep, f"{len(req.hash_options)} hash(es) pinned")
    return dep
