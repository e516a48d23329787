"""An ipywidgets explorer over a batch: pick a package, see its row, frames and plots."""

from __future__ import annotations

import pandas as pd

from ..errors import require


def explorer(batch: pd.DataFrame, store=None, scans: dict | None = None):
    """Dropdown of packages -> verdict row, frame tabs and the scan overview plots.

    Full records come from `scans` ({name: ScanResult}) or from the batch's results store.
    """
    widgets = require("ipywidgets", "notebooks")
    from IPython.display import display

    from ..batch.store import ResultStore

    store_dir = store or batch.attrs.get("slop_store")
    names = batch["name"].tolist()
    pick = widgets.Dropdown(options=names, description="package")
    frame_pick = widgets.ToggleButtons(options=["processes", "endpoints", "dns", "files"], value="processes")
    out = widgets.Output()

    def load(name):
        if scans and name in scans:
            return scans[name]
        if store_dir is None:
            return None
        with ResultStore(store_dir) as st:
            try:
                return st.scan_result(batch.loc[batch["name"] == name, "key"].iloc[0])
            except KeyError:
                return None

    def render(*_):
        import matplotlib.pyplot as plt

        from .plots import scan_overview

        out.clear_output(wait=True)
        with out:
            display(batch[batch["name"] == pick.value].T)
            result = load(pick.value)
            if result is None:
                print("no deep-scan record for this package (check mode, or it failed)")
                return
            display(getattr(result, frame_pick.value).head(50))
            scan_overview(result)
            plt.show()

    pick.observe(render, names="value")
    frame_pick.observe(render, names="value")
    box = widgets.VBox([pick, frame_pick, out])
    render()
    return box
