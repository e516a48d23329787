"""PyPI layer against loopback servers: recorded JSON API documents and a real pypiserver."""

from __future__ import annotations

import hashlib
import os
import http.server
import threading

import pytest

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.errors import InputError, RegistryError
from slopspotter_lab.registry import cache, download_artifact, fetch_metadata
from slopspotter_lab.registry.base import metadata_from_dict


@pytest.fixture
def pypi_env(registry_env, pypi_json_server, pypi_server):
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_server.simple_url)
    return pypi_json_server, pypi_server


def test_json_api_document_is_parsed(pypi_env):
    meta = fetch_metadata(parse_spec("requests"))
    assert meta.exists is True
    assert meta.name == "requests"
    assert meta.release_count == 4 and "2.31.0" in meta.versions
    assert meta.first_upload < meta.latest_upload
    assert meta.repository and "github.com" in meta.repository
    assert meta.description_length > 100
    assert any(d.startswith("urllib3") for d in meta.dependencies)
    assert {a.kind for a in meta.artifacts} >= {"sdist", "wheel"}
    assert all(a.sha256 and len(a.sha256) == 64 for a in meta.artifacts)
    assert meta.authors and meta.authors[0]["email"]


def test_requested_version_uses_that_release(pypi_env):
    meta = fetch_metadata(parse_spec("requests==2.31.0"))
    assert meta.version == "2.31.0"
    assert all("2.31.0" in a.filename for a in meta.artifacts)
    assert meta.release_count == 4


def test_unknown_version_keeps_exists_true(pypi_env):
    meta = fetch_metadata(parse_spec("six==0.0.1"))
    assert meta.exists is True and "not found" in meta.error


def test_name_missing_everywhere_is_false(pypi_env):
    meta = fetch_metadata(parse_spec("surely-not-published-slop-name"))
    assert meta.exists is False and meta.error is None


def test_simple_index_fallback_and_download(pypi_env, tmp_path):
    _, server = pypi_env
    src = tmp_path / "src"
    (src / "simplepkg").mkdir(parents=True)
    (src / "simplepkg" / "__init__.py").write_text("VALUE = 1\n")
    (src / "setup.py").write_text("from setuptools import setup\nsetup(name='simplepkg', version='0.2.0')\n")
    server.publish_dir(src, "simplepkg", "0.1.0")
    dist = server.publish_dir(src, "simplepkg", "0.2.0")
    meta = fetch_metadata(parse_spec("SimplePkg"))
    assert meta.exists is True
    assert meta.versions == ["0.1.0", "0.2.0"] and meta.version == "0.2.0"
    art = meta.artifacts[0]
    assert art.kind == "sdist" and art.sha256 == hashlib.sha256(dist.read_bytes()).hexdigest()
    path = download_artifact(meta, tmp_path / "dl")
    assert path.read_bytes() == dist.read_bytes()
    with pytest.raises(InputError):
        download_artifact(meta, tmp_path / "dl2", kind="wheel")


def test_hash_mismatch_leaves_no_file(pypi_env, tmp_path):
    _, server = pypi_env
    src = tmp_path / "src"
    src.mkdir()
    (src / "setup.py").write_text("print('x')\n")
    server.publish_dir(src, "hashpkg", "1.0")
    meta = fetch_metadata(parse_spec("hashpkg"))
    meta.artifacts[0].sha256 = "0" * 64
    with pytest.raises(RegistryError, match="sha256 mismatch"):
        download_artifact(meta, tmp_path / "dl")
    assert not any((tmp_path / "dl").iterdir())


def test_size_cap(pypi_env, tmp_path, monkeypatch):
    _, server = pypi_env
    src = tmp_path / "src"
    src.mkdir()
    (src / "blob.bin").write_bytes(os.urandom(300_000))
    server.publish_dir(src, "bigpkg", "1.0")
    monkeypatch.setenv("SLOPSPOTTER_MAX_ARTIFACT_MB", "0.1")
    meta = fetch_metadata(parse_spec("bigpkg"))
    with pytest.raises(RegistryError, match="cap"):
        download_artifact(meta, tmp_path / "dl")


def test_unreachable_is_none_not_false(registry_env):
    meta = fetch_metadata(parse_spec("requests"))
    assert meta.exists is None
    assert "unreachable" in meta.error
    # and it is not cached: a blip must not become a lasting verdict
    assert cache.load("pypi", "requests", None) is None


def test_server_error_is_none(registry_env):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(503)
            self.end_headers()

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{srv.server_address[1]}"
        registry_env.setenv("SLOPSPOTTER_PYPI_URL", base + "/pypi")
        registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", base + "/simple")
        meta = fetch_metadata(parse_spec("requests"))
        assert meta.exists is None and "503" in meta.error
    finally:
        srv.shutdown()


def test_cache_roundtrip_and_offline(pypi_env, monkeypatch):
    first = fetch_metadata(parse_spec("six"))
    # registries gone: a cached answer is still served, online and offline
    monkeypatch.setenv("SLOPSPOTTER_PYPI_URL", "http://127.0.0.1:9/pypi")
    monkeypatch.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", "http://127.0.0.1:9/simple")
    again = fetch_metadata(parse_spec("six"))
    assert again.to_dict() == first.to_dict()
    assert fetch_metadata(parse_spec("six"), offline=True).exists is True
    unseen = fetch_metadata(parse_spec("never-seen-name"), offline=True)
    assert unseen.exists is None and unseen.error.startswith("offline")


def test_cache_expiry(pypi_env, monkeypatch):
    fetch_metadata(parse_spec("six"))
    assert cache.load("pypi", "six", None) is not None
    monkeypatch.setenv("SLOPSPOTTER_CACHE_TTL", "0")
    assert cache.load("pypi", "six", None) is None
    assert cache.load("pypi", "six", None, allow_stale=True) is not None


def test_metadata_dict_roundtrip(pypi_env):
    meta = fetch_metadata(parse_spec("requests"))
    assert metadata_from_dict(meta.to_dict()) == meta


def test_local_path_has_no_metadata(tmp_path):
    f = tmp_path / "x.whl"
    f.write_bytes(b"")
    with pytest.raises(InputError):
        fetch_metadata(parse_spec(str(f)))


@pytest.mark.live
def test_live_pypi_well_known(monkeypatch, tmp_path):
    monkeypatch.setenv("SLOPSPOTTER_CACHE_DIR", str(tmp_path))
    for var in ("SLOPSPOTTER_PYPI_URL", "SLOPSPOTTER_PYPI_SIMPLE_URL"):
        monkeypatch.delenv(var, raising=False)
    meta = fetch_metadata(parse_spec("requests"))
    if meta.exists is None:
        pytest.skip(f"live PyPI unreachable: {meta.error}")
    assert meta.exists is True and meta.release_count > 100
    assert fetch_metadata(parse_spec("pip")).exists is True


def test_relative_file_urls_resolved_against_the_document(pypi_env):
    json_server, _ = pypi_env
    doc = {"info": {"name": "relpkg", "version": "1.0", "summary": "s"},
           "releases": {"1.0": [{"filename": "relpkg-1.0.tar.gz", "url": "../../packages/ab/relpkg-1.0.tar.gz",
                                 "packagetype": "sdist", "digests": {"sha256": "d" * 64},
                                 "upload_time_iso_8601": "2026-01-01T00:00:00Z"}]}}
    json_server.add("relpkg", doc)
    meta = fetch_metadata(parse_spec("relpkg"))
    base = json_server.url.rsplit("/pypi", 1)[0]
    assert meta.artifacts[0].url == f"{base}/packages/ab/relpkg-1.0.tar.gz"
