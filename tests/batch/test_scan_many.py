import pandas as pd
import pytest

from slopspotter_lab.batch import ResultStore, scan_many
from slopspotter_lab.batch.tasks import ROW_COLUMNS

from .conftest import names_csv


def test_check_mode_rows_per_package_with_failures_recorded(tmp_path):
    df = pd.DataFrame({"name": ["requests", "reqeusts", "-rf", "left-pad", "nmupy"],
                       "ecosystem": ["pypi", "pypi", "pypi", "npm", "pypi"]})
    out = scan_many(df, mode="check", store=tmp_path / "s", progress=False)
    assert list(out.columns[:len(ROW_COLUMNS)]) == ROW_COLUMNS
    assert list(out["name"]) == ["requests", "reqeusts", "-rf", "left-pad", "nmupy"]
    bad = out.set_index("name").loc["-rf"]
    assert bad["status"] == "error" and "option" in bad["error"]
    squat = out.set_index("name").loc["reqeusts"]
    assert squat["typosquat_of"] == "requests" and "typosquat" in squat["top_indicators"]
    assert squat["risk"] in ("medium", "high")
    with ResultStore(out.attrs["slop_store"]) as st:
        assert st.detail("reqeusts")["typosquat_of"] == "requests"


def test_progress_callback_sees_every_package(tmp_path):
    seen = []
    scan_many(["a1", "b2", "c3"], mode="check", store=tmp_path / "s",
              progress=lambda done, total, row: seen.append((done, total, row["name"])))
    assert [s[0] for s in seen] == [1, 2, 3] and {s[2] for s in seen} == {"a1", "b2", "c3"}
    assert all(s[1] == 3 for s in seen)


def test_infrastructure_failures_are_retried_a_bounded_number_of_times(tmp_path, monkeypatch):
    monkeypatch.setenv("BATCH_TEST_COUNTER_DIR", str(tmp_path))
    monkeypatch.setenv("BATCH_TEST_FAILURES", "2")
    out = scan_many(["p1", "p2"], mode="scan", task="tests.batch.helpers:flaky_task", retries=2, backoff=0.01,
                    store=tmp_path / "s1", progress=False)
    assert list(out["status"]) == ["ok", "ok"] and list(out["attempts"]) == [3, 3]
    monkeypatch.setenv("BATCH_TEST_FAILURES", "99")
    out = scan_many(["p3"], mode="scan", task="tests.batch.helpers:flaky_task", retries=1, backoff=0.01,
                    store=tmp_path / "s2", progress=False)
    assert out.loc[0, "status"] == "error" and out.loc[0, "attempts"] == 2
    assert "infrastructure failure after 2 attempts" in out.loc[0, "error"]
    assert (tmp_path / "p3").read_text() == "2"  # bounded: tried exactly twice


def test_lost_worker_process_is_resubmitted(tmp_path, monkeypatch):
    monkeypatch.setenv("BATCH_TEST_COUNTER_DIR", str(tmp_path))
    out = scan_many(["a", "victim", "b"], mode="scan", task="tests.batch.helpers:crash_worker_task",
                    executor="process", workers=2, store=tmp_path / "s", progress=False)
    assert sorted(out["name"]) == ["a", "b", "victim"] and (out["status"] == "ok").all()


def test_rerun_with_same_store_does_no_new_work(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    monkeypatch.setenv("BATCH_TEST_CALL_LOG", str(log))
    csv = names_csv(tmp_path / "in.csv", 12, bad_every=5)
    kw = dict(mode="scan", task="tests.batch.helpers:slow_task", store=tmp_path / "s", progress=False, workers=2)
    first = scan_many(csv, **kw)
    second = scan_many(csv, **kw)
    assert len(log.read_text().split()) == 12
    pd.testing.assert_frame_equal(first, second)
    assert (first["status"] == "error").sum() == 3 and first["error"].str.contains("synthetic").sum() == 3
