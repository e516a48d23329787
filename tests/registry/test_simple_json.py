"""PEP 691 JSON simple index (served by a small loopback server) and name properties."""

from __future__ import annotations

import http.server
import io
import json
import tarfile
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.errors import UnsafeArchiveError
from slopspotter_lab.registry import fetch_metadata
from slopspotter_lab.registry.archive import safe_extract

PEP691 = {"meta": {"api-version": "1.1"}, "name": "jsonpkg", "files": [
    {"filename": "jsonpkg-1.0.tar.gz", "url": "../../files/jsonpkg-1.0.tar.gz", "hashes": {"sha256": "a" * 64},
     "upload-time": "2026-01-02T03:04:05Z", "size": 10},
    {"filename": "jsonpkg-1.1-py3-none-any.whl", "url": "https://files.example.test/jsonpkg-1.1-py3-none-any.whl",
     "hashes": {"sha256": "b" * 64}, "upload-time": "2026-02-02T03:04:05Z", "size": 20},
    {"filename": "jsonpkg-1.1.tar.gz", "url": "https://files.example.test/jsonpkg-1.1.tar.gz",
     "hashes": {"sha256": "c" * 64}, "upload-time": "2026-02-03T03:04:05Z", "size": 30}]}


@pytest.fixture
def simple_json(registry_env):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            if self.path.rstrip("/") == "/simple/jsonpkg" and "pypi.simple.v1+json" in self.headers.get("Accept", ""):
                body = json.dumps(PEP691).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            else:
                body = b"{}"
                self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", "none")
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", base + "/simple")
    yield base
    srv.shutdown()


def test_pep691_versions_times_hashes(simple_json):
    meta = fetch_metadata(parse_spec("JsonPkg"))
    assert meta.exists is True and meta.versions == ["1.0", "1.1"] and meta.version == "1.1"
    assert meta.first_upload.isoformat().startswith("2026-01-02") and meta.latest_upload.month == 2
    assert {a.kind for a in meta.artifacts} == {"sdist", "wheel"}
    old = fetch_metadata(parse_spec("jsonpkg==1.0"))
    assert old.artifacts[0].url == simple_json + "/files/jsonpkg-1.0.tar.gz"  # relative URL resolved
    assert old.artifacts[0].sha256 == "a" * 64
    assert fetch_metadata(parse_spec("otherpkg")).exists is False


_segment = st.sampled_from(["..", ".", "a", "b", "", "/", "\\", "C:", "pkg"])


@settings(max_examples=80, deadline=None)
@given(parts=st.lists(_segment, min_size=1, max_size=6))
def test_extraction_never_writes_outside(tmp_path_factory, parts):
    """Whatever the member name, nothing lands outside dest: refused or written inside."""
    base = tmp_path_factory.mktemp("hyp")
    dest, outside = base / "dest", base
    name = "/".join(parts)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo(name or "x")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"hi"))
    arc = base / "a.tar"
    arc.write_bytes(buf.getvalue())
    try:
        safe_extract(arc, dest)
    except UnsafeArchiveError:
        pass
    stray = [p for p in outside.rglob("*") if p != arc and dest not in p.parents and p != dest]
    assert stray == []
