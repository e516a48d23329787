"""A batch on a real Dask LocalCluster (worker processes), the way a team runs one across machines."""

import pytest

distributed = pytest.importorskip("distributed")

from slopspotter_lab.batch import scan_many  # noqa: E402

from .conftest import ROOT, names_csv  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as c:
        yield c


def test_check_batch_on_local_cluster_by_address(tmp_path, cluster):
    csv = names_csv(tmp_path / "in.csv", 40, bad_every=10)
    df = scan_many(csv, mode="scan", task="tests.batch.helpers:slow_task", executor=cluster.scheduler_address,
                   store=tmp_path / "s", progress=False)
    assert df["name"].tolist() == [f"bad-pkg-{i}" if i % 10 == 0 else f"synthpkg-{i}" for i in range(40)]
    assert (df["status"] == "error").sum() == 4


def test_real_check_via_client(tmp_path, cluster):
    with distributed.Client(cluster) as client:
        df = scan_many(["reqeusts", "numpy", "djnago"], mode="check", executor=client, store=tmp_path / "s",
                       progress=False)
    assert df.set_index("name").loc["reqeusts", "typosquat_of"] == "requests"
    assert client.status == "closed"


@pytest.mark.docker
def test_real_deep_scans_on_dask(tmp_path, cluster):
    """Two synthetic corpus packages deep-scanned in Docker by Dask workers."""
    pkgs = [str(ROOT / "tests/corpus/pypi/slop-steal-aws"), str(ROOT / "tests/corpus/pypi/slop-benign-pure")]
    df = scan_many(pkgs, mode="scan", backend="docker", executor=cluster.scheduler_address,
                   store=tmp_path / "s", timeout=90, progress=False, offline=False)
    by = df.set_index(df["name"].str.rsplit("/", n=1).str[-1])
    assert by.loc["slop-steal-aws", "risk"] == "high" and "honeytoken" in by.loc["slop-steal-aws", "top_indicators"]
    assert by.loc["slop-benign-pure", "phase_install"] == "ok"
    from slopspotter_lab.batch import ResultStore

    with ResultStore(tmp_path / "s") as st:
        frames = st.frames(df.loc[0, "key"])
    assert len(frames["processes"]) > 0 and "phase" in frames["files"].columns
