"""Matplotlib plots of one scan (process tree, timeline, endpoints, file categories) and of a
batch (risk, probability, indicator frequencies). Each returns the Axes it drew on."""

from __future__ import annotations

import pandas as pd

from .summaries import (events, file_category_summary, endpoint_summary, frames_of, indicator_frequencies,
                        phase_spans, risk_counts)

PHASE_COLORS = {"install": "#4c72b0", "import": "#dd8452", "execute": "#55a868", "after": "#c44e52"}
KIND_ROWS = ["processes", "files", "dns", "endpoints"]
RISK_COLORS = {"low": "#1e8449", "medium": "#d68910", "high": "#c0392b"}


def _axes(ax, figsize=(9, 4)):
    from ..errors import require

    plt = require("matplotlib.pyplot", "notebooks")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _tree_order(procs: pd.DataFrame) -> list[int]:
    """Row indices in depth-first order (children under their parent, by start time)."""
    procs = procs.sort_values("ts", kind="stable")
    pids = set(procs["pid"])
    children: dict = {}
    roots = []
    for idx, row in procs.iterrows():
        (children.setdefault(row["ppid"], []) if row["ppid"] in pids and row["ppid"] != row["pid"] else roots).append(idx)
    by_pid = {row["pid"]: idx for idx, row in procs.iterrows()}
    order, stack = [], list(reversed(roots))
    while stack:
        idx = stack.pop()
        order.append(idx)
        stack.extend(reversed(children.get(procs.at[idx, "pid"], [])))
    return order if len(order) == len(procs) else order + [i for i in procs.index if i not in set(order)]


def _label(row) -> str:
    argv, exe = row.get("argv"), row.get("exe")
    if isinstance(argv, (list, tuple)) and len(argv):
        text = " ".join(map(str, argv))
    else:
        text = exe if isinstance(exe, str) else "(exited before exec)"
    text = " ".join(text.split())  # inline scripts carry newlines
    return f"{row['pid']}: {text[:45]}"


def plot_process_tree(result, ax=None, max_processes: int = 40):
    """Each process a bar from start to end (by phase colour), drawn under its parent with a link."""
    procs = frames_of(result)["processes"].copy()
    ax = _axes(ax, (10, max(2.5, 0.3 * min(len(procs), max_processes) + 1)))
    if procs.empty:
        ax.set_title("no processes recorded")
        return ax
    procs["ts"] = pd.to_numeric(procs["ts"], errors="coerce")
    end = procs["end_ts"] if "end_ts" in procs else procs["ts"]
    procs["end"] = pd.to_numeric(end, errors="coerce").fillna(procs["ts"])
    order = _tree_order(procs)[:max_processes]
    y = {procs.at[i, "pid"]: n for n, i in enumerate(order)}
    for n, i in enumerate(order):
        row = procs.loc[i]
        width = max(row["end"] - row["ts"], 0.01)
        ax.barh(n, width, left=row["ts"], color=PHASE_COLORS.get(row["phase"], "#888"), height=0.6)
        if row["ppid"] in y and y[row["ppid"]] < n:
            ax.plot([row["ts"], row["ts"]], [y[row["ppid"]], n], color="#999", lw=0.8)
        ax.text(row["end"] + 0.02, n, _label(row), va="center", fontsize=7)
    ax.set_yticks([])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since scan start")
    ax.set_title(f"process tree ({len(procs)} processes" + (f", first {max_processes}" if len(procs) > max_processes else "") + ")")
    _phase_legend(ax)
    return ax


def _phase_legend(ax):
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=p) for p, c in PHASE_COLORS.items()], loc="lower right", fontsize=7)


