import json

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from slopspotter_lab import viz  # noqa: E402
from slopspotter_lab.scan import ScanResult  # noqa: E402

from .conftest import ROOT  # noqa: E402

REC = ROOT / "datasets" / "recorded_scans"


@pytest.fixture(scope="module")
def dropper():
    return ScanResult.from_dict(json.loads((REC / "slop-shell-dropper.json").read_text()))


def test_summaries_of_a_recorded_scan(dropper):
    ep = viz.endpoint_summary(dropper)
    assert ep.loc[0, "hostname"].endswith(".invalid") and ep["attempts"].sum() == len(dropper.endpoints)
    cats = viz.file_category_summary(dropper)
    assert "shell_profile" in cats.index
    ev = viz.events(dropper)
    assert ev["ts"].is_monotonic_increasing and set(ev["kind"]) >= {"processes", "files", "dns", "endpoints"}
    spans = viz.phase_spans(dropper).set_index("phase")
    assert spans.loc["install", "start"] < spans.loc["import", "start"]


def test_scan_plots_draw_every_process_and_event(dropper):
    fig = viz.scan_overview(dropper)
    tree, timeline = fig.axes[0], fig.axes[1]
    assert len(tree.patches) == min(len(dropper.processes), 25)
    assert sum(len(c.get_offsets()) for c in timeline.collections) == len(viz.events(dropper))
    ax = dropper.processes.slop.process_tree()
    assert len(ax.patches) == len(dropper.processes)


def test_batch_accessor_counts():
    df = pd.DataFrame({"name": ["a", "b", "c"], "risk": ["low", "high", "high"], "probability": [0.1, 0.9, 0.95],
                       "top_indicators": ["", "typosquat;not_found", "typosquat"]})
    assert df.slop.indicator_counts().to_dict() == {"typosquat": 2, "not_found": 1}
    ax = df.slop.plot_risk()
    assert [p.get_height() for p in ax.patches] == [1, 0, 2]
