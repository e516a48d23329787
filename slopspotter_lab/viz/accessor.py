"""`df.slop`: a thin pandas accessor over the viz functions (msticpy style).

On a batch frame (one row per package): plot_risk, plot_probability, plot_indicators,
indicator_counts, overview, scan(name), explore(). On an event frame of one scan (processes,
files, ...): plot_timeline, process_tree.
"""

from __future__ import annotations

import pandas as pd

from . import summaries


@pd.api.extensions.register_dataframe_accessor("slop")
class SlopAccessor:
    def __init__(self, df: pd.DataFrame):
        self._df = df

    # ----------------------------------------------------------------- batch frames
    def indicator_counts(self) -> pd.Series:
        return summaries.indicator_frequencies(self._df)

    def plot_risk(self, ax=None):
        from .plots import plot_risk_distribution

        return plot_risk_distribution(self._df, ax)

    def plot_probability(self, ax=None):
        from .plots import plot_probability

        return plot_probability(self._df, ax)

    def plot_indicators(self, ax=None, top: int = 15):
        from .plots import plot_indicator_frequencies

        return plot_indicator_frequencies(self._df, ax, top)

    def overview(self):
        from .plots import batch_overview

        return batch_overview(self._df)

    def scan(self, name: str):
        """The stored ScanResult of one package of this batch (name or key)."""
        from ..batch.store import ResultStore

        store = self._df.attrs.get("slop_store")
        if not store:
            raise KeyError("this frame carries no results store (df.attrs['slop_store'])")
        keys = self._df.loc[self._df["name"] == name, "key"]
        with ResultStore(store) as st:
            return st.scan_result(keys.iloc[0] if len(keys) else name)

    def explore(self, scans: dict | None = None):
        from .widgets import explorer

        return explorer(self._df, scans=scans)

    # ----------------------------------------------------------------- event frames of one scan
    def _as_frames(self) -> dict:
        cols = set(self._df.columns)
        kind = ("processes" if "argv" in cols else "endpoints" if "port" in cols else
                "files" if "path" in cols else "dns" if "qtype" in cols else None)
        if kind is None:
            raise ValueError("not an event frame of a scan (processes, endpoints, dns or files)")
        return {kind: self._df}

    def plot_timeline(self, ax=None):
        from .plots import plot_timeline

        frames = {k: pd.DataFrame() for k in summaries.FRAME_NAMES} | self._as_frames()
        return plot_timeline(frames, ax)

    def process_tree(self, ax=None, max_processes: int = 40):
        from .plots import plot_process_tree

        return plot_process_tree({"processes": self._df}, ax, max_processes)
