"""A model card (Markdown) written from the model file itself, so what an agent or a person
reads about the model in use is always the model in use: what it was fitted on, how well it
did on held-out data, its thresholds, its heaviest features and its limits. Standard library
only."""

from __future__ import annotations

from typing import Any


def _pct(value: Any) -> str:
    return f"{value * 100:.1f}%" if isinstance(value, (int, float)) else "n/a"


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "n/a"


def model_card(model=None, top: int = 12) -> str:
    """The card of `model` (default: the model the host and `check` load)."""
    if model is None:
        from .scoring import load_model

        model = load_model()
    doc = model.doc
    data = doc.get("data") or {}
    held = (doc.get("metrics") or {}).get("held_out") or {}
    thresholds = doc.get("thresholds") or {}
    lines = [
        f"# Model card: {doc.get('name', 'unnamed')}",
        "",
        f"- format {doc.get('format')} v{doc.get('format_version')}, fitted {doc.get('fitted_at') or 'never (hand-set)'}",
        f"- loaded from `{model.source}`",
        f"- {doc.get('description') or 'no description'}",
        "",
        "## What it predicts",
        "",
        "The calibrated probability that installing the package is unsafe (malicious, or a name an",
        "attacker can claim), from the indicators a check or a deep scan found. Risk levels: "
        f"`medium` from {thresholds.get('medium', 'n/a')}, `high` from {thresholds.get('high', 'n/a')}.",
        "A heuristic-only check is scored with its dynamic evidence missing, not clean.",
        "",
        "## Data",
        "",
    ]
    for key, count in sorted((data.get("corpus") or {}).items()):
        lines.append(f"- {key}: {count}")
    if data.get("rows"):
        lines.append(f"- rows {data['rows']}, held out {_pct(data.get('test_size'))}")
    lines += ["", "## Held-out metrics", ""]
    if held:
        lines.append(f"- n={held.get('n')} (malicious {held.get('n_malicious')}, benign {held.get('n_benign')})")
        lines.append(f"- ROC AUC {_num(held.get('roc_auc'))}, PR AUC {_num(held.get('pr_auc'))}, "
                     f"Brier {_num(held.get('brier'))}, ECE {_num(held.get('ece'))}")
        for level in ("medium", "high"):
            at = held.get(f"at_{level}") or {}
            if at:
                lines.append(f"- at `{level}`: detection {_pct(at.get('detection_rate'))}, "
                             f"false alarms {_pct(at.get('false_alarm_rate'))}")
    else:
        lines.append("- none recorded (a hand-set model)")
    feats = sorted(doc.get("features") or [], key=lambda f: -abs(f.get("weight") or 0.0))[:top]
    lines += ["", f"## Heaviest features (top {len(feats)})", "", "| feature | weight | fitted | support |",
              "|---|---|---|---|"]
    for f in feats:
        lines.append(f"| {f.get('name')} | {f.get('weight', 0):.3f} | {'yes' if f.get('fitted') else 'prior'} "
                     f"| {f.get('support', 0)} |")
    lines += ["", "## Limits", "",
              "- Small, mostly synthetic training corpus: figures are optimistic for real-world malware.",
              "- Name heuristics cannot see a malicious package with a plausible, original name; a deep scan can.",
              "- A clean deep scan shows what the package did in one sandboxed run, not what it could do.",
              "- See docs/model.md for how it is fitted and checked.", ""]
    return "\n".join(lines)


__all__ = ["model_card"]
