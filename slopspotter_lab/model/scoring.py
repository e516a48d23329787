"""Load the JSON model file (DESIGN 4.4) and score indicators. Standard library only.

The native host and `check` use this; fitting lives in fit.py. The file holds, per feature, a
weight and a transform; an intercept; a `missing_dynamic` term used when no scan ran; the
calibration (Platt a, b: p = 1 / (1 + exp(-(a*z + b))), or isotonic points); the
low|medium|high thresholds; and an optional `floor` (a row whose worst severity is high or
critical scores at least `medium`). A scan never lowers what the static and name evidence alone
says below `medium`: absence of behaviour is weak evidence (payloads wait, check the platform,
look for a sandbox, or target Windows). Contributions are reported per feature (= per indicator id) so a
user can see what pushed the score.
"""

from __future__ import annotations

import bisect
import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from . import features as feat

DEFAULT_MODEL = Path(__file__).with_name("default_model.json")
RISKS = ("low", "medium", "high")  # the one risk order; thresholds for medium and high are in the model file


def risk_reaches(risk: str | None, level: str) -> bool:
    """True when `risk` is at or above `level` (--fail-on, policies); unknown risks never reach."""
    return risk in RISKS and RISKS.index(risk) >= RISKS.index(level)


def _transform(value: float, spec: dict[str, Any]) -> float:
    kind = spec.get("transform", "identity")
    if kind == "log1p":
        return math.log1p(max(value, 0.0))
    if kind == "clip":
        return min(max(value, spec.get("min", -math.inf)), spec.get("max", math.inf))
    if kind == "bool":
        return 1.0 if value > 0 else 0.0
    return value


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


@dataclass
class Score:
    probability: float
    risk: str
    logit: float
    contributions: dict[str, float] = field(default_factory=dict)  # feature -> log-odds pushed

    def annotate(self, indicators: Iterable) -> list:
        """Indicators with `weight` set to their id's contribution, split among same-id ones."""
        inds = list(indicators)
        counts: dict[str, int] = {}
        for i in inds:
            counts[i.id] = counts.get(i.id, 0) + 1
        return [replace(i, weight=self.contributions.get(i.id, 0.0) / counts[i.id]) for i in inds]

    def explain(self, indicators: Iterable, top: int = 5) -> list[dict[str, Any]]:
        """The indicators that pushed the verdict most, with their evidence, strongest first.

        Each is {id, severity, evidence, weight} (weight = its share of its id's log-odds).
        A missing scan that raised the score is listed too, so heuristic-only verdicts say so.
        """
        ranked = sorted(self.annotate(indicators), key=lambda i: -(i.weight or 0.0))
        out = [i.to_dict() for i in ranked if (i.weight or 0.0) > 0][:top]
        missing = self.contributions.get("scan_missing", 0.0)
        if missing > 0 and len(out) < top:
            out.append({"id": "scan_missing", "severity": "info", "weight": round(missing, 4),
                        "evidence": "no deep scan ran; dynamic behaviour unknown"})
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"probability": round(self.probability, 4), "risk": self.risk,
                "contributions": {k: round(v, 4) for k, v in self.contributions.items()}}


