"""Heuristic detectors: name (typosquat, hallucination), registry metadata, static contents.

Each detector is a small function returning Indicators with a stable id, a severity and
human-readable evidence. `analyze` also returns what `check` shows beside them (the popular
name imitated, similar names, a suggested real package); `run_heuristics` is its indicator list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..ecosystems import PackageSpec
from ..indicators import Indicator


@dataclass
class HeuristicReport:
    indicators: list[Indicator] = field(default_factory=list)
    typosquat_of: str | None = None
    similar_to: list[str] = field(default_factory=list)
    suggestion: str | None = None


def analyze(spec: PackageSpec, meta=None, artifact_path: Path | None = None, *,
            offline: bool = False) -> HeuristicReport:
    """All heuristics for one package; `meta` None means the registry was not consulted."""
    from . import metadata, names
    from .popular import popular_rank
    from .typosquat import find_typosquat, severity_of

    report = HeuristicReport()
    if not spec.is_local:
        exists = meta.exists if meta is not None else None
        report.indicators += names.existence(spec, meta, offline)
        target, similar, evidence = find_typosquat(spec.name, spec.ecosystem)
        report.similar_to = similar
        if target:
            report.typosquat_of = report.suggestion = target
            report.indicators.append(Indicator("typosquat", severity_of(evidence), evidence,
                                               extra={"target": target}))
        confusion = names.import_name_confusion(spec, exists, popular_rank(spec.name, spec.ecosystem) is not None)
        if confusion:
            from ..ecosystems import normalize_pypi

            if target and normalize_pypi(target) == normalize_pypi(confusion.extra["suggestion"]):
                # one mistake, one indicator: the import-name explanation is the precise one
                report.indicators = [i for i in report.indicators if i.id != "typosquat"]
            report.indicators.append(confusion)
            report.suggestion = confusion.extra["suggestion"]
        if exists is False and not report.suggestion and similar:
            report.suggestion = similar[0]  # "did you mean": the closest popular name
        if meta is not None:
            report.indicators += metadata.analyze_metadata(meta)
            if artifact_path is None and meta.exists is True:  # with the artifact, its package.json speaks
                from .scripts import install_scripts

                report.indicators += [i for i in [install_scripts(meta.install_scripts, "the registry's manifest")] if i]
    if artifact_path is not None:
        from .static import analyze_artifact

        report.indicators += analyze_artifact(Path(artifact_path), spec.ecosystem)
    return report


def run_heuristics(spec: PackageSpec, meta=None, artifact_path: Path | None = None, *,
                   offline: bool = False) -> list[Indicator]:
    """The indicators of `analyze`."""
    return analyze(spec, meta, artifact_path, offline=offline).indicators


__all__ = ["analyze", "run_heuristics", "HeuristicReport"]
