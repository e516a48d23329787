"""Tables behind the plots: plain DataFrames, so they work without matplotlib too."""

from __future__ import annotations

import pandas as pd

from ..model.scoring import RISKS

FRAME_NAMES = ("processes", "endpoints", "dns", "files")
RISK_ORDER = list(RISKS)


def frames_of(result) -> dict[str, pd.DataFrame]:
    """{name: DataFrame} from a ScanResult, a scan dict (to_dict) or a dict of frames."""
    if isinstance(result, dict) and "package" in result:
        from ..scan import ScanResult

        result = ScanResult.from_dict(result)
    if isinstance(result, dict):
        return {n: result.get(n, pd.DataFrame()) for n in FRAME_NAMES}
    return {n: getattr(result, n) for n in FRAME_NAMES}


def events(result) -> pd.DataFrame:
    """All events of a scan in one frame: kind, phase, pid, ts, what (time order)."""
    f = frames_of(result)
    parts = []
    describe = {
        "processes": lambda d: d["exe"].fillna("?").astype(str),
        "endpoints": lambda d: d["hostname"].fillna(d["address"]).astype(str) + ":" + d["port"].astype(str),
        "dns": lambda d: d["hostname"].astype(str),
        "files": lambda d: d["op"].astype(str) + " " + d["path"].astype(str),
    }
    for kind, frame in f.items():
        if frame is None or frame.empty:
            continue
        parts.append(pd.DataFrame({"kind": kind, "phase": frame["phase"], "pid": frame["pid"],
                                   "ts": pd.to_numeric(frame["ts"], errors="coerce"), "what": describe[kind](frame)}))
    if not parts:
        return pd.DataFrame(columns=["kind", "phase", "pid", "ts", "what"])
    return pd.concat(parts, ignore_index=True).sort_values("ts", kind="stable").reset_index(drop=True)


def endpoint_summary(result) -> pd.DataFrame:
    """Connection attempts per destination: attempts, bytes sent, phases, outcomes."""
    ep = frames_of(result)["endpoints"]
    if ep.empty:
        return pd.DataFrame(columns=["hostname", "address", "port", "protocol", "attempts", "bytes_sent", "phases", "outcomes"])
    ep = ep.assign(hostname=ep["hostname"].fillna("(raw ip)"))
    g = ep.groupby(["hostname", "address", "port", "protocol"], dropna=False)
    return (g.agg(attempts=("ts", "size"), bytes_sent=("bytes_sent", "sum"),
                  phases=("phase", lambda s: ",".join(sorted(set(map(str, s))))),
                  outcomes=("outcome", lambda s: ",".join(sorted(set(map(str, s))))))
            .reset_index().sort_values("attempts", ascending=False, kind="stable").reset_index(drop=True))


def file_category_summary(result, include_uncategorised: bool = False) -> pd.DataFrame:
    """File events per category (honeytoken, ssh, autostart ...) and operation."""
    files = frames_of(result)["files"]
    if not include_uncategorised:
        files = files[files["category"].notna()]
    if files.empty:
        return pd.DataFrame()
    return (files.assign(category=files["category"].fillna("(none)"))
            .pivot_table(index="category", columns="op", values="ts", aggfunc="size", fill_value=0))


def phase_spans(result) -> pd.DataFrame:
    """Start/end seconds of each phase, from its events (phase records carry durations only)."""
    ev = events(result)
    if ev.empty:
        return pd.DataFrame(columns=["phase", "start", "end"])
    return ev.groupby("phase", sort=False)["ts"].agg(start="min", end="max").reset_index()


def indicator_frequencies(batch: pd.DataFrame) -> pd.Series:
    """How many packages of a batch raised each indicator id."""
    ids = batch["top_indicators"].fillna("").astype(str).str.split(";").explode()
    return ids[ids != ""].value_counts()


def risk_counts(batch: pd.DataFrame) -> pd.Series:
    return batch["risk"].value_counts().reindex(RISK_ORDER, fill_value=0)
