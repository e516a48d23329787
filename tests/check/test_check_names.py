"""Names that break nothing (issue 12): archive-like npm names, error rows, consistent rows,
"did you mean" with its reason. Offline or against loopback registries only."""

from __future__ import annotations

import importlib
import json

import pytest

from slopspotter_lab.cli import main
from slopspotter_lab.ecosystems import looks_like_path, parse_spec
from slopspotter_lab.explain import reason
from slopspotter_lab.errors import InputError
from slopspotter_lab.heuristics.suggest import suggest

chk = importlib.import_module("slopspotter_lab.check")


def _failed(rec) -> bool:
    """An error row (offline rows carry the 'offline: not looked up' note, which is no failure)."""
    return (rec["error"] or "").startswith(("invalid input", "internal error"))


@pytest.mark.parametrize("name,eco", [("lodash.zip", "npm"), ("toastr.tar", "npm"), ("x.tgz", "npm"),
                                      ("jszip.tar.gz", "npm"), ("demo.whl", "pypi"), ("backup.zip", "pypi")])
def test_archive_like_bare_names_are_names(name, eco, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = parse_spec(name, eco)
    assert not spec.is_local and spec.name == name
    rec = chk.check_records([name], eco, offline=True)[0]
    assert rec["name"] == name and not _failed(rec)


def test_paths_stay_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lodash.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip archive
    assert looks_like_path("lodash.zip")  # an existing file of that name
    assert parse_spec("lodash.zip", "npm").is_local
    for text in ("./missing.tgz", "../missing.tgz", "/nonexistent/missing.whl"):
        assert looks_like_path(text)
        with pytest.raises(InputError):
            parse_spec(text, "npm")


def test_one_failing_name_is_an_error_row(registry_env, monkeypatch):
    import slopspotter_lab.heuristics as heur

    real = heur.analyze

    def flaky(spec, *a, **k):
        if spec.name == "boom-pkg":
            raise RuntimeError("detector crashed")
        return real(spec, *a, **k)

    monkeypatch.setattr(heur, "analyze", flaky)
    recs = chk.check_records(["requests", "boom-pkg", "a b", "reqeusts"], offline=True)
    assert [r["name"] for r in recs] == ["requests", "boom-pkg", "a b", "reqeusts"]
    assert not _failed(recs[0]) and recs[3]["typosquat_of"] == "requests"
    assert "RuntimeError: detector crashed" in recs[1]["error"] and recs[1]["risk"] == "high"
    assert recs[2]["error"].startswith("invalid input") and recs[2]["risk"] == "high"
    json.dumps(recs)


def test_cli_batch_with_a_bad_row_still_answers(registry_env, capsys, tmp_path):
    rows = tmp_path / "names.csv"
    rows.write_text("name,ecosystem\nrequests,pypi\na b,pypi\nlodash.zip,npm\n")
    assert main(["check", "--offline", "--format", "json", "--from", str(rows)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in out] == ["requests", "a b", "lodash.zip"]
    assert out[1]["error"].startswith("invalid input") and not _failed(out[2])
    assert main(["check", "--offline", "--fail-on", "high", "--from", str(rows)]) == 1  # fails closed
    capsys.readouterr()
    assert main(["check", "--offline", "requests", "a b"]) == 2  # typed on the command line: usage error


@pytest.mark.parametrize("name,eco", [("reqeusts", "pypi"), ("yaml", "pypi"), ("opengl", "pypi"),
                                      ("requests", "pypi"), ("urllib3-secure-lite", "pypi"),
                                      ("zzqxv-unrelated-tool", "pypi"), ("lodahs", "npm"), ("types-node", "npm")])
def test_typosquat_of_suggestion_and_indicators_agree(registry_env, name, eco):
    rec = chk.check_records([name], eco, offline=True)[0]
    squats = [i for i in rec["indicators"] if i["id"] == "typosquat"]
    assert bool(squats) == (rec["typosquat_of"] is not None), rec
    if squats:
        assert squats[0]["extra"]["target"] == rec["typosquat_of"]
        assert rec["suggestion"] and rec["suggestion_reason"]
    if rec["suggestion"]:
        assert rec["suggestion_reason"]


def test_import_name_confusion_clears_typosquat_of(registry_env):
    rec = chk.check_records(["yaml"], offline=True)[0]  # py-affix of pyyaml, and yaml's import name
    assert rec["typosquat_of"] is None and rec["suggestion"] == "PyYAML"
    assert [i["id"] for i in rec["indicators"]] == ["import_name_confusion"]


def test_typosquat_severity_and_risk_follow_the_match(registry_env, monkeypatch):
    """With the packaged model (refitted on real squats and legitimate look-alikes), a weak match
    ends at medium risk and a slip of a top name at high (issue 12)."""
    monkeypatch.delenv("SLOPSPOTTER_MODEL", raising=False)
    names = ["numoy", "urllib3-secure-lite", "python-requests", "pandos"]
    recs = {r["name"]: r for r in chk.check_records(names, offline=True)}
    sev = {n: [i["severity"] for i in r["indicators"] if i["id"] == "typosquat"] for n, r in recs.items()}
    assert sev == {"numoy": ["high"], "urllib3-secure-lite": ["medium"], "python-requests": ["medium"],
                   "pandos": ["medium"]}
    assert {n: r["risk"] for n, r in recs.items()} == {
        "numoy": "high", "urllib3-secure-lite": "medium", "python-requests": "medium", "pandos": "medium"}
    assert recs["numoy"]["score"] > recs["urllib3-secure-lite"]["score"]


@pytest.mark.parametrize("name,eco,want,kind", [
    ("openai-python-client", "pypi", "openai", "project-token"),
    ("pydantic-schema-validator", "pypi", "pydantic", "project-token"),
    ("langchain-tool-utils", "pypi", "langchain", "project-token"),
    ("skimage", "pypi", "scikit-image", "import-name"),
    ("reqeusts", "pypi", "requests", "typo"),
    ("axios-http-client", "npm", "axios", "project-token"),
    ("sklearn", "pypi", "scikit-learn", "import-name"),  # an import name that is a project of its own
    ("bs4-scraper", "pypi", "beautifulsoup4", "project-token"),  # import name inside a compound
    ("beautifulsoup-html-parser", "pypi", "beautifulsoup4", "project-token"),  # the renamed project
    ("docker-python-sdk", "pypi", "docker", "project-token"),  # not the less popular docker-py
])
def test_suggestions_say_why(name, eco, want, kind):
    hint = suggest(name, eco)
    assert hint is not None and hint.name.lower().replace("_", "-") == want and hint.kind == kind
    assert hint.reason


@pytest.mark.parametrize("name", [
    "zzqxv-unrelated-tool", "my-internal-thing", "requests",
    "redis-cache-client",  # names redis and the far less popular python-redis-cache: unclear
    "slugify",  # a project of its own, more popular than the distribution the import table names
    "pytest-cpv",  # pytest-cov is one letter away, but a short word changed is no plausible slip
])
def test_no_suggestion_without_a_clear_intent(name):
    assert suggest(name, "pypi") is None


def test_not_found_name_gets_a_suggestion_with_reason(registry_env, pypi_json_server, pypi_server):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_server.simple_url)
    rec = chk.check_records(["openai-python-client"])[0]
    assert rec["exists"] is False and rec["suggestion"] == "openai"
    assert "openai" in rec["suggestion_reason"] and "descriptive words" in rec["suggestion_reason"]


def _served(pypi_json_server, name: str, uploads: list[str]) -> None:
    """Serve a made-up project `name` on the loopback JSON API with one release per upload date."""
    from datetime import datetime, timezone

    from tests.fixtures.registries import RECORDED

    doc = json.loads((RECORDED / "six.json").read_text())
    doc["info"].update(name=name, version=f"1.{len(uploads) - 1}.0")
    template = next(iter(doc["releases"].values()))[0]
    doc["releases"] = {f"1.{i}.0": [dict(template, upload_time_iso_8601=when, upload_time=when.rstrip("Z"))]
                       for i, when in enumerate(uploads)}
    doc["urls"] = doc["releases"][doc["info"]["version"]]
    assert all(datetime.fromisoformat(u.replace("Z", "+00:00")) < datetime.now(timezone.utc) for u in uploads)
    pypi_json_server.add(name, doc)


def test_an_established_neighbour_is_no_squat_but_a_fresh_one_is(registry_env, pypi_json_server, pypi_server):
    """Online, years of releases on the registry overrule the name: `pandos` published since 2015
    is a legitimate neighbour of pandas (said, not scored); a two-day-old `pandos` is a squat."""
    from datetime import datetime, timedelta, timezone

    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_server.simple_url)
    _served(pypi_json_server, "pandos", [f"{y}-03-01T10:00:00Z" for y in range(2015, 2024)])
    fresh = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _served(pypi_json_server, "pandaz", [fresh])
    old, new = chk.check_records(["pandos", "pandaz"])
    assert old["exists"] is True and old["typosquat_of"] is None and "pandas" in old["similar_to"]
    neighbour = [i for i in old["indicators"] if i["id"] == "established_neighbour"]
    assert neighbour and neighbour[0]["severity"] == "info" and neighbour[0]["extra"]["target"] == "pandas"
    assert "published since 2015-03 with 9 releases" in neighbour[0]["evidence"]
    assert not [i for i in old["indicators"] if i["id"] == "typosquat"]
    assert reason(old).startswith("near pandas, but published since 2015-03 with 9 releases"), reason(old)
    assert new["typosquat_of"] == "pandas" and {"typosquat", "new_package", "single_release"} <= {
        i["id"] for i in new["indicators"]}
    assert new["score"] > old["score"] and old["risk"] == "low"
