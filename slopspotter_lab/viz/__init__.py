"""Plots, summaries, the ipywidgets explorer and the `df.slop` pandas accessor.

Importing this registers the accessor; matplotlib and ipywidgets load only when a plot or a
widget is drawn (extra: notebooks).
"""

from __future__ import annotations

from . import accessor  # noqa: F401  (registers df.slop)
from .summaries import endpoint_summary, events, file_category_summary, indicator_frequencies, phase_spans

_PLOTS = ("plot_process_tree", "plot_timeline", "plot_endpoints", "plot_file_categories",
          "plot_risk_distribution", "plot_probability", "plot_indicator_frequencies", "scan_overview",
          "batch_overview")


def __getattr__(name):
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    if name == "explorer":
        from .widgets import explorer

        return explorer
    raise AttributeError(name)


__all__ = ["endpoint_summary", "events", "file_category_summary", "indicator_frequencies", "phase_spans",
           "explorer", *_PLOTS]
