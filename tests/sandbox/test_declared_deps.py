"""Declared dependencies of local Python artifacts: read statically (never by running setup.py),
fetched as wheels one requirement at a time, only for names on the bundled popular list, from
the loopback pypiserver (never the live registry), cached on the host."""

import os
from pathlib import Path

import pytest

from slopspotter_lab.sandbox.artifact_info import applies_in_sandbox, declared_dependencies
from slopspotter_lab.sandbox.packing import pack_wheel
from slopspotter_lab.sandbox.prefetch import build_tools_dir, prefetch_declared
from tests.fixtures.registries import run_pypiserver
from tests.fixtures.trees import targz


SETUP_PY = """\
import os
from setuptools import setup
open(os.path.expanduser('~/SETUP_PY_RAN'), 'w').write('ran')  # must never happen on the host
BASE = ['six>=1.0', "colorama; sys_platform == 'win32'"]
setup(name='slop-needs-dep', version='0.1.0', packages=['slop_needs_dep'],
      install_requires=BASE, setup_requires=('wheel',),
      extras_require={'dev': ['pytest']})
"""


def _reqs(path: Path) -> list[tuple[str, str]]:
    return [(d.requirement, d.origin) for d in declared_dependencies(path)]


def test_every_static_source_is_read_and_setup_py_never_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    sdist = targz(tmp_path / "a.tar.gz", {
        "p-1/PKG-INFO": "Metadata-Version: 2.1\nName: p\nVersion: 1\nRequires-Dist: idna\n"
                        "Requires-Dist: pytest; extra == 'test'\n",
        "p-1/pyproject.toml": "[build-system]\nrequires = ['setuptools>=61']\n[project]\nname='p'\ndependencies=['attrs']\n",
        "p-1/setup.cfg": "[options]\ninstall_requires =\n    click>=7  # cli\n    # a comment\n    pyyaml; python_version < '3'\n",
        "p-1/setup.py": SETUP_PY,
        "p-1/p.egg-info/requires.txt": "certifi\n\n[socks]\nPySocks\n\n[:sys_platform == \"linux\"]\npackaging\n",
    })
    got = _reqs(sdist)
    assert ("idna", "PKG-INFO") in got and ("setuptools>=61", "pyproject.toml") in got
    assert ("attrs", "pyproject.toml") in got and ("click>=7", "setup.cfg") in got
    assert ("six>=1.0", "setup.py") in got and ("wheel", "setup.py") in got  # a named module-level list
    assert ("certifi", "p.egg-info/requires.txt") in got
    assert ('packaging; sys_platform == "linux"', "p.egg-info/requires.txt") in got
    assert not any(r.startswith("PySocks") for r, _ in got)  # an extra's section
    applicable = {r for r, _ in got if applies_in_sandbox(r)}
    assert "pytest; extra == 'test'" not in applicable  # extras-only
    assert "pyyaml; python_version < '3'" not in applicable and "colorama; sys_platform == 'win32'" not in applicable
    assert 'packaging; sys_platform == "linux"' in applicable
    assert not (tmp_path / "SETUP_PY_RAN").exists()


def test_wheel_metadata_and_python2_setup_py(tmp_path):
    src = tmp_path / "w"
    (src / "wpkg").mkdir(parents=True)
    (src / "wpkg" / "__init__.py").write_text("")
    (src / "setup.cfg").write_text("[metadata]\nname = wpkg\nversion = 1.0\n")
    whl = pack_wheel(src, tmp_path / "dist")
    assert _reqs(whl) == []
    py2 = targz(tmp_path / "py2.tar.gz", {
        "old-1/PKG-INFO": "Metadata-Version: 1.0\nName: old\nVersion: 1\n",
        "old-1/setup.py": "print 'hello'\nsetup(name='old', install_requires=['six'])\n"})
    assert _reqs(py2) == []  # not literal to ast: nothing is guessed, nothing runs
    computed = targz(tmp_path / "c.tar.gz", {
        "c-1/PKG-INFO": "Metadata-Version: 1.0\nName: c\nVersion: 1\n",
        "c-1/setup.py": "from setuptools import setup\nsetup(name='c', install_requires=open('r.txt').read().split())\n"})
    assert _reqs(computed) == []
    poetry = targz(tmp_path / "po.tar.gz", {
        "po-1/pyproject.toml": "[tool.poetry]\nname='po'\n[tool.poetry.dependencies]\npython='^3.8'\n"
                               "flask='^2.2.0'\nattrs='~21.4'\nlocal={path='../x'}\nextra={version='1', optional=true}\n"})
    assert [r for r, _ in _reqs(poetry)] == ["flask>=2.2.0,<3", "attrs>=21.4,<21.5"]
    assert not applies_in_sandbox("evil @ https://x.invalid/evil.whl") and not applies_in_sandbox("not a req !")


