"""Known-malware and age signals against loopback servers that answer like the real ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from slopspotter_lab.advisories import osv
from slopspotter_lab.check import check_records
from slopspotter_lab.policy import policy_from_dict

from .servers import OsvApi, osv_advisory, osv_zip, pypi_doc, serve

NOW = datetime.now(timezone.utc)
OLD = NOW - timedelta(days=400)
ADVISORIES = [
    osv_advisory("MAL-2026-9001", "slop-evil", versions=["1.0.0"]),
    osv_advisory("MAL-2026-9002", "slop-allbad", all_versions=True),
    osv_advisory("MAL-2026-9003", "slop-allbad", all_versions=True, summary="Second report on {name}"),
    osv_advisory("GHSA-aaaa-bbbb-cccc", "slop-vuln", versions=["1.0"], summary="An ordinary vulnerability"),
    osv_advisory("MAL-2026-9004", "slop-npm-evil", ecosystem="npm", all_versions=True),
]


def _ids(record):
    return [i["id"] for i in record["indicators"]]


def _ind(record, ind_id):
    return next(i for i in record["indicators"] if i["id"] == ind_id)


@pytest.fixture
def osv_api(registry_env):
    with serve() as server:
        server.post = OsvApi(ADVISORIES, page=1)  # one id per page: exercises next_page_token
        registry_env.setenv("SLOPSPOTTER_OSV_URL", server.url + "/v1")
        yield server


def test_osv_querybatch_flags_the_exact_version_only(osv_api, pypi_json_server, registry_env):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    recs = check_records(["slop-evil==1.0.0", "slop-evil==2.0.0", "slop-vuln==1.0", "slop-allbad==3.1"], "pypi")
    evil, later, vuln, allbad = recs
    assert "known_malicious" in _ids(evil) and evil["risk"] == "high"
    ind = _ind(evil, "known_malicious")
    assert ind["severity"] == "critical" and "MAL-2026-9001" in ind["evidence"]
    assert "known_malicious" not in _ids(later)
    assert "known_malicious" not in _ids(vuln)  # a GHSA is a vulnerability, not malware
    assert _ind(allbad, "known_malicious")["extra"]["advisories"] == ["MAL-2026-9002", "MAL-2026-9003"]
    posts = [body for method, path, body in osv_api.requests if method == "POST"]
    assert len(posts[0]["queries"]) == 4  # the whole check in one batch
    assert posts[0]["queries"][0] == {"package": {"name": "slop-evil", "ecosystem": "PyPI"}, "version": "1.0.0"}
    assert any("page_token" in q for body in posts[1:] for q in body["queries"])  # paging followed


def test_unpinned_name_is_confirmed_at_the_resolved_version(osv_api, pypi_json_server, registry_env):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    pypi_json_server.add("slop-evil", pypi_doc("slop-evil", {"1.0.0": {"uploaded": OLD}}))
    pypi_json_server.add("slop-allbad", pypi_doc("slop-allbad", {"0.1": {"uploaded": OLD}, "3.1": {"uploaded": OLD}}))
    rec, allbad = check_records(["slop-evil", "slop-allbad"], "pypi")
    assert rec["version"] == "1.0.0" and "known_malicious" in _ids(rec)
    assert "slop-evil 1.0.0" in _ind(rec, "known_malicious")["evidence"]
    assert "known_malicious" in _ids(allbad)
    pypi_json_server.add("slop-evil", pypi_doc("slop-evil", {"1.0.0": {"uploaded": OLD}, "2.0.0": {"uploaded": OLD}}))
    osv.clear()
    from slopspotter_lab.registry import cache

    cache.clear()
    rec = check_records(["slop-evil"], "pypi")[0]
    assert rec["version"] == "2.0.0" and "known_malicious" not in _ids(rec)  # the hit was for 1.0.0 only


def test_osv_unreachable_is_no_verdict_and_is_asked_once(registry_env):
    with serve() as api:
        api.post = lambda path, body: (503, {"code": 14, "message": "unavailable"})
        registry_env.setenv("SLOPSPOTTER_OSV_URL", api.url + "/v1")
        recs = check_records(["slop-evil==1.0.0", "slop-evil==2.0.0", "slop-other"], "pypi")
        assert not any("known_malicious" in _ids(r) for r in recs)
        assert len([r for r in api.requests if r[0] == "POST"]) == 1  # the failure is not retried per name


def _cli(*args, env, cwd=None):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


def test_offline_export_keeps_malware_only_and_answers_offline(registry_env, tmp_path):
    ranged = osv_advisory("MAL-2026-9005", "slop-ranged")
    ranged["affected"][0]["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.2"}]}]
    with serve() as bucket:
        bucket.add_bytes("/PyPI/all.zip", osv_zip(ADVISORIES[:4] + [ranged]), "application/zip")
        env = {**os.environ, "SLOPSPOTTER_OSV_EXPORT_URL": bucket.url, "SLOPSPOTTER_OSV_URL": "none"}
        out = _cli("data", "update", "--osv", "pypi", env=env)
        assert out.returncode == 0, out.stderr
        assert "4 malware advisories (of 5) for 3 names" in out.stdout
        assert ("GET", "/PyPI/all.zip", None) in bucket.requests
    info = _cli("data", "info", env=env).stdout
    assert "osv pypi: 4 malware advisories for 3 names" in info and "osv npm: no offline malware store" in info
    store = json.loads(osv.store_path("pypi").read_text())
    assert set(store["advisories"]) == {"slop-evil", "slop-allbad", "slop-ranged"}  # no GHSA kept
    out = _cli("check", "--offline", "--format", "json", "slop-evil==1.0.0", "slop-evil==2.0.0",
               "slop-ranged==1.1", "slop-ranged==1.2", "Slop_AllBad==7", env=env)
    assert out.returncode == 0, out.stderr
    hit = ["known_malicious" in _ids(r) for r in json.loads(out.stdout)]
    assert hit == [True, False, True, False, True]


def test_export_update_errors_are_clear(registry_env, tmp_path):
    with serve() as bucket:
        bucket.add_bytes("/npm/all.zip", b"not a zip")
        env = {**os.environ, "SLOPSPOTTER_OSV_EXPORT_URL": bucket.url}
        out = _cli("data", "update", "--osv", "npm", env=env)
        assert out.returncode == 1 and "not a zip archive" in out.stderr
        out = _cli("data", "update", "--osv", "cargo", env=env)
        assert out.returncode == 2 and "unknown ecosystem" in out.stderr
    assert not osv.store_path("npm").exists()  # nothing half-written


def test_pep792_quarantined_and_archived(registry_env):
    with serve("/simple") as index:
        index.add_json("/simple/slop-quarantined/", {
            "meta": {"api-version": "1.4"}, "name": "slop-quarantined", "versions": [], "files": [],
            "project-status": {"status": "quarantined", "reason": "reported as malware"}},
            ctype="application/vnd.pypi.simple.v1+json")
        page = ('<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.4">'
                '<meta name="pypi:project-status" content="archived"></head><body>'
                '<a href="http://files.invalid/slop_old-1.0.tar.gz#sha256=' + "0" * 64 + '">slop_old-1.0.tar.gz</a>'
                '<a href="http://files.invalid/slop_old-1.1.tar.gz" data-yanked="do not use">slop_old-1.1.tar.gz</a>'
                '</body></html>')
        index.add_bytes("/simple/slop-old/", page.encode(), "text/html")
        registry_env.setenv("SLOPSPOTTER_PYPI_URL", "none")
        registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", index.url)
        quarantined, old, old_yanked = check_records(["slop-quarantined", "slop-old==1.0", "slop-old==1.1"], "pypi")
    assert quarantined["exists"] is True and quarantined["risk"] == "high"
    assert "reported as malware" in _ind(quarantined, "project_quarantined")["evidence"]
    assert _ind(old, "project_archived")["severity"] == "low" and "yanked_release" not in _ids(old)
    assert "do not use" in _ind(old_yanked, "yanked_release")["evidence"]


def test_yanked_release_from_the_json_api(pypi_json_server, registry_env):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    pypi_json_server.add("slop-yanked", pypi_doc("slop-yanked", {
        "1.0": {"uploaded": OLD, "yanked": True, "reason": "broken build, use 1.1"}, "1.1": {"uploaded": OLD}}))
    bad, good = check_records(["slop-yanked==1.0", "slop-yanked==1.1"], "pypi")
    assert "broken build, use 1.1" in _ind(bad, "yanked_release")["evidence"]
    assert "yanked_release" not in _ids(good)


def test_min_age_gate_on_pypi(pypi_json_server, registry_env):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    pypi_json_server.add("slop-fresh", pypi_doc("slop-fresh", {"1.0": {"uploaded": OLD},
                                                               "1.1": {"uploaded": NOW - timedelta(hours=2)}}))
    strict = policy_from_dict({"min-age": "72h"})
    fresh, older = check_records(["slop-fresh", "slop-fresh==1.0"], "pypi", policy=strict)
    ind = _ind(fresh, "release_too_new")
    assert fresh["risk"] == "high" and "72h" in ind["evidence"] and "slop-fresh 1.1" in ind["evidence"]
    assert "release_too_new" not in _ids(older)
    relaxed = check_records(["slop-fresh"], "pypi", policy=policy_from_dict({"min-age": "1h"}))[0]
    assert "release_too_new" not in _ids(relaxed)
    assert "release_too_new" not in _ids(check_records(["slop-fresh"], "pypi")[0])  # no policy, no gate


def _npm_pkg(tmp_path: Path, name: str, version: str, description: str) -> Path:
    d = tmp_path / f"{name}-{version}"
    d.mkdir()
    (d / "package.json").write_text(json.dumps({"name": name, "version": version, "description": description,
                                                "main": "index.js", "license": "MIT",
                                                # npm's placeholder is the `latest` tag although a prerelease
                                                "publishConfig": {"tag": "latest"}}))
    (d / "index.js").write_text("module.exports = {};\n")
    return d


def test_npm_security_placeholder_and_min_age_on_a_real_registry(npm_registry, registry_env, tmp_path):
    npm_registry.publish(_npm_pkg(tmp_path, "slop-held", "0.0.1-security", "security holding package"))
    npm_registry.publish(_npm_pkg(tmp_path, "slop-new-npm", "1.0.0", "A synthetic package published just now"))
    registry_env.setenv("SLOPSPOTTER_NPM_URL", npm_registry.url)
    held, fresh = check_records(["slop-held", "slop-new-npm"], "npm", policy=policy_from_dict({"min-age": "3d"}))
    assert held["risk"] == "high" and _ind(held, "security_placeholder")["severity"] == "critical"
    assert fresh["exists"] is True and "release_too_new" in _ids(fresh) and fresh["risk"] == "high"


def test_npm_unpublished_name(registry_env):
    with serve() as npm:
        npm.add_json("/slop-gone", {"_id": "slop-gone", "name": "slop-gone", "time": {
            "created": "2025-01-01T00:00:00.000Z", "modified": "2026-02-01T00:00:00.000Z",
            "unpublished": {"time": "2026-02-01T00:00:00.000Z", "versions": ["1.0.0"]}}})
        registry_env.setenv("SLOPSPOTTER_NPM_URL", npm.url)
        rec = check_records(["slop-gone"], "npm")[0]
    assert "2026-02-01" in _ind(rec, "unpublished")["evidence"]
    assert "not_found" not in _ids(rec)


def test_guard_applies_the_policy(npm_registry, tmp_path):
    """min-age blocks a fresh release at install time; a reviewed ignore lets a flagged name through."""
    from tests.guard.conftest import make_npm_package

    built = tmp_path / "built"
    npm_registry.publish(make_npm_package(built, "slop-guard-fresh", "1.0.0"))
    npm_registry.publish(make_npm_package(built, "expresss", "4.0.0"))
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "version": "1.0.0", "private": true}')
    env = {**os.environ, "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache"), "SLOPSPOTTER_NPM_URL": npm_registry.url,
           "SLOPSPOTTER_PYPI_URL": "http://127.0.0.1:9/pypi", "SLOPSPOTTER_PYPI_SIMPLE_URL": "http://127.0.0.1:9/simple",
           "npm_config_userconfig": str(npm_registry.npmrc), "npm_config_cache": str(tmp_path / "npm-cache"),
           "npm_config_audit": "false", "npm_config_fund": "false"}

    def guard(*names):
        return _cli("guard", "--dry-run", "--", "npm", "install", "--registry", npm_registry.url + "/", *names,
                    env=env, cwd=project)

    assert guard("slop-guard-fresh").returncode == 0  # no policy: a fresh release is fine
    assert guard("expresss").returncode == 1  # and a typosquat is blocked
    (project / ".slopspotter.toml").write_text(
        'min-age = "3d"\n[[ignore]]\nname = "expresss"\nreason = "our fork, reviewed"\n')
    out = guard("slop-guard-fresh")
    assert out.returncode == 1 and "BLOCKED slop-guard-fresh" in out.stderr and "release_too_new" in out.stderr
    (project / ".slopspotter.toml").write_text('[[ignore]]\nname = "expresss"\nreason = "our fork, reviewed"\n')
    out = guard("expresss")
    assert out.returncode == 0, out.stderr
    assert "ignored by the policy (our fork, reviewed)" in out.stderr
