"""Why a phase failed: classified from the output tail the harness keeps, and carried (with the
capped tail) into ScanResult.phases, its JSON, `phases_frame` and batch rows."""

import json

import pytest

from slopspotter_lab.trace.phase_reasons import failure_reason

PIP_NO_DIST = ("Processing ./x.tar.gz\nERROR: Could not find a version that satisfies the requirement "
               "slop-unknown-helper (from versions: none)\nERROR: No matching distribution found for slop-unknown-helper\n")
PY2 = ('  File "/tmp/pip-install-x/old/setup.py", line 3\n    print "installing"\n    ^^^^^^^^^^^^^^^^^^\n'
       "SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?\n"
       "error: subprocess-exited-with-error\n")


@pytest.mark.parametrize("phase, reason", [
    ({"name": "install", "status": "ok", "output_tail": "Successfully installed x"}, None),
    ({"name": "install", "status": "timeout", "output_tail": "Building wheel"}, "timeout"),
    ({"name": "install", "status": "failed", "output_tail": PIP_NO_DIST}, "missing_dependency"),
    ({"name": "install", "status": "failed", "output_tail": PY2}, "python2_syntax"),
    ({"name": "install", "status": "failed", "output_tail":
      "  File \"setup.py\", line 2\n    except Exception, e:\n    ^^^^^^^^^^^^^^^^^^^^\n"
      "SyntaxError: multiple exception types must be parenthesized\n"}, "python2_syntax"),
    ({"name": "install", "status": "failed", "output_tail":
      "ERROR: Package 'x' requires a different Python: 3.11.2 not in '>=3.12'\n"}, "needs_newer_python"),
    ({"name": "install", "status": "failed", "output_tail":
      "ERROR: Package 'x' requires a different Python: 3.11.2 not in '<3.8'\n"}, "needs_other_python"),
    ({"name": "install", "status": "failed", "output_tail":
      "Traceback (most recent call last):\n  File \"setup.py\", line 1\nModuleNotFoundError: No module named 'requests'\n"},
     "missing_dependency"),
    ({"name": "install", "status": "failed", "output_tail": "ModuleNotFoundError: No module named 'urllib2'\n"},
     "python2_only"),
    ({"name": "import", "status": "failed", "output_tail":
      "failed to import x:\nModuleNotFoundError: No module named 'winreg'\n"}, "windows_only"),
    ({"name": "import", "status": "failed", "output_tail":
      "failed to import x:\nAttributeError: module 'ctypes' has no attribute 'windll'\n"}, "windows_only"),
    ({"name": "install", "status": "failed", "output_tail":
      "ERROR: file:///x does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found.\n"},
     "not_installable"),
    ({"name": "install", "status": "failed", "output_tail":
      "error: subprocess-exited-with-error\n  Failed building wheel for x\n"}, "build_failed"),
    ({"name": "install", "status": "failed", "output_tail":
      "      KeyError: 'USERPROFILE'\n      [end of output]\nerror: metadata-generation-failed\n"}, "windows_only"),
    ({"name": "install", "status": "failed", "output_tail":
      "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n"}, "disk_full"),
    ({"name": "import", "status": "failed", "output_tail": "failed to import x:\nValueError: no\n"}, "import_error"),
    ({"name": "import", "status": "skipped", "output_tail": "install did not succeed"}, "install_failed"),
    ({"name": "import", "status": "skipped", "output_tail": "no top-level modules found"}, "no_module_to_import"),
    ({"name": "execute", "status": "skipped", "output_tail": "no console scripts / bin entries"}, "no_entry_points"),
    ({"name": "execute", "status": "killed", "output_tail": ""}, "killed"),
])
def test_failure_reason(phase, reason):
    assert failure_reason(phase) == reason


def test_reasons_and_capped_tails_survive_json_and_frames():
    from slopspotter_lab.batch.tasks import scan_row
    from slopspotter_lab.scan import ScanResult

    phases = [{"name": "install", "status": "failed", "exit_code": 1, "duration_s": 2.0, "failure_reason": "build_failed",
               "output_tail": "x" * 5000, "pid": 7}]
    r = ScanResult(package={"name": "p"}, backend="gvisor", verdict={"risk": "low"}, phases=phases)
    d = json.loads(r.to_json())
    assert d["phases"][0]["failure_reason"] == "build_failed" and len(d["phases"][0]["output_tail"]) == 2000
    assert set(d["phases"][0]) >= {"name", "status", "exit_code", "duration_s"}  # the contract keys stay
    back = ScanResult.from_dict(d)
    assert back.phases_frame.loc[0, "failure_reason"] == "build_failed"
    assert list(r.phases_frame.columns) == ["name", "status", "exit_code", "duration_s", "failure_reason",
                                          "output_tail", "source_tree"]
    row = scan_row({"key": "k", "name": "p", "ecosystem": "pypi"}, d)
    assert row["phase_install"] == "failed" and row["reason_install"] == "build_failed"


