"""npm layer against a real npm registry (verdaccio) on loopback, with synthetic packages."""

from __future__ import annotations

import hashlib
import json
import tarfile

import pytest

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.registry import download_artifact, fetch_metadata
from slopspotter_lab.registry.archive import safe_extract
from slopspotter_lab.registry.npm import parse_packument, url_dependencies


def _pkg(tmp_path, name, version, **manifest):
    d = tmp_path / f"{name.replace('/', '_')}-{version}"
    d.mkdir(parents=True)
    (d / "package.json").write_text(json.dumps({"name": name, "version": version, **manifest}))
    (d / "index.js").write_text("module.exports = 42;\n")
    return d


@pytest.fixture(scope="module")
def published(npm_registry, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("npmpkgs")
    npm_registry.publish(_pkg(tmp, "slop-plain", "1.0.0", description="A plain synthetic package",
                              repository={"type": "git", "url": "git+https://example.test/slop/plain.git"},
                              author="Syn Thetic <syn@example.test>", license="MIT"))
    npm_registry.publish(_pkg(tmp, "slop-plain", "1.1.0", description="A plain synthetic package", license="MIT"))
    npm_registry.publish(_pkg(tmp, "slop-scripts", "99.0.0",
                              scripts={"preinstall": "node -e \"require('http').get('http://x.invalid')\"",
                                       "test": "echo test"},
                              dependencies={"slop-plain": "^1.0.0", "gitdep": "git+http://example.test/a.git",
                                            "shorthand": "someone/repo"}))
    npm_registry.publish(_pkg(tmp, "@slopscope/inner", "0.0.1"))
    return npm_registry


@pytest.fixture
def npm_env(registry_env, published):
    registry_env.setenv("SLOPSPOTTER_NPM_URL", published.url)
    return published


def test_packument_fields(npm_env):
    meta = fetch_metadata(parse_spec("slop-plain", "npm"))
    assert meta.exists is True and meta.version == "1.1.0"
    assert meta.versions == ["1.0.0", "1.1.0"] and meta.release_count == 2
    assert meta.first_upload <= meta.latest_upload
    assert meta.license == "MIT"
    assert meta.install_scripts == {}
    old = fetch_metadata(parse_spec("slop-plain@1.0.0", "npm"))
    assert old.version == "1.0.0" and old.repository.endswith("plain.git")
    assert old.authors == [{"name": "Syn Thetic", "email": "syn@example.test"}]


def test_lifecycle_scripts_and_url_deps(npm_env):
    meta = fetch_metadata(parse_spec("slop-scripts", "npm"))
    assert set(meta.install_scripts) == {"preinstall"}
    assert "x.invalid" in meta.install_scripts["preinstall"]
    assert sorted(meta.url_dependencies) == ["gitdep@git+http://example.test/a.git", "shorthand@github:someone/repo"]  # npm normalises the shorthand


def test_scoped_and_missing(npm_env):
    assert fetch_metadata(parse_spec("@slopscope/inner", "npm")).exists is True
    assert fetch_metadata(parse_spec("@slopscope/absent", "npm")).exists is False
    assert fetch_metadata(parse_spec("slop-absent-name", "npm")).exists is False
    assert "not found" in fetch_metadata(parse_spec("slop-plain@9.9.9", "npm")).error


def test_tarball_download_verifies_integrity(npm_env, tmp_path):
    meta = fetch_metadata(parse_spec("slop-scripts", "npm"))
    art = meta.artifacts[0]
    assert art.kind == "tarball" and art.sha512_integrity.startswith("sha512-")
    path = download_artifact(meta, tmp_path)
    assert hashlib.sha1(path.read_bytes()).hexdigest() == art.sha1
    assert safe_extract(path, tmp_path / "x") == []
    manifest = json.loads((tmp_path / "x/package/package.json").read_text())
    assert manifest["scripts"]["preinstall"].startswith("node -e")
    art.sha512_integrity = "sha512-" + "A" * 86 + "=="
    from slopspotter_lab.errors import RegistryError
    with pytest.raises(RegistryError, match="integrity"):
        download_artifact(meta, tmp_path / "again")


def test_url_dependency_shapes():
    deps = {"a": "^1.2.3", "b": "git+ssh://git@example.test/x.git", "c": "http://example.test/c.tgz",
            "d": "file:../d", "e": "npm:other@1", "f": "latest", "g": "user/repo#main"}
    assert sorted(d.split("@", 1)[0] for d in url_dependencies(deps)) == ["b", "c", "d", "g"]


def test_unpublished_and_gyp():
    doc = {"name": "x", "dist-tags": {"latest": "1.0.0"}, "time": {"1.0.0": "2020-01-01T00:00:00Z"},
           "versions": {"1.0.0": {"name": "x", "version": "1.0.0", "gypfile": True}}}
    assert parse_packument(doc).install_scripts == {"install": "node-gyp rebuild"}


@pytest.mark.live
def test_live_npm_well_known(monkeypatch, tmp_path):
    monkeypatch.setenv("SLOPSPOTTER_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SLOPSPOTTER_NPM_URL", raising=False)
    meta = fetch_metadata(parse_spec("left-pad", "npm"))
    if meta.exists is None:
        pytest.skip(f"live npm unreachable: {meta.error}")
    assert meta.exists is True and meta.release_count >= 5
