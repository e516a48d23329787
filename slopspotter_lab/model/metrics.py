"""Held-out metrics of a probability model: ranking (ROC AUC, PR AUC), calibration (Brier,
expected calibration error, reliability table) and the false-alarm rate at the thresholds
actually used. scikit-learn does the standard ones; ECE is a few lines of numpy."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def reliability_table(y, p, bins: int = 10) -> list[dict]:
    """Equal-width bins of predicted probability (scikit-learn's calibration_curve binning):
    count, mean prediction, observed rate, for the bins that hold any prediction."""
    from sklearn.calibration import calibration_curve

    y, p = np.asarray(y, float), np.asarray(p, float)
    edges = np.linspace(0, 1, bins + 1)
    counts = np.bincount(np.searchsorted(edges[1:-1], p), minlength=bins)
    observed, predicted = calibration_curve(y, p, n_bins=bins, strategy="uniform")
    filled = [b for b in range(bins) if counts[b]]
    return [{"lo": float(edges[b]), "hi": float(edges[b + 1]), "count": int(counts[b]),
             "mean_predicted": float(mp), "observed": float(ob)} for b, ob, mp in zip(filled, observed, predicted)]


def expected_calibration_error(y, p, bins: int = 10) -> float:
    """Count-weighted mean |observed - predicted| over equal-width bins."""
    table = reliability_table(y, p, bins)
    n = sum(r["count"] for r in table)
    return float(sum(r["count"] * abs(r["observed"] - r["mean_predicted"]) for r in table) / n) if n else float("nan")


def rates_at(y, p, threshold: float) -> dict:
    """False-alarm rate (benign flagged) and detection rate (malicious flagged) at a threshold."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    flagged = p >= threshold
    benign, malicious = y == 0, y == 1
    return {
        "threshold": float(threshold),
        "false_alarm_rate": float(flagged[benign].mean()) if benign.any() else float("nan"),
        "detection_rate": float(flagged[malicious].mean()) if malicious.any() else float("nan"),
    }


def evaluate(y, p, thresholds: dict | None = None, bins: int = 10) -> dict:
    """Every figure the model file and the report record, as plain floats."""
    y, p = np.asarray(y, int), np.asarray(p, float)
    both = len(set(y.tolist())) == 2
    out = {
        "n": int(len(y)), "n_malicious": int(y.sum()), "n_benign": int((1 - y).sum()),
        "roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if both else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p, bins),
    }
    for level, t in (thresholds or {}).items():
        out[f"at_{level}"] = rates_at(y, p, t)
    return out
