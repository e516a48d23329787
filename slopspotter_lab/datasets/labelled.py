"""The labelled corpus as a feature matrix: what the calibration notebooks and the model fit read.

The corpus files (`name_rows.csv`, `scan_rows.csv`, built by datasets/labelled/build_labelled.py)
hold the indicators each check or scan reported; features are recomputed from them here, so a
change to model/features.py never needs the scans again.
"""

from __future__ import annotations

import json
from pathlib import Path

FILES = ("name_rows.csv", "scan_rows.csv")
REAL_FILES = ("malware_rows.csv", "benign_rows.csv")  # in ../realworld: static checks of real artifacts
# in ../realworld: gVisor scans of the same real artifacts (file -> label)
REAL_SCAN_FILES = {"dynamic_rows.csv": 1, "dynamic_benign_rows.csv": 0}
KEEP = ["name", "ecosystem", "label", "kind", "source", "scanned", "indicators", "group"]


def feature_matrix(df):
    """Corpus rows (with `indicators` as JSON [[id, severity], ...] and `scanned`) -> those rows'
    labels and one float column per model feature (NaN: a dynamic feature with no scan)."""
    import pandas as pd

    from ..model import features

    rows = [features.extract([{"id": i[0], "severity": i[1]} for i in json.loads(cell)], dynamic=bool(scanned))
            for cell, scanned in zip(df["indicators"], df["scanned"])]
    feats = pd.DataFrame(rows, index=df.index, columns=features.feature_names()).astype(float)
    if "group" not in df:
        df = df.assign(group=df["source"] + ":" + df["ecosystem"] + ":" + df["name"].astype(str))
    return pd.concat([df[KEEP], feats], axis=1)


def real_rows(directory: str | Path):
    """Static checks of real artifacts (datasets/realworld: MalRegistry families, hard benign
    packages) in corpus shape; `group` is the malware family (a benign package is its own)."""
    import pandas as pd

    paths = [Path(directory) / n for n in REAL_FILES if (Path(directory) / n).exists() and (Path(directory) / n).stat().st_size]
    if not paths:
        return pd.DataFrame(columns=KEEP)
    df = pd.concat([pd.read_csv(p, dtype={"version": str}) for p in paths], ignore_index=True)
    return pd.DataFrame({"name": df["name"], "ecosystem": "pypi", "label": df["label"].astype(int), "kind": df["kind"],
                         "source": "static", "scanned": 0, "indicators": df["indicators"], "group": df["family"]})


def real_scan_rows(directory: str | Path):
    """gVisor scans of real artifacts (datasets/realworld/dynamic*.csv: MalRegistry families, the
    benign set) in corpus shape, `source` "realscan", every indicator the scan reported (static
    and dynamic). A scan refused before the sandbox is left out; one that ran no phase (no
    trace) counts as unscanned, as the scorer treats it."""
    import pandas as pd

    frames = []
    for name, label in REAL_SCAN_FILES.items():
        path = Path(directory) / name
        if not path.exists() or not path.stat().st_size:
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df = df[df["scan_error"] != "refused"]
        frames.append(pd.DataFrame({
            "name": df["name"], "ecosystem": "pypi", "label": label, "kind": "real",
            "source": "realscan", "scanned": (df["install_status"] != "").astype(int),
            "indicators": df["indicators"].replace("", "[]"), "group": df["family"]}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=KEEP)


def labelled_rows(directory: str | Path, real: str | Path | None = None):
    """The corpus in `directory` (e.g. datasets/labelled) and the real rows beside it
    (`real`, default `directory/../realworld`) as one feature matrix; `group` keeps what must
    stay together in cross-validation (a malware family, else the row's name)."""
    import pandas as pd

    from ..errors import InputError

    paths = [Path(directory) / name for name in FILES if (Path(directory) / name).exists()]
    if not paths:
        raise InputError(f"no corpus rows in {directory}: build them with datasets/labelled/build_labelled.py")
    frames = [pd.read_csv(p, keep_default_na=True) for p in paths]
    for f in frames:
        f["group"] = f["source"] + ":" + f["ecosystem"] + ":" + f["name"].astype(str)
    real_dir = Path(real) if real is not None else Path(directory).parent / "realworld"
    frames += [extra for extra in (real_rows(real_dir), real_scan_rows(real_dir)) if len(extra)]
    return feature_matrix(pd.concat(frames, ignore_index=True))
