"""Name-only detectors: hallucinated names (not found, unreachable) and import-name confusion.

The import-name table (import_names.csv) is derived from pipreqs' mapping plus installed
distributions' top_level.txt / RECORD; datasets/build_import_names.py rebuilds it.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from ..ecosystems import Ecosystem, PackageSpec, normalize_pypi
from ..indicators import Indicator
from ..registry import OFFLINE_ERROR
from ..registry.base import PackageMetadata

TABLE = Path(__file__).resolve().parent.parent / "data" / "import_names.csv"


@lru_cache(maxsize=1)
def import_table() -> dict[str, str]:
    """Normalised import name -> distribution name."""
    with open(TABLE, newline="", encoding="utf-8") as fh:
        return {normalize_pypi(r["import_name"]): r["distribution"] for r in csv.DictReader(fh)}


def distribution_for_import(name: str) -> str | None:
    """The distribution that provides import `name`, when it is spelled differently."""
    dist = import_table().get(normalize_pypi(name))
    return dist if dist and normalize_pypi(dist) != normalize_pypi(name) else None


def import_name_confusion(spec: PackageSpec, exists: bool | None, is_popular: bool) -> Indicator | None:
    """`pip install opengl` for PyOpenGL: suggest the real distribution.

    Severity: medium when the name is taken on PyPI by someone else (it may be a squat of the
    confusion), low when it does not exist (not_found already says so), none when the name is
    itself a popular package in its own right.
    """
    if spec.ecosystem is not Ecosystem.PYPI or is_popular:
        return None
    dist = distribution_for_import(spec.name)
    if not dist:
        return None
    where = "exists on PyPI but is not it" if exists else "is the import name"
    return Indicator("import_name_confusion", "medium" if exists else "low",
                     f"{spec.name!r} {where}: `import {spec.name}` comes from the distribution {dist!r}",
                     extra={"suggestion": dist})


def existence(spec: PackageSpec, meta: PackageMetadata | None, offline: bool) -> list[Indicator]:
    """not_found for a 404; registry_unreachable when we could not tell (never while offline)."""
    if meta is None:
        return []
    if meta.exists is False:
        return [Indicator("not_found", "high",
                          f"{spec.name!r} does not exist on {spec.ecosystem.value} (a hallucinated name "
                          "can be registered by an attacker at any time)")]
    if meta.exists is None and not offline and meta.error != OFFLINE_ERROR:
        return [Indicator("registry_unreachable", "info", f"could not ask the registry: {meta.error}")]
    return []
