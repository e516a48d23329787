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


def test_benign_set_is_every_benign_row_with_its_own_verified_sdist(tmp_path, monkeypatch):
    """--benign scans the very sdists the static benign rows were made from: an archive whose
    sha256 differs from the row's is not scanned, and rows already in --out are skipped."""
    import hashlib
    import json
    from types import SimpleNamespace

    dyn = _runner()
    with (ROOT / "datasets/realworld/benign_rows.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    good, bad = rows[0], rows[1]
    cache = tmp_path / "cache"
    (cache / good["name"]).mkdir(parents=True)
    (cache / bad["name"]).mkdir(parents=True)
    (cache / good["name"] / good["path"]).write_bytes(b"stand-in")  # not the real sdist
    (cache / bad["name"] / bad["path"]).write_bytes(b"other")
    manifest = {good["name"]: {"file": f"{good['name']}/{good['path']}"},
                bad["name"]: {"file": f"{bad['name']}/{bad['path']}"}}
    (cache / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setenv("SLOPSPOTTER_BENIGN_CACHE", str(cache))
    digest = hashlib.sha256(b"stand-in").hexdigest()
    monkeypatch.setattr(dyn.csv, "DictReader", _with_sha(csv.DictReader, good["name"], digest))
    out = tmp_path / "dynamic_benign_rows.csv"
    chosen, todo = dyn._todo(SimpleNamespace(benign=True, out=out), tmp_path)
    assert len(chosen) == len(rows) == len(todo)
    archives = {r["name"]: a for r, a in todo}
    assert archives[good["name"]] == cache / good["name"] / good["path"]
    assert archives[bad["name"]] is None  # sha256 differs from the row: never scanned
    assert sum(a is not None for a in archives.values()) == 1
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=dyn.COLUMNS)
        w.writeheader()
        w.writerow({"path": good["path"]})
    assert good["name"] not in {r["name"] for r, _ in dyn._todo(SimpleNamespace(benign=True, out=out), tmp_path)[1]}


def _with_sha(reader, name, digest):
    """csv.DictReader whose row for `name` carries `digest` (the stand-in archive's sha256)."""
    def make(*a, **kw):
        for row in reader(*a, **kw):
            if row.get("name") == name and "sha256" in row:
                row["sha256"] = digest
            yield row
    return make