def _fake_popular_wheel(tmp_path: Path, name: str) -> Path:
    """A harmless synthetic wheel published under a popular name (only on the loopback index)."""
    src = tmp_path / f"src-{name}"
    src.mkdir()
    (src / f"{name}.py").write_text("MARK = 'loopback'\n")
    (src / "setup.cfg").write_text(f"[metadata]\nname = {name}\nversion = 1.16.0\n")
    return pack_wheel(src, tmp_path / "wheels")


@pytest.fixture
def loopback_only(tmp_path, monkeypatch):
    """A private pypiserver as the only index pip may use (no config files, find-links or extras)."""
    import shutil

    tools = build_tools_dir()  # setuptools/wheel, fetched once for the suite, as in every scan
    cache = tmp_path / "cache"  # a fresh cache: no registry answer or wheel from an earlier run
    shutil.copytree(tools, cache / tools.name)
    monkeypatch.setenv("SLOPSPOTTER_CACHE_DIR", str(cache))
    (tmp_path / "index-base").mkdir()
    with run_pypiserver(tmp_path / "index-base") as server:
        for var in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
        monkeypatch.setenv("SLOPSPOTTER_PIP_INDEX_URL", server.simple_url)
        monkeypatch.setenv("SLOPSPOTTER_PYPI_URL", "http://127.0.0.1:9/pypi")  # no JSON API unless a test serves one
        monkeypatch.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", "http://127.0.0.1:9/simple")
        monkeypatch.setenv("SLOPSPOTTER_HTTP_TIMEOUT", "5")
        yield server


def test_declared_deps_fetched_one_at_a_time_popular_only_and_cached(tmp_path, loopback_only):
    loopback_only.publish(_fake_popular_wheel(tmp_path, "six"))
    sdist = targz(tmp_path / "n.tar.gz", {
        "n-1/PKG-INFO": "Metadata-Version: 2.1\nName: slop-needs-dep\nVersion: 0.1.0\n"
                        "Requires-Dist: six\nRequires-Dist: idna>=2\nRequires-Dist: slop-unknown-helper\n"
                        "Requires-Dist: slop-needs-dep\n"})
    deps = tmp_path / "deps1"
    deps.mkdir()
    recs = {r["requirement"]: r for r in prefetch_declared(sdist, deps, "slop-needs-dep")}
    assert set(recs) == {"six", "idna>=2", "slop-unknown-helper"}  # its own name is not a dependency
    assert recs["six"]["status"] == "fetched" and (deps / "six-1.16.0-py3-none-any.whl").exists()
    assert recs["slop-unknown-helper"] == {"requirement": "slop-unknown-helper", "origin": "PKG-INFO",
                                           "status": "skipped", "reason": "not prefetched: not a well-known package"}
    assert recs["idna>=2"]["status"] == "failed" and "idna" in recs["idna>=2"]["reason"], recs["idna>=2"]
    # fetched once: the index no longer has it, a later scan still gets it from the host cache
    (loopback_only.packages / "six-1.16.0-py3-none-any.whl").unlink()
    deps2 = tmp_path / "deps2"
    deps2.mkdir()
    again = {r["requirement"]: r for r in prefetch_declared(sdist, deps2, "slop-needs-dep")}
    assert again["six"]["status"] == "fetched" and (deps2 / "six-1.16.0-py3-none-any.whl").exists()


