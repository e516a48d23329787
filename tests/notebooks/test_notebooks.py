"""Run every notebook top to bottom under nbmake (a subprocess, so `scripts/test.sh` covers them).

Small CI sizes come from the notebooks' own defaults; deep scans are real when Docker is usable
and replayed from datasets/recorded_scans otherwise (SLOP_NB_SCAN=real|replay forces one)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(notebook, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "SLOPSPOTTER_CONFIG_DIR": str(tmp_path / "config")}
    env.setdefault("SLOPSPOTTER_CACHE_DIR", str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbmake", "--nbmake-timeout=240", "-q",
                           "-p", "no:cacheprovider", str(notebook)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_notebooks_are_built_from_their_sources():
    """notebooks/_build.py is the source of truth: the .ipynb files must match it."""
    import nbformat

    sys.path.insert(0, str(ROOT / "notebooks"))
    from _build import NOTEBOOKS as SOURCES

    assert sorted(SOURCES) == [n.stem for n in NOTEBOOKS]
    for nb_path in NOTEBOOKS:
        cells = nbformat.read(nb_path, as_version=4).cells
        assert [c.source for c in cells] == [src for _, src in SOURCES[nb_path.stem]], nb_path.name