class Model:
    """A loaded model document; `score` turns indicators into probability, risk, contributions."""

    def __init__(self, doc: dict[str, Any], source: str = "<dict>"):
        if doc.get("format") != "slopspotter-lab-model":
            raise ValueError(f"{source}: not a slopspotter-lab model file")
        self.doc = doc
        self.source = source
        self.features = {f["name"]: f for f in doc["features"]}
        self.intercept = float(doc.get("intercept", 0.0))
        self.missing = doc.get("missing_dynamic") or {}
        self.calibration = doc.get("calibration") or {"method": "none"}
        self.thresholds = doc["thresholds"]
        self.severity_factors = (doc.get("feature_extraction") or {}).get("severity_factors")

    @property
    def name(self) -> str:
        return self.doc.get("name", "unnamed")

    def calibrate(self, z: float) -> float:
        cal = self.calibration
        if cal.get("method") == "platt":
            return _sigmoid(cal["a"] * z + cal["b"])
        if cal.get("method") == "isotonic":
            xs, ys = cal["x"], cal["y"]
            k = bisect.bisect_left(xs, z)
            if k <= 0:
                return ys[0]
            if k >= len(xs):
                return ys[-1]
            x0, x1, y0, y1 = xs[k - 1], xs[k], ys[k - 1], ys[k]
            return y0 + (y1 - y0) * (z - x0) / (x1 - x0) if x1 != x0 else y1
        return _sigmoid(z)

    def risk_of(self, probability: float) -> str:
        """The highest risk whose threshold the probability reaches (low has none)."""
        return next((r for r in reversed(RISKS[1:]) if probability >= self.thresholds[r]), RISKS[0])

    def score_features(self, row: dict[str, float | None]) -> Score:
        """Score a feature row (None = missing dynamic feature)."""
        z, contrib = self.intercept, {}
        scanned = any(row.get(n) is not None for n, f in self.features.items() if f.get("dynamic"))
        for name, spec in self.features.items():
            value = row.get(name)
            if value is None or not value:
                continue
            c = float(spec["weight"]) * _transform(float(value), spec)
            if c:
                contrib[name] = c
                z += c
        if not scanned and self.missing.get("weight"):
            contrib[self.missing["feature"]] = float(self.missing["weight"])
            z += float(self.missing["weight"])
        p = self.calibrate(z)
        floor = self.doc.get("floor")
        if floor and (row.get(floor["feature"]) or 0.0) >= float(floor["at_least"]):
            p = max(p, float(self.thresholds[floor.get("risk", "medium")]))  # one strong finding is never explained away
        if scanned and p < self.thresholds["medium"] and self._unscanned(row).probability >= self.thresholds["medium"]:
            p = float(self.thresholds["medium"])  # a scan that saw little never clears strong static evidence
        return Score(probability=p, risk=self.risk_of(p), logit=z,
                     contributions=dict(sorted(contrib.items(), key=lambda kv: -abs(kv[1]))))

    def _unscanned(self, row: dict[str, float | None]) -> Score:
        """The same row as if no scan had run (its dynamic features missing)."""
        return self.score_features({n: (None if f.get("dynamic") else row.get(n)) for n, f in self.features.items()})

    def score(self, indicators: Iterable, *, dynamic: bool) -> Score:
        """Score indicators; `dynamic` says whether a scan ran (else dynamic features are missing)."""
        return self.score_features(feat.extract(indicators, dynamic=dynamic,
                                                severity_factors=self.severity_factors))

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.doc))

    def summary(self) -> dict[str, Any]:
        """What the host's ping reports: name, version, when fitted, thresholds."""
        return {"name": self.name, "format_version": self.doc.get("format_version"),
                "fitted_at": self.doc.get("fitted_at"), "thresholds": self.thresholds,
                "source": self.source}


_CACHE: dict[tuple[str, float], Model] = {}


def default_model_path() -> Path:
    """$SLOPSPOTTER_MODEL, else <config_dir>/model.json if present, else the packaged model."""
    env = os.environ.get("SLOPSPOTTER_MODEL")
    if env:
        return Path(env).expanduser()
    from ..config import config_dir

    user = config_dir() / "model.json"
    return user if user.is_file() else DEFAULT_MODEL


def load_model(path: str | Path | None = None) -> Model:
    """Load (and memoise by path + mtime) a model file; never unpickles anything."""
    p = Path(path) if path is not None else default_model_path()
    key = (str(p.resolve()), p.stat().st_mtime)
    if key not in _CACHE:
        with open(p, encoding="utf-8") as fh:
            _CACHE[key] = Model(json.load(fh), source=str(p))
    return _CACHE[key]


__all__ = ["Model", "Score", "load_model", "default_model_path", "DEFAULT_MODEL", "RISKS"]
