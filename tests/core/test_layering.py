"""Seams between modules: what imports what, and what the package shows for tab completion."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(out.stdout.split())


def test_batch_does_not_import_viz_and_viz_registers_the_accessor():
    assert "slopspotter_lab.viz" not in _modules_after("import slopspotter_lab.batch")
    code = ("import pandas as pd, slopspotter_lab as s; assert not hasattr(pd.DataFrame(), 'slop'); "
            "s.viz; print(hasattr(pd.DataFrame(), 'slop'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "True", out.stderr


def test_check_and_report_stay_light():
    """check, its reporters and the scorer load without pandas, Docker or libvirt (the host's path)."""
    loaded = _modules_after("import slopspotter_lab.check, slopspotter_lab.report, slopspotter_lab.model.scoring")
    assert not loaded & {"pandas", "docker", "libvirt", "sklearn"}


def test_tab_completion_shows_the_lazy_names():
    import slopspotter_lab

    names = dir(slopspotter_lab)
    assert {"check", "scan", "scan_many", "ScanResult", "viz", "report"} <= set(names)


def test_the_labelled_corpus_feature_matrix_is_a_package_function(tmp_path):
    """Notebooks read the corpus through slopspotter_lab.datasets, not a script's folder on sys.path."""
    import json

    import pandas as pd
    import pytest

    from slopspotter_lab.datasets import labelled_rows
    from slopspotter_lab.errors import InputError
    from slopspotter_lab.model import features

    with pytest.raises(InputError):
        labelled_rows(tmp_path)
    pd.DataFrame({"name": ["a", "b"], "ecosystem": ["pypi", "npm"], "label": [1, 0], "kind": ["x", "y"],
                  "source": ["scan", "names"], "scanned": [True, False],
                  "indicators": [json.dumps([["honeytoken_read", "high"]]), json.dumps([])]}
                 ).to_csv(tmp_path / "scan_rows.csv", index=False)
    rows = labelled_rows(tmp_path)
    names = features.feature_names()
    assert list(rows.columns[-len(names):]) == names and "group" in rows.columns
    assert rows.loc[0, features.feature_names()].fillna(0).sum() > 0
    assert rows.loc[1, list(features.DYNAMIC_IDS)[:1]].isna().all()  # no scan: dynamic features missing
