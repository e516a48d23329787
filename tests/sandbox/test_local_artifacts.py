"""Local artifacts scan like registry names: what a file is comes from its own metadata, never its
file name, and the import phase imports what the installed distribution provides.

The Docker tests scan one synthetic corpus package in every form a user may hold it (source
directory, sdist under a download's file name, wheel, npm tarball) and require the same phases
and the same dynamic indicators from each.
"""

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.errors import InputError
from slopspotter_lab.sandbox.artifact_info import read_artifact, shipped_modules
from slopspotter_lab.sandbox.jobs import build_job
from slopspotter_lab.sandbox.packing import pack_npm, pack_sdist, pack_wheel, python_name_version
from tests.fixtures.trees import targz

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


# ----------------------------------------------------------------------------- metadata, no engine

def test_sdist_name_and_version_come_from_pkg_info_not_the_file_name(tmp_path):
    sdist = targz(tmp_path / "colorama-ext-1.0.4.tar.gz", {
        "colorama_ext-1.0.4/PKG-INFO": "Metadata-Version: 2.1\nName: colorama-ext\nVersion: 1.0.4\n",
        "colorama_ext-1.0.4/setup.py": "raise SystemExit('never run on the host')\n",
        "colorama_ext-1.0.4/colorama_ext/__init__.py": "",
        "colorama_ext-1.0.4/colorama_ext/win32.py": "",
    })
    info = read_artifact(sdist, "pypi")
    assert (info.name, info.version, info.modules) == ("colorama-ext", "1.0.4", ["colorama_ext"])
    renamed = sdist.rename(tmp_path / "download (1).tar.gz")
    assert read_artifact(renamed, "pypi").name == "colorama-ext"


def test_sdist_without_pkg_info_falls_back_to_static_setup_cfg(tmp_path):
    sdist = targz(tmp_path / "x.tar.gz", {
        "proj/setup.cfg": "[metadata]\nname = cfg-named\nversion = attr: cfgpkg.__version__\n",
        "proj/setup.py": "from setuptools import setup\nsetup()\n",
        "proj/src/cfgpkg/__init__.py": "__version__ = '2.0'\n",
        "proj/tests/__init__.py": "",
    })
    info = read_artifact(sdist, "pypi")
    assert info.name == "cfg-named" and info.version is None  # attr: is computed at build time
    assert info.modules == ["cfgpkg"]


def test_wheel_metadata_and_record(tmp_path):
    whl = pack_wheel(CORPUS / "pypi" / "slop-import-beacon", tmp_path)
    assert whl.name == "slop_import_beacon-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl) as zf:
        names = zf.namelist()
        record = zf.read("slop_import_beacon-0.1.0.dist-info/RECORD").decode()
    assert "slop_import_beacon/__init__.py" in names and "top_level.txt" not in " ".join(names)
    assert "slop_import_beacon/__init__.py,sha256=" in record
    info = read_artifact(whl, "pypi")
    assert (info.name, info.version, info.modules) == ("slop-import-beacon", "0.1.0", ["slop_import_beacon"])


def test_npm_tarball_name_from_package_json(tmp_path):
    tgz = pack_npm(CORPUS / "npm" / "slop-require-env", tmp_path).rename(tmp_path / "download.tgz")
    info = read_artifact(tgz, "npm")
    assert (info.name, info.version) == ("slop-require-env", "1.0.0")


