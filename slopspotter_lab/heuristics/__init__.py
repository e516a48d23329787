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
    suggestion_reason: str | None = None  # why: import name, near miss, project token, edit distance


def analyze(spec: PackageSpec, meta=None, artifact_path: Path | None = None, *,
            offline: bool = False) -> HeuristicReport:
    """All heuristics for one package; `meta` None means the registry was not consulted."""
    from . import metadata, names
    from .popular import popular_rank
    from .suggest import suggest
    from .typosquat import match_typosquat

    report = HeuristicReport()
    if not spec.is_local:
        exists = meta.exists if meta is not None else None
        report.indicators += names.existence(spec, meta, offline)
        match, similar, _ = match_typosquat(spec.name, spec.ecosystem)
        report.similar_to = similar
        history = metadata.established(meta) if match else None
        if history:  # a long-established neighbour, not a squat: said, not scored
            report.indicators.append(Indicator(
                "established_neighbour", "info", f"{match.evidence}; but {spec.name} has been {history}",
                extra={"target": match.target, "kind": match.kind, "history": history}))
            match = None
        if match:
            report.typosquat_of = report.suggestion = match.target
            report.suggestion_reason = f"a near miss of {match.target!r} ({match.kind.replace('-', ' ')})"
            report.indicators.append(Indicator("typosquat", match.severity, match.evidence,
                                               extra={"target": match.target, "kind": match.kind}))
        confusion = names.import_name_confusion(spec, exists, popular_rank(spec.name, spec.ecosystem) is not None)
        if confusion:
            from ..ecosystems import normalize_pypi

            if match and normalize_pypi(match.target) == normalize_pypi(confusion.extra["suggestion"]):
                # one mistake, one indicator: the import-name explanation is the precise one, and
                # the row must not claim a typosquat it no longer reports
                report.indicators = [i for i in report.indicators if i.id != "typosquat"]
                report.typosquat_of = None
            report.indicators.append(confusion)
            report.suggestion = confusion.extra["suggestion"]
            report.suggestion_reason = f"`import {spec.name}` comes from the distribution {report.suggestion!r}"
        if exists is False and not confusion:
            # "did you mean" for a name that does not exist, only when clear; a project named
            # verbatim (openai-python-client -> openai) beats the near miss typosquat_of names
            hint = suggest(spec.name, spec.ecosystem, match)
            if hint:
                report.suggestion, report.suggestion_reason = hint.name, hint.reason
        if meta is not None:
            report.indicators += metadata.analyze_metadata(meta)
            if artifact_path is None and meta.exists is True:  # with the artifact, its package.json speaks
                from .scripts import install_scripts

                report.indicators += [i for i in [install_scripts(meta.install_scripts, "the registry's manifest")] if i]
        from ..advisories import known_malicious

        report.indicators += known_malicious(spec, meta, offline=offline)
    if artifact_path is not None:
        from .static import analyze_artifact

        report.indicators += analyze_artifact(Path(artifact_path), spec.ecosystem)
    return report


def run_heuristics(spec: PackageSpec, meta=None, artifact_path: Path | None = None, *,
                   offline: bool = False) -> list[Indicator]:
    """The indicators of `analyze`."""
    return analyze(spec, meta, artifact_path, offline=offline).indicators


__all__ = ["analyze", "run_heuristics", "HeuristicReport"]
