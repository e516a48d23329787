import pandas as pd
import pytest

from slopspotter_lab.batch.inputs import fingerprint, read_packages
from slopspotter_lab.batch.store import ResultStore
from slopspotter_lab.batch.tasks import base_row
from slopspotter_lab.errors import InputError


def _outcome(job, **extra):
    row = base_row(job, "check")
    row.update(status="ok", **extra)
    return {"row": row, "detail": {"n": job["name"]}}


def test_read_packages_dedupes_and_normalises_ecosystem():
    df = pd.DataFrame({"name": ["a", "a", "b", "", "c"], "ecosystem": ["pypi", "python", "npm", "pypi", ""],
                       "version": ["", "", "1.0", "", ""]})
    jobs = read_packages(df)
    assert [j["key"] for j in jobs] == ["pypi:a", "npm:b==1.0", "pypi:c"]


def test_read_packages_needs_name_column(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("package\nfoo\n")
    with pytest.raises(InputError, match="name"):
        read_packages(p)


def test_record_is_exactly_once_and_resume_lists_only_missing(tmp_path):
    jobs = read_packages(["a", "b", "c"])
    st = ResultStore(tmp_path / "s")
    st.prepare(jobs, fingerprint(jobs, {}), resume=False)
    assert st.record([_outcome(jobs[0]), _outcome(jobs[1])]) == 2
    assert st.record([_outcome(jobs[1], risk="high")]) == 0  # already there: kept as it was
    assert [j["name"] for j in st.pending()] == ["c"]
    st.close()
    st = ResultStore(tmp_path / "s")  # reopened (as after a crash)
    st.prepare(jobs, fingerprint(jobs, {}), resume=True)
    assert [j["name"] for j in st.pending()] == ["c"]
    assert st.to_frame()["risk"].isna().all()
    assert st.detail("b") == {"n": "b"}


def test_refuses_other_batch_or_silent_overwrite(tmp_path):
    jobs = read_packages(["a", "b"])
    st = ResultStore(tmp_path / "s")
    st.prepare(jobs, fingerprint(jobs, {}), resume=False)
    st.record([_outcome(jobs[0])])
    with pytest.raises(InputError, match="--resume"):
        st.prepare(jobs, fingerprint(jobs, {}), resume=False)
    other = read_packages(["x"])
    with pytest.raises(InputError, match="different batch"):
        st.prepare(other, fingerprint(other, {}), resume=True)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_export_formats_round_trip(tmp_path, suffix):
    jobs = read_packages(["a", "b"])
    st = ResultStore(tmp_path / "s")
    st.prepare(jobs, fingerprint(jobs, {}), resume=False)
    st.record([_outcome(j, probability=0.5) for j in jobs])
    out = st.export(tmp_path / f"out{suffix}")
    back = {".parquet": pd.read_parquet, ".csv": pd.read_csv,
            ".jsonl": lambda p: pd.read_json(p, lines=True)}[suffix](out)
    assert list(back["name"]) == ["a", "b"] and list(back["probability"]) == [0.5, 0.5]
    with pytest.raises(InputError):
        st.export(tmp_path / "out.xlsx")
