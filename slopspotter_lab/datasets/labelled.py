"""The labelled corpus as a feature matrix: what the calibration notebooks and the model fit read.

The corpus files (`name_rows.csv`, `scan_rows.csv`, built by datasets/labelled/build_labelled.py)
hold the indicators each check or scan reported; features are recomputed from them here, so a
change to model/features.py never needs the scans again.
"""

from __future__ import annotations

import json
from pathlib import Path

FILES = ("name_rows.csv", "scan_rows.csv")
KEEP = ["name", "ecosystem", "label", "kind", "source", "scanned", "indicators"]


def feature_matrix(df):
    """Corpus rows (with `indicators` as JSON [[id, severity], ...] and `scanned`) -> those rows'
    labels and one float column per model feature (NaN: a dynamic feature with no scan)."""
    import pandas as pd

    from ..model import features

    rows = [features.extract([{"id": i, "severity": s} for i, s in json.loads(cell)], dynamic=bool(scanned))
            for cell, scanned in zip(df["indicators"], df["scanned"])]
    feats = pd.DataFrame(rows, index=df.index, columns=features.feature_names()).astype(float)
    return pd.concat([df[KEEP], feats], axis=1)


def labelled_rows(directory: str | Path):
    """The corpus in `directory` (e.g. datasets/labelled) as one feature matrix."""
    import pandas as pd

    from ..errors import InputError

    paths = [Path(directory) / name for name in FILES if (Path(directory) / name).exists()]
    if not paths:
        raise InputError(f"no corpus rows in {directory}: build them with datasets/labelled/build_labelled.py")
    return feature_matrix(pd.concat([pd.read_csv(p, keep_default_na=True) for p in paths], ignore_index=True))
