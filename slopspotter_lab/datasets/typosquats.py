"""Typosquat candidates: the detector's own operators applied to the popular lists.

Existence is checked against the *configured* registry (SLOPSPOTTER_PYPI_URL / _NPM_URL).
Generated names must never be sent to the live registries in bulk, so `check_existence`
refuses any registry that is not on loopback unless the caller says it is their own mirror.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

from ..ecosystems import Ecosystem
from ..errors import InputError

log = logging.getLogger(__name__)
COLUMNS = ["name", "ecosystem", "version", "target", "target_rank", "operator", "exists"]


def candidates_frame(ecosystem="pypi", top: int = 50, per_name: int = 10, operators=None):
    """Up to `per_name` variants of each of the `top` popular names, one row each (no look-ups)."""
    import pandas as pd

    from ..heuristics.popular import load_popular
    from ..heuristics.typosquat import generate_variants

    eco = Ecosystem.parse(ecosystem)
    popular = load_popular(eco)[:top]
    if not popular:
        raise InputError(f"no popular list for {eco.value}: run `slopspotter-lab data update`")
    known = {p.lower() for p in load_popular(eco)}
    rows, seen = [], set()
    for rank, target in enumerate(popular, 1):
        by_op: dict[str, list[str]] = {}
        for variant, op in generate_variants(target, eco):
            if (operators and op not in operators) or variant.lower() in known or variant in seen:
                continue  # a variant that is itself a popular package is not a candidate
            by_op.setdefault(op, []).append(variant)
        for variant, op in _round_robin(by_op, per_name):
            seen.add(variant)
            rows.append({"name": variant, "ecosystem": eco.value, "version": None, "target": target,
                         "target_rank": rank, "operator": op, "exists": None})
    return pd.DataFrame(rows, columns=COLUMNS)


def _round_robin(by_op: dict[str, list[str]], limit: int):
    """Take variants operator by operator, so a short list still shows every kind of typo."""
    lists = [iter(v) for v in by_op.values()]
    ops = list(by_op)
    taken = 0
    while lists and taken < limit:
        for i in range(len(lists) - 1, -1, -1):
            variant = next(lists[i], None)
            if variant is None:
                del lists[i], ops[i]
                continue
            yield variant, ops[i]
            taken += 1
            if taken >= limit:
                return


def registry_url(ecosystem) -> str:
    from .. import config

    return config.pypi_json_url() if Ecosystem.parse(ecosystem) is Ecosystem.PYPI else config.npm_url()


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
        except OSError:
            return False


def check_existence(df, *, workers: int = 8, own_mirror: bool = False):
    """Fill `exists` (True/False/None) from the configured registry; loopback only by default."""
    from ..ecosystems import parse_spec
    from ..registry import fetch_metadata

    for eco in df["ecosystem"].unique():
        url = registry_url(eco)
        if not is_loopback(url) and not own_mirror:
            raise InputError(
                f"refusing to probe {url} with generated names: point SLOPSPOTTER_PYPI_URL / "
                "SLOPSPOTTER_NPM_URL at a loopback registry or your own mirror (own_mirror=True)")

    def exists(rec):
        return fetch_metadata(parse_spec(rec["name"], rec["ecosystem"], allow_path=False)).exists

    out = df.copy()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        out["exists"] = list(pool.map(exists, out.to_dict("records")))
    out["exists"] = out["exists"].astype("object")
    return out


def write_candidates(path, ecosystems=("pypi", "npm"), top: int = 50, per_name: int = 10,
                     check: bool = True, only_existing: bool = False, own_mirror: bool = False) -> Path:
    """Build the CSV `slopspotter-lab batch` reads (name, ecosystem, version + provenance columns)."""
    import pandas as pd

    frames = [candidates_frame(eco, top, per_name) for eco in ecosystems]
    df = pd.concat(frames, ignore_index=True)
    if check:
        df = check_existence(df, own_mirror=own_mirror)
        if only_existing:
            df = df[df["exists"] == True]  # noqa: E712 - tri-state column
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path