def plot_timeline(result, ax=None):
    """Events by kind over time, on bands shaded by phase."""
    ev = events(result)
    ax = _axes(ax)
    for _, span in phase_spans(result).iterrows():
        ax.axvspan(span["start"], max(span["end"], span["start"] + 0.01), color=PHASE_COLORS.get(span["phase"], "#ccc"), alpha=0.12)
        ax.text(span["start"], len(KIND_ROWS) - 0.4, span["phase"], fontsize=8, color=PHASE_COLORS.get(span["phase"], "#555"))
    for n, kind in enumerate(KIND_ROWS):
        sub = ev[ev["kind"] == kind]
        ax.scatter(sub["ts"], [n] * len(sub), s=12, c=[PHASE_COLORS.get(p, "#888") for p in sub["phase"]], alpha=0.7)
    ax.set_yticks(range(len(KIND_ROWS)), [f"{k} ({(ev['kind'] == k).sum()})" for k in KIND_ROWS])
    ax.set_ylim(-0.6, len(KIND_ROWS) - 0.2)
    ax.set_xlabel("seconds since scan start")
    ax.set_title("event timeline by phase")
    return ax


def plot_endpoints(result, ax=None, top: int = 15):
    s = endpoint_summary(result).head(top)
    ax = _axes(ax, (8, max(2, 0.35 * len(s) + 1)))
    if s.empty:
        ax.set_title("no connection attempts")
        return ax
    labels = s["hostname"].astype(str) + " (" + s["address"].astype(str) + ":" + s["port"].astype(str) + ")"
    ax.barh(labels, s["attempts"], color="#c44e52")
    ax.invert_yaxis()
    ax.set_xlabel("connection attempts")
    ax.set_title("endpoints contacted")
    return ax


def plot_file_categories(result, ax=None):
    t = file_category_summary(result)
    ax = _axes(ax, (8, 3))
    if t.empty:
        ax.set_title("no file events in a sensitive category")
        return ax
    t.plot.barh(stacked=True, ax=ax)
    ax.set_xlabel("file events")
    ax.set_title("file events by category and operation")
    return ax


def plot_risk_distribution(batch: pd.DataFrame, ax=None):
    counts = risk_counts(batch)
    ax = _axes(ax, (5, 3))
    ax.bar(counts.index, counts.values, color=[RISK_COLORS[r] for r in counts.index])
    ax.set_ylabel("packages")
    ax.set_title(f"risk levels ({len(batch)} packages)")
    return ax


def plot_probability(batch: pd.DataFrame, ax=None, bins: int = 20):
    ax = _axes(ax, (6, 3))
    probs = pd.to_numeric(batch["probability"], errors="coerce").dropna()
    for risk, color in RISK_COLORS.items():
        sel = probs[batch.loc[probs.index, "risk"] == risk]
        if len(sel):
            ax.hist(sel, bins=bins, range=(0, 1), color=color, alpha=0.7, label=risk)
    ax.set_xlabel("probability malicious")
    ax.set_ylabel("packages")
    ax.legend(fontsize=8)
    ax.set_title("probability distribution")
    return ax


def plot_indicator_frequencies(batch: pd.DataFrame, ax=None, top: int = 15):
    freq = indicator_frequencies(batch).head(top)
    ax = _axes(ax, (7, max(2, 0.3 * len(freq) + 1)))
    ax.barh(freq.index, freq.values, color="#4c72b0")
    ax.invert_yaxis()
    ax.set_xlabel("packages raising it (top indicators)")
    ax.set_title("indicator frequencies")
    return ax


def scan_overview(result, figsize=(14, 9)):
    """Process tree, timeline, endpoints and file categories of one scan in one figure."""
    from ..errors import require

    plt = require("matplotlib.pyplot", "notebooks")
    fig, axes = plt.subplots(2, 2, figsize=figsize, gridspec_kw={"width_ratios": [3, 2]})
    plot_process_tree(result, axes[0, 0], max_processes=25)
    plot_timeline(result, axes[0, 1])
    plot_endpoints(result, axes[1, 0])
    plot_file_categories(result, axes[1, 1])
    fig.tight_layout()
    return fig


def batch_overview(batch: pd.DataFrame, figsize=(14, 4)):
    from ..errors import require

    plt = require("matplotlib.pyplot", "notebooks")
    fig, axes = plt.subplots(1, 3, figsize=figsize)
    plot_risk_distribution(batch, axes[0])
    plot_probability(batch, axes[1])
    plot_indicator_frequencies(batch, axes[2])
    fig.tight_layout()
    return fig
