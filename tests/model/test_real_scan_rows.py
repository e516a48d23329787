"""The real gVisor scans (datasets/realworld/dynamic*.csv) enter the corpus as `realscan` rows:
malware rows labelled 1, benign 0, grouped by family, refused scans left out, a scan that ran no
phase counted as unscanned, and the `[id, severity, source]` cells read like `[id, severity]`."""

from __future__ import annotations

import csv
import json

import numpy as np

from slopspotter_lab.datasets import labelled_rows
from slopspotter_lab.model import features

COLUMNS = ["name", "version", "path", "sha256", "family", "backend", "install_status", "install_reason",
           "import_status", "import_reason", "execute_status", "execute_reason", "import_from_source",
           "dynamic_indicators", "indicators", "dynamic_risk", "static_risk", "combined_risk",
           "combined_probability", "deps_fetched", "deps_not_fetched", "scan_error", "seconds"]


def _write(path, rows):
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, restval="")
        w.writeheader()
        w.writerows(rows)


def _cell(*inds):
    return json.dumps([list(i) for i in inds])


def test_real_scans_join_the_corpus_as_labelled_family_rows(tmp_path):
    corpus, real = tmp_path / "labelled", tmp_path / "realworld"
    corpus.mkdir()
    real.mkdir()
    (corpus / "scan_rows.csv").write_text("name,ecosystem,label,kind,source,scanned,indicators\n"
                                          "syn,pypi,1,synthetic,scan,1,[]\n")
    _write(real / "dynamic_rows.csv", [
        {"name": "evil", "family": "F1", "install_status": "ok",
         "indicators": _cell(("encoded_exec", "critical", "static"), ("dns_query", "medium", "dynamic"))},
        {"name": "refused", "family": "F2", "scan_error": "refused"},
        {"name": "notrace", "family": "F3", "indicators": _cell(("setup_network", "high", "static"))},
    ])
    _write(real / "dynamic_benign_rows.csv", [
        {"name": "requests", "family": "benign:requests", "install_status": "ok", "indicators": "[]"}])
    rows = labelled_rows(corpus)
    scans = rows[rows["source"] == "realscan"].set_index("name")
    assert sorted(scans.index) == ["evil", "notrace", "requests"]  # the refused one is left out
    assert scans.loc["evil", "label"] == 1 and scans.loc["requests", "label"] == 0
    assert scans.loc["evil", "group"] == "F1" and scans.loc["requests", "group"] == "benign:requests"
    assert scans.loc["evil", "dns_query"] > 0 and scans.loc["evil", "encoded_exec"] > 0
    dyn = list(features.DYNAMIC_IDS)
    assert np.isnan(scans.loc["notrace", dyn].astype(float)).all()  # no phase ran: no scan
    assert not np.isnan(scans.loc["requests", dyn].astype(float)).any()  # a clean scan is zeros
