"""The one record every detector, static or dynamic, reports: what it saw and how bad it is.

Indicator ids are stable strings (`typosquat`, `honeytoken_read`, ...): the model file keys its
weights on them, so renaming one is a contract change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SEVERITIES = ("info", "low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Indicator:
    id: str
    severity: str
    evidence: str
    source: str = "heuristic"  # "heuristic" | "static" | "dynamic"
    phase: str | None = None  # for dynamic indicators: install | import | execute | after
    weight: float | None = None  # filled in by the model: how much it pushed the score
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")

    def to_dict(self) -> dict[str, Any]:
        """Contract shape {id, severity, evidence} plus optional context keys."""
        out = {"id": self.id, "severity": self.severity, "evidence": self.evidence}
        if self.source != "heuristic":
            out["source"] = self.source
        if self.phase:
            out["phase"] = self.phase
        if self.weight is not None:
            out["weight"] = round(self.weight, 4)
        if self.extra:
            out["extra"] = self.extra
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Indicator":
        keys = {k: d[k] for k in ("id", "severity", "evidence", "source", "phase", "weight", "extra") if k in d}
        return cls(**keys)


def worst(indicators) -> str | None:
    """Highest severity among indicators, or None."""
    ranks = [SEVERITY_RANK[i.severity] for i in indicators]
    return SEVERITIES[max(ranks)] if ranks else None


def as_dicts(indicators) -> list[dict[str, Any]]:
    return [i.to_dict() if isinstance(i, Indicator) else dict(i) for i in indicators]


__all__ = ["Indicator", "SEVERITIES", "SEVERITY_RANK", "worst", "as_dicts", "asdict"]
