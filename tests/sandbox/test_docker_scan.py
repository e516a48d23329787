"""Real deep scans of the synthetic corpus in the Docker sandbox (marker: docker).

Every malicious corpus package must raise its expected dynamic indicators (MANIFEST.csv);
benign packages must raise none. Plus the sandbox's own guarantees: no network, the
container is removed, strays of a dead owner are reaped and a live owner's are kept.
"""

import csv
import subprocess
import time
from pathlib import Path

import pytest

from slopspotter_lab.scan import scan

pytestmark = [pytest.mark.docker]
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
with open(CORPUS / "MANIFEST.csv", newline="") as fh:
    ROWS = [r for r in csv.DictReader(fh) if (CORPUS / r["ecosystem"] / r["name"]).is_dir()]


def _ours() -> set[str]:
    out = subprocess.run(["docker", "ps", "-a", "--filter", "label=io.slopspotter-lab.owner-pid",
                          "--format", "{{.Names}} {{.Labels}}"], capture_output=True, text=True).stdout
    import os

    return {line.split()[0] for line in out.splitlines() if f"owner-pid={os.getpid()}" in line}


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['ecosystem']}-{r['name']}" for r in ROWS])
def test_corpus_package(row):
    r = scan(str(CORPUS / row["ecosystem"] / row["name"]), ecosystem=row["ecosystem"], backend="docker", timeout=45)
    assert r.backend == "docker"
    assert [p["name"] for p in r.phases] == ["install", "import", "execute"]
    assert r.phases[0]["status"] == "ok", r.phases[0].get("output_tail")
    got = {i.id for i in r.indicators if i.source == "dynamic"}
    expected = {x for x in row["expected_indicators"].split(";") if x}
    if row["label"] == "benign":
        assert not got, f"false alarm on benign {row['name']}: {[i.evidence for i in r.dynamic_indicators]}"
        assert all(p["status"] in ("ok", "skipped") for p in r.phases), r.phases
    else:
        assert expected <= got, f"missing {expected - got}; got {got}"
    assert r.syscall_count > 100 and not r.processes.empty
    assert not _ours(), "the scan's container was not removed"


def test_exfiltration_is_joined_to_the_hostname_and_payload():
    r = scan(str(CORPUS / "pypi" / "slop-steal-aws"), backend="docker", timeout=45)
    ep = r.endpoints
    hit = ep[ep["hostname"].eq("collect.exfil-demo.invalid")]
    assert len(hit) >= 1 and hit["outcome"].eq("sinkholed").all() and hit["port"].eq(80).all()
    assert "POST /c HTTP/1.1" in hit["payload_head"].iloc[0] and "aws_access_key_id" in hit["payload_head"].iloc[0]
    assert set(r.dns["hostname"]) == {"collect.exfil-demo.invalid"}
    assert set(r.dns["phase"]) == {"install"} and r.dns["pid"].notna().all()
    ht = r.files[r.files["category"].eq("honeytoken")]
    assert ht["path"].str.endswith("/.aws/credentials").any()
    pip = r.processes[r.processes["argv"].map(lambda a: "pip" in a and "install" in a)]
    assert len(pip) == 1 and pip["exit_code"].iloc[0] == 0
    assert r.is_malicious and r.verdict["risk"] == "high"


def test_daemon_is_traced_after_its_phase_then_killed():
    r = scan(str(CORPUS / "pypi" / "slop-daemon"), backend="docker", timeout=45)
    late = r.endpoints[r.endpoints["phase"].eq("after")]
    assert len(late) >= 1 and late["hostname"].eq("beacon.c2-demo.invalid").all()
    surv = [i for i in r.indicators if i.id == "daemon_survivor"]
    assert surv and surv[0].phase == "after"


def test_sandbox_has_no_way_out(tmp_path):
    """Inside the container only lo exists and the default route is our own lo route."""
    import docker

    from slopspotter_lab.sandbox.base import SandboxJob
    from slopspotter_lab.sandbox.docker_backend import DockerBackend

    job = SandboxJob(image="python", jobdir=tmp_path, command=["true"], timeout=30, scan_id="nettest")
    kw = DockerBackend().container_kwargs(job)
    kw.update(command=["sh", "-c", "ip -o link; cat /etc/resolv.conf; hostname; id -u alex"], detach=False,
              name=f"slopspotter-nettest-{int(time.time())}", remove=True)
    out = docker.from_env().containers.run(**kw).decode()
    links = [line.split(":")[1].strip() for line in out.splitlines() if ": " in line and "mtu" in line]
    assert links == ["lo"], out
    assert "nameserver 127.0.0.53" in out and "dev-laptop" in out and "1000" in out


def test_stray_reaping_respects_live_owners():
    import docker

    from slopspotter_lab.sandbox.docker_backend import DockerBackend, owner_labels

    client = docker.from_env()
    dead = owner_labels("straydead")
    dead["io.slopspotter-lab.owner-pid"] = "999999999"  # no such process
    live = owner_labels("straylive")  # this test process: alive
    stamp = int(time.time())
    c_dead = client.containers.create("slopspotter-lab/python:latest", ["sleep", "60"], labels=dead,
                                      name=f"slopspotter-straydead-{stamp}", network_mode="none")
    c_live = client.containers.create("slopspotter-lab/python:latest", ["sleep", "60"], labels=live,
                                      name=f"slopspotter-straylive-{stamp}", network_mode="none")
    try:
        removed = DockerBackend().cleanup_strays()
        names = {c.name for c in client.containers.list(all=True, filters={"label": "io.slopspotter-lab"})}
        assert c_dead.name not in names and c_live.name in names and removed >= 1
    finally:
        for c in (c_dead, c_live):
            try:
                c.remove(force=True)
            except Exception:
                pass


@pytest.mark.live
@pytest.mark.parametrize("name,eco", [("six", "pypi"), ("ms", "npm")])
def test_well_known_package_scans_clean(name, eco):
    """A real popular package from the live registry: installs, imports, raises nothing dynamic."""
    r = scan(name, ecosystem=eco, backend="docker", timeout=90)
    assert [p["status"] for p in r.phases][:2] == ["ok", "ok"], r.phases
    assert not r.dynamic_indicators, [i.evidence for i in r.dynamic_indicators]
    assert r.package["version"] and r.package["source"] == "registry"


def test_backend_enforces_its_own_deadline_and_removes_the_container(tmp_path):
    from slopspotter_lab.sandbox.base import SandboxJob
    from slopspotter_lab.sandbox.docker_backend import DockerBackend

    (tmp_path / "job").mkdir()
    job = SandboxJob(image="python", jobdir=tmp_path / "job", command=["sleep", "300"], timeout=3,
                     scan_id=f"deadline{int(time.time())}")
    start = time.monotonic()
    run = DockerBackend().run(job)
    assert run.timed_out and time.monotonic() - start < 40
    assert run.backend == "docker" and run.details["runtime"] == "runc"
    assert not _ours()


def test_delayed_daemon_is_traced_until_the_deadline_then_killed():
    """A daemon that waits 12 s before beaconing is still caught, and the scan ends by its deadline."""
    import time

    t0 = time.monotonic()
    r = scan(str(CORPUS / "pypi" / "slop-late-beacon"), backend="docker", timeout=40)
    took = time.monotonic() - t0
    late = r.endpoints[r.endpoints["phase"].eq("after")]
    assert late["hostname"].eq("late.c2-demo.invalid").any(), r.endpoints
    assert any(i.id == "daemon_survivor" for i in r.indicators)
    assert took < 40 + 20, f"{took:.1f}s: the survivor was not killed at the deadline"