def _sdist(tmp_path, name, setup_py, init="X = 1\n"):
    from tests.fixtures.trees import targz

    mod = name.replace("-", "_")
    return targz(tmp_path / f"{name}-0.1.0.tar.gz", {
        f"{mod}-0.1.0/PKG-INFO": f"Metadata-Version: 1.0\nName: {name}\nVersion: 0.1.0\n",
        f"{mod}-0.1.0/setup.py": setup_py, f"{mod}-0.1.0/{mod}/__init__.py": init})


@pytest.mark.gvisor
def test_gvisor_scan_says_why_install_failed(tmp_path):
    """A dependency that is not a well-known name is never fetched: install fails offline, and the
    result, its JSON and the frame say so; a Python 2 setup.py is named as such."""
    from slopspotter_lab.scan import scan

    missing = _sdist(tmp_path, "slop-missing-dep", "from setuptools import setup\nsetup(name='slop-missing-dep', "
                     "version='0.1.0', packages=['slop_missing_dep'], install_requires=['slop-unknown-helper'])\n")
    r = scan(str(missing), backend="gvisor", timeout=90)
    assert r.backend == "gvisor", r.error
    install = r.phases_frame.set_index("name").loc["install"]
    assert install["status"] == "failed" and install["failure_reason"] == "missing_dependency", install["output_tail"]
    assert "slop-unknown-helper" in install["output_tail"]
    imp = r.phases_frame.set_index("name").loc["import"]
    assert imp["status"] == "ok" and imp["source_tree"], imp["output_tail"]  # from the unpacked sources
    assert json.loads(r.to_json())["phases"][0]["failure_reason"] == "missing_dependency"
    assert r.details["deps_prefetch"][0]["reason"] == "not prefetched: not a well-known package"



@pytest.mark.gvisor
def test_gvisor_python2_setup_py_is_named_and_the_source_tree_is_imported(tmp_path):
    """A Python 2 setup.py cannot install on the image's Python 3.11; its package code may still be
    valid Python 3: the import phase then runs from the unpacked sources, and what it does shows."""
    from slopspotter_lab.scan import scan

    py2 = _sdist(tmp_path, "slop-py-two", "from distutils.core import setup\nprint 'installing'\n"
                 "setup(name='slop-py-two', version='0.1.0', packages=['slop_py_two'])\n",
                 init="import os\nopen(os.path.expanduser('~/.aws/credentials')).read()\n")
    r = scan(str(py2), backend="gvisor", timeout=90)
    install, imp = r.phases[0], r.phases[1]
    assert install["failure_reason"] == "python2_syntax", install.get("output_tail")
    assert imp["status"] == "ok" and imp["source_tree"] is True, imp.get("output_tail")
    assert ("honeytoken_read", "import") in {(i.id, i.phase) for i in r.dynamic_indicators}, r.dynamic_indicators
    assert json.loads(r.to_json())["phases"][1]["source_tree"] is True


@pytest.mark.gvisor
def test_gvisor_scan_without_a_syscall_log_is_scored_as_unscanned_not_as_tampering(tmp_path, monkeypatch):
    """gVisor's log is written on the host, out of the package's reach: when it is missing the
    result says so, raises no `tracer_tamper`, and the verdict is the heuristic one (a missing
    trace is never a clean scan)."""
    from slopspotter_lab.sandbox import gvisor_backend
    from slopspotter_lab.scan import _verdict, scan
    from slopspotter_lab.trace.gvisor_log import find_boot_logs

    real_logdir = gvisor_backend.RUNSC_LOGDIR
    monkeypatch.setattr(gvisor_backend, "RUNSC_LOGDIR", tmp_path / "no-logs-here")  # nothing is found there
    (tmp_path / "no-logs-here").mkdir()
    pkg = _sdist(tmp_path, "slop-quiet", "from setuptools import setup\nsetup(name='slop-quiet', "
                 "version='0.1.0', packages=['slop_quiet'])\n")
    r = scan(str(pkg), backend="gvisor", timeout=90)
    real_logs = find_boot_logs(real_logdir, r.details.get("sandbox", {}).get("container_id", ""))
    for path in real_logs:  # the log gVisor did write, which the scan was made to miss: not left behind
        path.unlink(missing_ok=True)
    assert real_logs, "gVisor wrote no log at all: the test did not hide one"
    assert r.backend == "gvisor" and r.phases, r.error
    assert "gVisor wrote no syscall log" in (r.error or "") and r.details["sandbox"]["trace_missing"]
    assert "tracer_tamper" not in {i.id for i in r.indicators}
    heuristic = [i for i in r.indicators if i.source != "dynamic"]
    unscanned, _ = _verdict(heuristic, dynamic=False)
    clean, _ = _verdict(heuristic, dynamic=True)
    assert r.verdict["probability"] == unscanned["probability"] > clean["probability"]
