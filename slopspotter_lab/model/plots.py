"""Reliability diagram and ROC curve (matplotlib). Each returns the Figure; pass `ax` to draw
into an existing grid in a notebook."""

from __future__ import annotations

import numpy as np

from ..errors import require
from .metrics import expected_calibration_error, reliability_table


def _axes(ax):
    if ax is not None:
        return ax.figure, ax
    plt = require("matplotlib.pyplot", "model")
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    return fig, ax


def reliability_diagram(y, p, bins: int = 10, ax=None, label: str = "model"):
    """Observed malicious rate against mean predicted probability per bin (scikit-learn's
    CalibrationDisplay; the dashed diagonal is perfect calibration); dot size = rows in the bin."""
    from sklearn.calibration import CalibrationDisplay

    fig, ax = _axes(ax)
    CalibrationDisplay.from_predictions(y, p, n_bins=bins, ax=ax,
                                        name=f"{label} (ECE {expected_calibration_error(y, p, bins):.3f})")
    table = reliability_table(y, p, bins)
    ax.scatter([r["mean_predicted"] for r in table], [r["observed"] for r in table],
               s=[20 + 200 * r["count"] / max(1, len(p)) for r in table], alpha=0.3)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted probability", ylabel="observed malicious rate",
           title="Reliability diagram")
    ax.legend(loc="upper left", fontsize="small")
    return fig


def roc_plot(y, p, ax=None, thresholds: dict | None = None, label: str = "model"):
    """ROC curve, with the operating points of the low|medium|high thresholds marked."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, ax = _axes(ax)
    fpr, tpr, _ = roc_curve(y, p)
    ax.plot(fpr, tpr, lw=1.5, label=f"{label} (AUC {roc_auc_score(y, p):.3f})")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1)
    y, p = np.asarray(y), np.asarray(p)
    for level, t in (thresholds or {}).items():
        fa = float((p[y == 0] >= t).mean())
        det = float((p[y == 1] >= t).mean())
        ax.scatter([fa], [det], zorder=3, label=f"{level} >= {t:.2f}: FPR {fa:.3f}, TPR {det:.3f}")
    ax.set(xlim=(0, 1), ylim=(0, 1.02), xlabel="false-alarm rate", ylabel="detection rate", title="ROC")
    ax.legend(loc="lower right", fontsize="small")
    return fig
