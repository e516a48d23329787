import os
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _offline_data(monkeypatch, tmp_path):
    """Batch tests never reach a registry: offline checks, a private cache."""
    monkeypatch.setenv("SLOPSPOTTER_OFFLINE", "1")
    monkeypatch.setenv("SLOPSPOTTER_CACHE_DIR", str(tmp_path / "cache"))
    if not os.environ.get("SLOPSPOTTER_DATA_DIR") and (ROOT.parent / "shared" / "data").is_dir():
        monkeypatch.setenv("SLOPSPOTTER_DATA_DIR", str(ROOT.parent / "shared" / "data"))


def names_csv(path: Path, n: int, bad_every: int = 0) -> Path:
    rows = [{"name": (f"bad-pkg-{i}" if bad_every and i % bad_every == 0 else f"synthpkg-{i}"), "ecosystem": "pypi"}
            for i in range(n)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path