def test_source_dir_named_by_setup_cfg_or_pkg_info(tmp_path):
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    (cfg / "setup.cfg").write_text("[metadata]\nname = from-cfg\nversion = 3.1\n")
    (cfg / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    assert python_name_version(cfg) == ("from-cfg", "3.1")
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    (unpacked / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: from-pkg-info\nVersion: 0.9\n")
    (unpacked / "setup.py").write_text("from setuptools import setup\nsetup(name=NAME, version=VERSION)\n")
    assert python_name_version(unpacked) == ("from-pkg-info", "0.9")
    dynamic = tmp_path / "dyn"
    dynamic.mkdir()
    (dynamic / "setup.py").write_text("from setuptools import setup\nsetup(name='dyn-ver', version=get())\n")
    assert python_name_version(dynamic) == ("dyn-ver", "0")


def test_hostile_metadata_name_is_refused(tmp_path):
    sdist = targz(tmp_path / "evil.tar.gz", {"e/PKG-INFO": "Name: ../../etc; rm -rf /\nVersion: 1\n"})
    with pytest.raises(InputError, match="invalid package"):
        read_artifact(sdist, "pypi")
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(InputError, match="not a readable archive"):
        read_artifact(junk, "pypi")


def test_shipped_modules_skip_tooling_and_metadata():
    rel = ["setup.py", "conftest.py", "mod.py", "pkg/__init__.py", "pkg/sub/__init__.py", "src/other/__init__.py",
           "tests/__init__.py", "x.dist-info/METADATA", "not-an-identifier/__init__.py"]
    assert shipped_modules(rel) == ["mod", "other", "pkg"]


def test_job_names_the_distribution_from_metadata(tmp_path):
    sdist = pack_sdist(CORPUS / "pypi" / "slop-import-beacon", tmp_path / "src")
    odd = shutil.copy(sdist, tmp_path / "slop-import-beacon-0.1.0.tar.gz")  # what split('-')[0] got wrong
    job = build_job(parse_spec(str(odd), "pypi"), tmp_path / "work", timeout=60, scan_id="t1")
    assert (job.dist_name, job.version, job.modules_shipped) == ("slop-import-beacon", "0.1.0", ("slop_import_beacon",))
    doc = json.loads((job.jobdir / "job.json").read_text())
    assert doc["dist_name"] == "slop-import-beacon" and doc["modules_shipped"] == ["slop_import_beacon"]


# ----------------------------------------------------------------------------- real scans (Docker)

def _forms_pypi(tmp_path: Path) -> dict[str, Path]:
    src = CORPUS / "pypi" / "slop-import-beacon"
    sdist = pack_sdist(src, tmp_path / "s").rename(tmp_path / "slop-import-beacon-0.1.0.tar.gz")
    return {"dir": src, "sdist": sdist, "wheel": pack_wheel(src, tmp_path / "w")}


def _forms_npm(tmp_path: Path) -> dict[str, Path]:
    src = CORPUS / "npm" / "slop-require-env"
    return {"dir": src, "tarball": pack_npm(src, tmp_path / "n").rename(tmp_path / "download.tgz")}


def _scan_forms(forms: dict[str, Path], eco: str) -> dict[str, tuple]:
    from slopspotter_lab.scan import scan

    seen = {}
    for form, path in forms.items():
        r = scan(str(path), ecosystem=eco, backend="docker", timeout=60)
        assert r.backend == "docker", r.error
        phases = tuple((p["name"], p["status"]) for p in r.phases)
        dyn = frozenset((i.id, i.phase) for i in r.indicators if i.source == "dynamic")
        seen[form] = (r.package["name"], r.package["version"], phases, dyn)
    return seen


@pytest.mark.docker
def test_pypi_package_as_dir_sdist_and_wheel_scans_the_same(tmp_path):
    seen = _scan_forms(_forms_pypi(tmp_path), "pypi")
    name, version, phases, dyn = seen["dir"]
    assert (name, version) == ("slop-import-beacon", "0.1.0")
    assert dict(phases)["import"] == "ok", phases
    assert {("honeytoken_read", "import"), ("dns_query", "import")} <= dyn, dyn
    assert "honeytoken_exfiltration" in {i for i, _ in dyn}, dyn
    for form, got in seen.items():
        assert got == seen["dir"], f"{form} differs from the source directory: {got} vs {seen['dir']}"


@pytest.mark.docker
def test_npm_package_as_dir_and_tarball_scans_the_same(tmp_path):
    seen = _scan_forms(_forms_npm(tmp_path), "npm")
    name, version, phases, dyn = seen["dir"]
    assert (name, version) == ("slop-require-env", "1.0.0")
    assert dict(phases)["import"] == "ok", phases
    assert ("dns_query", "import") in dyn and "honeytoken_exfiltration" in {i for i, _ in dyn}, dyn
    assert seen["tarball"] == seen["dir"]


def test_import_phase_falls_back_to_the_modules_the_artifact_ships(tmp_path, monkeypatch):
    """No installed distribution names its modules (no top_level.txt, no RECORD): the harness
    imports the package directories the artifact shipped that are now installed, nothing else."""
    import importlib.util
    import site

    spec = importlib.util.spec_from_file_location(
        "slop_runner", Path(__file__).resolve().parents[2] / "slopspotter_lab/sandbox/harness/runner.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    user_site = tmp_path / "site"
    (user_site / "shipped_pkg").mkdir(parents=True)
    (user_site / "shipped_pkg" / "__init__.py").write_text("")
    (user_site / "single_mod.py").write_text("")
    monkeypatch.setattr(site, "getusersitepackages", lambda: str(user_site))
    modules, scripts = runner.python_targets("no-such-dist-here", ["shipped_pkg", "single_mod", "not_installed"])
    assert (modules, scripts) == (["shipped_pkg", "single_mod"], [])
    assert runner.python_targets("no-such-dist-here", None) == ([], [])
