"""Real deep scans in the VM (marker vm): the same harness, frames and verdicts as Docker, for a few
synthetic corpus packages (malicious and benign, PyPI and npm). Software emulation is slow, so
only four, with a deadline that leaves pip room under software emulation."""

import csv
from pathlib import Path

import pytest

pytestmark = [pytest.mark.vm, pytest.mark.slow]
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PICK = ("slop-steal-aws", "slop-benign-build", "slop-postinstall-beacon", "slop-benign-npm-lib")
with open(CORPUS / "MANIFEST.csv", newline="") as fh:
    ROWS = [r for r in csv.DictReader(fh) if r["name"] in PICK and (CORPUS / r["ecosystem"] / r["name"]).is_dir()]


@pytest.fixture(scope="module", autouse=True)
def vm_ready():
    from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend

    ok, why = LibvirtBackend.available()
    if not ok:
        pytest.skip(why)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['ecosystem']}-{r['name']}" for r in ROWS])
def test_corpus_package_in_vm(row):
    from slopspotter_lab.scan import scan

    r = scan(str(CORPUS / row["ecosystem"] / row["name"]), ecosystem=row["ecosystem"], backend="libvirt",
             timeout=240)  # pip under strace in software emulation needs the room
    assert r.backend == "libvirt", r.error
    assert [p["name"] for p in r.phases][:2] == ["install", "import"], r.error
    assert r.phases[0]["status"] == "ok", r.phases[0]
    got = {i.id for i in r.indicators if i.source == "dynamic"}
    expected = {x for x in row["expected_indicators"].split(";") if x}
    if row["label"] == "benign":
        assert not got, f"false alarm on benign {row['name']}: {got}"
        assert r.verdict["risk"] != "high"
    else:
        assert expected <= got, f"missing {expected - got}; got {got}"
        assert r.is_malicious
    assert r.syscall_count > 100 and not r.processes.empty