def _needs_dep_sdist(tmp_path: Path, extra_dep: str | None = None, setup_requires: bool = False) -> Path:
    reqs = ["tabulate"] + ([extra_dep] if extra_dep else [])
    build = f", setup_requires={reqs!r}" if setup_requires else ""
    return targz(tmp_path / "slop-needs-dep-0.1.0.tar.gz", {
        "slop_needs_dep-0.1.0/PKG-INFO": "Metadata-Version: 1.0\nName: slop-needs-dep\nVersion: 0.1.0\n",
        "slop_needs_dep-0.1.0/setup.py": "from setuptools import setup\n"
                                         f"setup(name='slop-needs-dep', version='0.1.0', packages=['slop_needs_dep'], "
                                         f"install_requires={reqs!r}{build})\n",
        "slop_needs_dep-0.1.0/slop_needs_dep/__init__.py": "import tabulate\nassert tabulate.MARK == 'loopback'\n",
    })


@pytest.mark.gvisor
def test_gvisor_scan_installs_a_local_sdist_with_its_prefetched_dependency(tmp_path, loopback_only):
    from slopspotter_lab.scan import scan

    loopback_only.publish(_fake_popular_wheel(tmp_path, "tabulate"))
    r = scan(str(_needs_dep_sdist(tmp_path)), backend="gvisor", timeout=90)
    phases = {p["name"]: p for p in r.phases}
    assert r.backend == "gvisor", r.error
    assert phases["install"]["status"] == "ok", phases["install"].get("output_tail")
    assert phases["import"]["status"] == "ok", phases["import"].get("output_tail")  # tabulate came from the prefetch
    assert [d["status"] for d in r.details["deps_prefetch"] if d["requirement"] == "tabulate"] == ["fetched"]


def _publish_sdist_only(tmp_path: Path, server, json_server, name: str) -> None:
    """A harmless synthetic sdist under a popular name, on the loopback index (pip finds no wheel)
    and in the loopback JSON API (the registry layer downloads it raw)."""
    import hashlib

    from tests.fixtures.registries import make_sdist

    src = tmp_path / f"sdist-src-{name}"
    src.mkdir()
    (src / f"{name}.py").write_text("MARK = 'loopback'\n")
    (src / "setup.py").write_text(f"from setuptools import setup\nsetup(name='{name}', version='0.9.0', py_modules=['{name}'])\n")
    path = server.publish(make_sdist(src, name, "0.9.0", tmp_path / "sdists"))
    data = path.read_bytes()
    files = [{"filename": path.name, "url": server.simple_url.replace("/simple", f"/packages/{path.name}"),
              "packagetype": "sdist", "digests": {"sha256": hashlib.sha256(data).hexdigest()}, "size": len(data),
              "upload_time_iso_8601": "2024-01-02T03:04:05Z"}]
    json_server.add(name, {"info": {"name": name, "version": "0.9.0", "summary": "x"}, "urls": files,
                           "releases": {"0.9.0": files}})


def test_a_well_known_dependency_without_a_wheel_comes_as_its_raw_sdist(tmp_path, loopback_only, pypi_json_server,
                                                                       monkeypatch):
    monkeypatch.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    _publish_sdist_only(tmp_path, loopback_only, pypi_json_server, "tabulate")
    deps = tmp_path / "deps"
    deps.mkdir()
    rec = prefetch_declared(_needs_dep_sdist(tmp_path), deps, "slop-needs-dep")[0]
    assert rec["status"] == "fetched" and "sdist tabulate-0.9.0.tar.gz" in rec["reason"], rec
    assert (deps / "tabulate-0.9.0.tar.gz").exists() and not list(deps.glob("*.whl"))


@pytest.mark.gvisor
def test_gvisor_builds_the_sdist_only_dependency_offline(tmp_path, loopback_only, pypi_json_server, monkeypatch):
    from slopspotter_lab.scan import scan

    monkeypatch.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    _publish_sdist_only(tmp_path, loopback_only, pypi_json_server, "tabulate")
    # setup_requires: setuptools starts its own pip, which must find the same offline wheels
    r = scan(str(_needs_dep_sdist(tmp_path, setup_requires=True)), backend="gvisor", timeout=120)
    phases = {p["name"]: p for p in r.phases}
    assert phases["install"]["status"] == "ok", phases["install"].get("output_tail")
    assert phases["import"]["status"] == "ok" and not phases["import"].get("source_tree"), phases["import"]
