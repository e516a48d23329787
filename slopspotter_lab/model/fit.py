"""ScoringModel: regularised logistic regression + calibration + low|medium|high thresholds.

Follows scikit-learn conventions (parameters stored by __init__, `fit` returns self, learned
state ends in `_`, `predict_proba`, get_params/set_params via BaseEstimator) so notebooks can
cross-validate and grid-search it. It exports to the one-file JSON model (DESIGN 4.4) that
`model.scoring` scores with the standard library alone; `to_dict` folds the standardisation
into the weights so the exported file and the fitted object give the same numbers.

Missing dynamic features. A heuristic-only check has no scan; its dynamic columns arrive as NaN.
They are not read as zeros ("the scan saw nothing", which looks benign): a `scan_missing`
column (1 when the row has no scan) is added and learns its own weight, so heuristic-only
rows get their own baseline; their imputed zeros add nothing to the log-odds and give the
dynamic weights no gradient, so those weights come from scanned rows.

Rare features. A small corpus never shows some indicators (a reverse shell, tracer tampering)
or shows them too rarely to estimate. Features seen in fewer than `min_support` training rows
are not fitted: they keep the weight and transform given in `prior_weights` (the hand-set
model), added to the log-odds as a fixed offset both when fitting and when scoring.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError  # noqa: F401  (raised by check_is_fitted; re-exported)
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

MISSING_FEATURE = "scan_missing"
FORMAT_VERSION = 1
CALIBRATIONS = ("auto", "platt", "isotonic", "none")


def _transform(values: np.ndarray, spec: dict) -> np.ndarray:
    """The per-feature transform the JSON file records (log1p, clip); NaN stays NaN."""
    out = values.astype(float)
    kind = spec.get("transform", "identity")
    if kind == "log1p":
        out = np.log1p(np.clip(out, 0, None))
    elif kind == "clip":
        out = np.clip(out, spec.get("min", -np.inf), spec.get("max", np.inf))
    elif kind == "bool":
        out = np.where(np.isnan(out), np.nan, (out > 0).astype(float))
    return out


class ScoringModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a package is malicious, from one feature row per check/scan.

    Parameters
    ----------
    feature_names: column names, in order (X may also be a DataFrame with these columns).
    dynamic_features: the columns that only a scan can fill (NaN when there was no scan).
    transforms: {name: {"transform": "log1p"|"clip"|"bool"|"identity", "min", "max"}}.
    C: inverse L2 regularisation strength of the logistic regression.
    class_weight: "balanced_by_scan" (classes balanced within scanned and unscanned rows),
        or anything LogisticRegression accepts ("balanced", None).
    calibration: "auto" (isotonic from `isotonic_min` rows, else Platt), "platt", "isotonic", "none".
    cv: folds for the out-of-fold scores that calibration and thresholds are fitted on.
    medium_fpr, high_fpr: false-alarm rates on benign rows that set the medium and high thresholds.
    prior_weights: {name: {"weight", "transform", ...}} for features too rare to fit.
    min_support: features non-zero in fewer training rows than this use `prior_weights`.
    fixed_features: features never fitted (prior weight, or 0): for signals the corpus confounds.
    nonnegative: a feature whose fitted weight comes out negative is refitted at its prior
        weight instead (repeatedly), since an indicator is evidence of trouble by design and a
        negative weight only says the small corpus had a benign package showing it.
    medium_floor: the `medium` threshold is never below this probability (a check that found
        nothing must sit clearly below it, or a few info findings tip it over).
    floor_feature, floor_at: a row whose `floor_feature` is at least `floor_at` (default: worst
        severity high or critical) scores at least the `medium` threshold, whatever else the
        row says: one strong finding is never explained away, least of all by a scan that saw
        nothing (payloads wait, check the platform, or look for a sandbox). Exported to the
        model file as `floor`, so the stdlib scorer applies the same rule.
    """

    def __init__(self, feature_names: Sequence[str] = (), dynamic_features: Sequence[str] = (),
                 transforms: dict | None = None, C: float = 1.0, calibration: str = "auto",
                 isotonic_min: int = 1000, cv: int = 5, medium_fpr: float = 0.10,
                 high_fpr: float = 0.02, class_weight: str | None = "balanced_by_scan", random_state: int = 0,
                 prior_weights: dict | None = None, min_support: int = 0, fixed_features: Sequence[str] = (),
                 nonnegative: bool = True, floor_feature: str | None = "max_severity", floor_at: float = 4.0,
                 medium_floor: float = 0.15):
        self.feature_names = feature_names
        self.dynamic_features = dynamic_features
        self.transforms = transforms
        self.C = C
        self.calibration = calibration
        self.isotonic_min = isotonic_min
        self.cv = cv
        self.medium_fpr = medium_fpr
        self.high_fpr = high_fpr
        self.class_weight = class_weight
        self.random_state = random_state
        self.prior_weights = prior_weights
        self.min_support = min_support
        self.fixed_features = fixed_features
        self.nonnegative = nonnegative
        self.floor_feature = floor_feature
        self.floor_at = floor_at
        self.medium_floor = medium_floor

    def _validate_params(self) -> None:
        """Refuse bad parameters before any fitting (ValueError naming the parameter)."""
        checks = {
            "C": self.C > 0,
            "calibration": self.calibration in CALIBRATIONS,
            "cv": isinstance(self.cv, int) and self.cv >= 2,
            "isotonic_min": isinstance(self.isotonic_min, int) and self.isotonic_min >= 0,
            "medium_fpr": 0 < self.medium_fpr < 1,
            "high_fpr": 0 < self.high_fpr <= self.medium_fpr,
            "min_support": isinstance(self.min_support, int) and self.min_support >= 0,
            "floor_at": isinstance(self.floor_at, (int, float)),
            "medium_floor": 0 < self.medium_floor < 1,
            "class_weight": self.class_weight in ("balanced_by_scan", "balanced", None) or isinstance(self.class_weight, dict),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError("invalid ScoringModel parameter(s): " + ", ".join(f"{n}={getattr(self, n)!r}" for n in bad)
                             + f" (calibration one of {CALIBRATIONS}; C > 0; cv >= 2; 0 < high_fpr <= medium_fpr < 1)")

    # ------------------------------------------------------------ design matrix
    def _names(self, X) -> list[str]:
        if self.feature_names:
            return list(self.feature_names)
        if hasattr(X, "columns"):
            return [str(c) for c in X.columns]
        raise ValueError("give feature_names or a DataFrame")

    def _design(self, X) -> np.ndarray:
        """Transform, add scan_missing, impute missing dynamic values with 0 (flag carries it)."""
        names = self.feature_names_in_
        if hasattr(X, "columns"):
            X = X[names].to_numpy(dtype=float)
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(names):
            raise ValueError(f"expected {len(names)} columns ({', '.join(names)}), got shape {X.shape}")
        cols = [_transform(X[:, j], self._spec(n)) for j, n in enumerate(names)]
        Z = np.column_stack(cols) if cols else np.empty((len(X), 0))
        dyn = [j for j, n in enumerate(names) if n in set(self.dynamic_features)]
        missing = np.isnan(Z[:, dyn]).all(axis=1) if dyn else np.zeros(len(Z), bool)
        if np.isnan(np.delete(Z, dyn, axis=1)).any():
            raise ValueError("NaN in a heuristic feature: only dynamic features may be missing")
        Z = np.nan_to_num(Z, nan=0.0)
        return np.column_stack([Z, missing.astype(float)])

    def _fix(self, name: str) -> None:
        self.fixed_[name] = dict((self.prior_weights or {}).get(name) or {"weight": 0.0, "transform": "identity"})

    def _spec(self, name: str) -> dict:
        """Transform spec of a feature: the prior's for fixed features, else `transforms`."""
        if name in getattr(self, "fixed_", {}):
            return self.fixed_[name]
        return (self.transforms or {}).get(name, {"transform": "identity"})

    def _split(self, Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(columns the regression fits, fixed log-odds offset from prior-weighted features)."""
        names = [*self.feature_names_in_, MISSING_FEATURE]
        fit_cols = [j for j, n in enumerate(names) if n not in self.fixed_]
        offset = np.zeros(len(Z))
        for j, n in enumerate(names):
            if n in self.fixed_:
                offset += float(self.fixed_[n]["weight"]) * Z[:, j]
        return Z[:, fit_cols], offset

    def _estimator(self):
        return make_pipeline(StandardScaler(), LogisticRegression(
            C=self.C, class_weight=None if self.class_weight == "balanced_by_scan" else self.class_weight,
            max_iter=5000, random_state=self.random_state))

    def _sample_weight(self, Z: np.ndarray, y: np.ndarray, given=None) -> np.ndarray | None:
        """The caller's sample weights, times the "balanced_by_scan" balance: classes balanced
        within scanned and unscanned rows apart.

        A corpus's share of malicious rows among scanned packages and among name-only checks
        is an accident of how it was built; balancing each group keeps that accident out of the
        `scan_missing` weight, which then measures what a missing scan hides.
        """
        given = None if given is None else np.asarray(given, dtype=float)
        if given is not None and (given.shape != (len(y),) or (given < 0).any()):
            raise ValueError(f"sample_weight must be {len(y)} non-negative numbers")
        if self.class_weight != "balanced_by_scan":
            return given
        missing = Z[:, -1] > 0
        w = np.ones(len(y)) if given is None else given.copy()
        for group in (missing, ~missing):
            for label in (0, 1):
                cell = group & (y == label)
                if cell.any():
                    w[cell] *= group.sum() / (2.0 * cell.sum())
        return w

    # ------------------------------------------------------------ fitting
    def fit(self, X, y, sample_weight=None, groups=None):
        """Fit weights on all rows; calibration and thresholds on out-of-fold scores.

        `sample_weight` (one non-negative number per row) weighs rows in the regression and the
        calibration, on top of the class balance `class_weight` asks for (e.g. one unit per
        malware family). `groups` keeps a group's rows in one fold of the out-of-fold scores
        (near-identical copies of one family must not calibrate each other)."""
        self._validate_params()
        y = np.asarray(y).astype(int)
        self.feature_names_in_ = np.asarray(self._names(X), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        unknown = set(self.dynamic_features) - set(self.feature_names_in_)
        if unknown:
            raise ValueError(f"dynamic_features not among the features: {sorted(unknown)}")
        self.fixed_ = {}
        support = (np.nan_to_num(np.asarray(X[list(self.feature_names_in_)] if hasattr(X, "columns") else X, float)) != 0).sum(axis=0)
        for n, k in zip(self.feature_names_in_, support):
            if k < self.min_support or n in set(self.fixed_features):
                self._fix(n)
        self.support_ = {n: int(k) for n, k in zip(self.feature_names_in_, support)}
        self.classes_ = np.array([0, 1])
        for _ in range(len(self.feature_names_in_) + 1):
            Z, offset = self._split(self._design(X))
            weight = self._sample_weight(Z, y, sample_weight)
            fit_params = {} if weight is None else {"logisticregression__sample_weight": weight}
            self.pipeline_ = self._estimator().fit(Z, y, **fit_params)
            negative = [n for n, w in self.raw_weights()[0].items()
                        if self.nonnegative and w < 0 and n in self.feature_names_in_ and n not in self.fixed_]
            if not negative:
                break
            for n in negative:  # evidence of trouble never lowers the risk: back to the prior
                self._fix(n)
        folds = max(2, min(self.cv, int(np.bincount(y, minlength=2).min())))
        if groups is not None:
            from sklearn.model_selection import StratifiedGroupKFold

            splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=self.random_state)
            oof = offset + cross_val_predict(self._estimator(), Z, y, method="decision_function", params=fit_params,
                                             cv=splitter, groups=np.asarray(groups))
        else:
            oof = offset + cross_val_predict(self._estimator(), Z, y, method="decision_function", params=fit_params,
                                             cv=StratifiedKFold(folds, shuffle=True, random_state=self.random_state))
        self.calibration_ = self._fit_calibration(oof, y, weight)
        p_oof = self._calibrate(oof)
        self.thresholds_ = self._fit_thresholds(p_oof, y)
        self.n_train_ = {"malicious": int(y.sum()), "benign": int((1 - y).sum())}
        return self

    def _fit_calibration(self, scores: np.ndarray, y: np.ndarray, weight=None) -> dict:
        method = self.calibration
        if method == "auto":
            method = "isotonic" if len(y) >= self.isotonic_min else "platt"
        if method == "none":
            return {"method": "none"}
        if method == "isotonic":
            iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, y, sample_weight=weight)
            return {"method": "isotonic", "x": [float(v) for v in iso.X_thresholds_],
                    "y": [float(v) for v in iso.y_thresholds_]}
        if method != "platt":
            raise ValueError(f"unknown calibration {method!r}")
        platt = LogisticRegression(C=1e6, max_iter=1000).fit(scores.reshape(-1, 1), y, sample_weight=weight)
        return {"method": "platt", "a": float(platt.coef_[0, 0]), "b": float(platt.intercept_[0])}

    def _calibrate(self, scores: np.ndarray) -> np.ndarray:
        cal = self.calibration_
        if cal["method"] == "platt":
            return 1.0 / (1.0 + np.exp(-(cal["a"] * scores + cal["b"])))
        if cal["method"] == "isotonic":
            return np.interp(scores, cal["x"], cal["y"])
        return 1.0 / (1.0 + np.exp(-scores))

    def _fit_thresholds(self, p: np.ndarray, y: np.ndarray) -> dict:
        """Thresholds at the wanted false-alarm rates on benign rows (never below 0.5 for high)."""
        benign = np.sort(p[y == 0])

        def at_fpr(rate: float) -> float:
            if not len(benign):
                return 0.5
            k = int(math.floor(len(benign) * (1 - rate)))
            return float(benign[min(k, len(benign) - 1)]) + 1e-9

        high = min(max(at_fpr(self.high_fpr), 0.5), 0.99)
        medium = min(max(at_fpr(self.medium_fpr), self.medium_floor), high)
        return {"medium": medium, "high": high}  # unrounded: rounding could undercut a tied score

    # ------------------------------------------------------------ prediction
    def decision_function(self, X) -> np.ndarray:
        """Uncalibrated log-odds: fitted part plus the fixed offset of prior-weighted features."""
        check_is_fitted(self, "pipeline_")
        Z, offset = self._split(self._design(X))
        return self.pipeline_.decision_function(Z) + offset

    def predict_proba(self, X) -> np.ndarray:
        return self._proba(X, scan_floor=True)

    def _proba(self, X, scan_floor: bool) -> np.ndarray:
        p = self._calibrate(self.decision_function(X))
        floored = self._floored(X)
        if floored is not None:
            p = np.where(floored, np.maximum(p, self.thresholds_["medium"]), p)
        if scan_floor and self.dynamic_features:
            # a scan that saw little never clears what the static and name evidence alone says
            # (>= medium) below medium; the stdlib scorer applies the same rule
            unscanned = self._proba(self._without_scan(X), scan_floor=False)[:, 1]
            lift = (p < self.thresholds_["medium"]) & (unscanned >= self.thresholds_["medium"])
            p = np.where(lift, self.thresholds_["medium"], p)
        return np.column_stack([1 - p, p])

    def _without_scan(self, X):
        """X with every dynamic feature missing (NaN), as if no scan had run."""
        dyn = [n for n in self.feature_names_in_ if n in set(self.dynamic_features)]
        if hasattr(X, "columns"):
            X = X.copy()
            X[dyn] = np.nan
            return X
        X = np.array(X, dtype=float, copy=True)
        X[:, [list(self.feature_names_in_).index(n) for n in dyn]] = np.nan
        return X

    def _floored(self, X) -> np.ndarray | None:
        """Rows whose floor feature reaches `floor_at` (None when the model has no floor)."""
        names = list(self.feature_names_in_)
        if not self.floor_feature or self.floor_feature not in names:
            return None
        if hasattr(X, "columns"):
            col = X[self.floor_feature].to_numpy(dtype=float)
        else:
            col = np.asarray(X, dtype=float)[:, names.index(self.floor_feature)]
        return np.nan_to_num(col) >= self.floor_at

    def predict(self, X) -> np.ndarray:
        """1 = malicious: probability at or above the `high` threshold."""
        return (self.predict_proba(X)[:, 1] >= self.thresholds_["high"]).astype(int)

    def predict_risk(self, X) -> list[str]:
        from .scoring import RISKS

        p = self.predict_proba(X)[:, 1]
        return [next((r for r in reversed(RISKS[1:]) if v >= self.thresholds_[r]), RISKS[0]) for v in p]

    # ------------------------------------------------------------ explanation
    def raw_weights(self) -> tuple[dict[str, float], float]:
        """Weights on the transformed (unscaled) features, with the scaler folded in."""
        check_is_fitted(self, "pipeline_")
        scaler, lr = self.pipeline_[0], self.pipeline_[-1]
        scale = np.where(scaler.scale_ == 0, 1.0, scaler.scale_)
        w = lr.coef_[0] / scale
        b = float(lr.intercept_[0] - np.sum(lr.coef_[0] * scaler.mean_ / scale))
        fitted = iter(w)
        names = [*self.feature_names_in_, MISSING_FEATURE]
        return {n: float(self.fixed_[n]["weight"]) if n in self.fixed_ else float(next(fitted)) for n in names}, b

    def explain(self, X, top: int = 5) -> list[list[tuple[str, float]]]:
        """Per row, the features that pushed the log-odds most (name, contribution), largest first."""
        weights, _ = self.raw_weights()
        Z = self._design(X)
        names = list(weights)
        w = np.array([weights[n] for n in names])
        rows = []
        for z in Z:
            contrib = [(names[j], float(w[j] * z[j])) for j in range(len(names)) if w[j] * z[j] != 0]
            rows.append(sorted(contrib, key=lambda t: -abs(t[1]))[:top])
        return rows

    # ------------------------------------------------------------ export
    def to_dict(self, name: str = "slopspotter-lab", metrics: dict | None = None,
                data: dict | None = None, description: str = "",
                severity_factors: dict | None = None) -> dict[str, Any]:
        """The JSON model document (DESIGN 4.4); `model.scoring` reads it with the stdlib only.

        Transforms must map 0 to 0 (log1p, bool, clip with min <= 0): the scorer skips zero
        and missing features, exactly as `_design` imputes them.
        """
        from .features import SEVERITY_FACTORS

        weights, intercept = self.raw_weights()
        features = []
        for n in self.feature_names_in_:
            spec = {"name": n, "weight": round(weights[n], 8), "dynamic": n in set(self.dynamic_features)}
            spec.update({k: v for k, v in self._spec(n).items() if k not in ("name", "weight", "dynamic")})
            spec.setdefault("transform", "identity")
            spec["fitted"] = n not in self.fixed_
            spec["support"] = self.support_[n]
            features.append(spec)
        return {
            "format": "slopspotter-lab-model",
            "format_version": FORMAT_VERSION,
            "name": name,
            "fitted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "description": description,
            "feature_extraction": {"kind": "severity_weighted_count",
                                   "severity_factors": dict(severity_factors or SEVERITY_FACTORS)},
            "features": features,
            "missing_dynamic": {"feature": MISSING_FEATURE, "weight": round(weights[MISSING_FEATURE], 8)},
            "intercept": round(intercept, 8),
            "calibration": self.calibration_,
            "thresholds": dict(self.thresholds_),
            **({"floor": {"feature": self.floor_feature, "at_least": self.floor_at, "risk": "medium"}}
               if self.floor_feature and self.floor_feature in list(self.feature_names_in_) else {}),
            "params": {k: v for k, v in self.get_params().items()
                       if k not in ("feature_names", "dynamic_features", "transforms", "prior_weights")},
            "metrics": metrics or {},
            "data": {**(data or {}), "n_train": self.n_train_},
        }
