"""datasets/realworld/dynamic.py: the sample is one artifact per family and the same on every run,
and real malware is never handed to a backend other than gVisor or unpacked inside the repository."""

import csv
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _runner():
    spec = importlib.util.spec_from_file_location("dynamic_runner", ROOT / "datasets/realworld/dynamic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_sample_is_one_per_family_and_deterministic():
    dyn = _runner()
    with (ROOT / "datasets/realworld/malware_rows.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    a, b = dyn.sample(rows, 120), dyn.sample(list(reversed(rows)), 120)
    assert [r["path"] for r in a] == [r["path"] for r in b]
    assert len({r["family"] for r in a}) == 120
    assert [r["path"] for r in dyn.sample(rows, 120, seed=1)] != [r["path"] for r in a]


@pytest.mark.parametrize("argv, message", [
    (["--backend", "docker"], "gVisor only"),
    (["--backend", "libvirt"], "gVisor only"),
])
def test_other_backends_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit, match=message):
        _runner().main(argv)


def test_work_directory_inside_the_repository_is_refused():
    dyn = _runner()
    with pytest.raises(SystemExit, match="never extracted inside the repository"):
        dyn.malregistry._workdir(ROOT / "datasets" / "malware-here")
