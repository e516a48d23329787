"""Fixtures for the extension's end-to-end tests: the test pages on loopback, loopback
registries that know a few names (and serve a synthetic corpus package for the deep scan),
and a host launcher registered through `install-manifests`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .browsers import serve_pages, write_host_launcher

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DEEP_SCAN_PACKAGE = "slop-steal-aws"  # setup.py reads ~/.aws/credentials and POSTs it to a .invalid host


@pytest.fixture(scope="module")
def pages():
    with serve_pages() as url:
        yield url


@pytest.fixture(scope="module")
def host_env(pypi_server, pypi_json_server, tmp_path_factory):
    """Environment of the host the browsers start: loopback PyPI (JSON API with requests and
    six; simple index with the corpus package), no npm registry, a fresh cache."""
    pypi_server.publish_dir(CORPUS / "pypi" / DEEP_SCAN_PACKAGE, DEEP_SCAN_PACKAGE, "0.1.0")
    cache = tmp_path_factory.mktemp("host-cache")
    return {"SLOPSPOTTER_PYPI_URL": pypi_json_server.url,
            "SLOPSPOTTER_PYPI_SIMPLE_URL": pypi_server.simple_url,
            "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9",
            "SLOPSPOTTER_HTTP_TIMEOUT": "3",
            "SLOPSPOTTER_CACHE_DIR": str(cache)}


@pytest.fixture(scope="module")
def host_launcher(host_env, tmp_path_factory):
    """The executable the browsers start (its stderr goes to host.log beside it)."""
    import os

    base = tmp_path_factory.mktemp("host")
    env = dict(host_env)
    if os.environ.get("SLOPSPOTTER_DATA_DIR"):
        env["SLOPSPOTTER_DATA_DIR"] = os.environ["SLOPSPOTTER_DATA_DIR"]
    return write_host_launcher(base / "slopspotter-host", env, base / "host.log")
