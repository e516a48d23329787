"""`read_manifest(path)`: pick the reader from the file name (then the content) and run it."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from ..errors import InputError
from .model import Dependency


def _requirements(path: Path) -> list[Dependency]:
    from .requirements import read_requirements

    return read_requirements(path)


def _py(fn: str) -> Callable[[Path], list[Dependency]]:
    def run(path: Path) -> list[Dependency]:
        from . import pyformats

        return getattr(pyformats, fn)(path)
    return run


def _npm(fn: str) -> Callable[[Path], list[Dependency]]:
    def run(path: Path) -> list[Dependency]:
        from . import npmformats

        return getattr(npmformats, fn)(path)
    return run


def _text(path: Path) -> list[Dependency]:
    from ._util import read_text
    from .commands import extract_commands

    return [d for c in extract_commands(read_text(path), source=str(path)) for d in c.packages]


# format name -> reader; the names are what `detect_format` returns and the docs list
FORMATS: dict[str, Callable[[Path], list[Dependency]]] = {
    "requirements": _requirements,
    "pyproject": _py("read_pyproject"),
    "poetry.lock": _py("read_poetry_lock"),
    "uv.lock": _py("read_uv_lock"),
    "Pipfile.lock": _py("read_pipfile_lock"),
    "package.json": _npm("read_package_json"),
    "package-lock": _npm("read_package_lock"),
    "yarn.lock": _npm("read_yarn_lock"),
    "pnpm-lock": _npm("read_pnpm_lock"),
    "text": _text,
}

_BY_NAME = [
    (r"^pyproject\.toml$", "pyproject"),
    (r"^poetry\.lock$", "poetry.lock"),
    (r"^uv\.lock$", "uv.lock"),
    (r"^pipfile\.lock$", "Pipfile.lock"),
    (r"^package\.json$", "package.json"),
    (r"^(?:package-lock|npm-shrinkwrap)\.json$", "package-lock"),
    (r"^yarn\.lock$", "yarn.lock"),
    (r"^pnpm-lock\.ya?ml$", "pnpm-lock"),
    (r"(?:^|[-_.])(?:requirements|constraints|reqs)(?:[-_.].*)?\.(?:txt|in|pip)$|^requirements$", "requirements"),
    (r"\.(?:md|markdown|txt|rst|ipynb|sh|bash|zsh|fish|ps1)$|^(?:dockerfile|containerfile)", "text"),
]


def format_by_name(path: "str | os.PathLike") -> str | None:
    """The reader a file name alone implies, or None."""
    base = os.path.basename(str(path)).lower()
    return next((fmt for pattern, fmt in _BY_NAME if re.search(pattern, base)), None)


def detect_format(path: "str | os.PathLike", text: str | None = None) -> str:
    """The reader for `path`: by file name, else by a look at the content."""
    by_name = format_by_name(path)
    if by_name:
        return by_name
    head = text if text is not None else _head(Path(path))
    if "lockfileVersion" in head[:2000]:
        return "pnpm-lock" if re.search(r"^lockfileVersion:", head, re.M) else "package-lock"
    if "# yarn lockfile v1" in head[:500] or "__metadata:" in head[:2000]:
        return "yarn.lock"
    if re.search(r"^\[\[package\]\]", head, re.M):
        return "uv.lock" if re.search(r"^version = \d+\s*$", head, re.M) and "source = {" in head else "poetry.lock"
    if re.search(r"^\[(?:project|tool\.poetry)", head, re.M):
        return "pyproject"
    if re.search(r'"_meta"\s*:', head[:2000]) and '"default"' in head:
        return "Pipfile.lock"
    if re.search(r'"(?:dev)?[dD]ependencies"\s*:', head):
        return "package.json"
    return "requirements"


def _head(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read(20000)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def read_manifest(path: "str | os.PathLike", fmt: str | None = None) -> list[Dependency]:
    """Every dependency `path` names, each with its file and line (and `via` for transitive
    ones in lockfiles). Raises InputError for a missing, unreadable or malformed file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: no such file")
    fmt = fmt or detect_format(p)
    if fmt not in FORMATS:
        raise InputError(f"unknown manifest format {fmt!r} (known: {', '.join(FORMATS)})")
    try:
        return FORMATS[fmt](p)
    except InputError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InputError(f"{path}: not a well-formed {fmt} file ({type(exc).__name__}: {exc})") from exc
