"""The original sandbox API (DESIGN 4.5) over the new scan, with the test-only fake scan."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from slopspotter_lab import compat

HOST_TESTS = Path(__file__).resolve().parents[1] / "host"


@pytest.fixture
def fake_scan(monkeypatch):
    """scan() answers with the host tests' fake scan JSON (no sandbox needed)."""
    import slopspotter_lab.scan as scan_module

    monkeypatch.syspath_prepend(str(HOST_TESTS))
    monkeypatch.setenv("FAKE_SCAN_SECONDS", "0")
    from host_test_fake_scan import slow_scan

    monkeypatch.setattr(scan_module, "scan", lambda *a, **kw: scan_module.ScanResult.from_dict(slow_scan(*a, **kw)))


def test_deep_scan_package_returns_vmscanresult(fake_scan):
    res = compat.deep_scan_package("evil-pkg", "Python")
    assert isinstance(res, compat.VMScanResult)
    assert res.package_name == "evil-pkg" and res.language == "Python"
    assert res.is_malicious is True and res.confidence == pytest.approx(0.93)
    assert res.indicators[0].startswith("[high] honeytoken_read")
    assert res.process_spawns and res.network_connections and res.file_operations
    assert res.error is None
    assert set(res.to_dict()) == {"packageName", "language", "isMalicious", "confidence", "indicators",
                                  "networkConnections", "fileOperations", "processSpawns", "error"}


def test_test_package_in_vm_is_true_for_malicious(fake_scan):
    assert compat.test_package_in_vm("evil-pkg", "JavaScript", None) is True


def test_handle_deep_scan_request_shapes(fake_scan):
    ok = compat.handle_deep_scan_request({"packageName": "evil-pkg", "language": "Python"})
    assert ok["success"] is True and ok["result"]["isMalicious"] is True
    assert compat.handle_deep_scan_request({"language": "Python"}) == {"success": False, "error": "Package name is required"}
    go = compat.handle_deep_scan_request({"packageName": "x", "language": "Go"})
    assert go["success"] is False and go["error"] == "Deep scan not available; heuristic only."
    crash = compat.handle_deep_scan_request({"packageName": "crash-me", "language": "python"})
    assert crash["success"] is False and "crashed" in crash["error"]


def test_check_vm_requirements_returns_bool_and_reason():
    ok, why = compat.check_vm_requirements()
    assert isinstance(ok, bool) and isinstance(why, str) and why


def test_blend_prior_and_scan():
    assert compat.blend(None, "high", 0.0) == pytest.approx(0.8)
    assert compat.blend(None, "low", 0.3) == pytest.approx(0.3)
    low_prior = compat.blend(0.9, "low", 0.0)
    high_prior = compat.blend(0.9, "high", 0.0)
    assert 0.5 < low_prior < high_prior < 0.9  # the scan dominates, the prior shifts it
    assert compat.blend(0.05, "high", 0.0) < 0.5


def test_debug_entry_point_blends_the_scan(fake_scan, capsys):
    assert compat.main(["--package", "requests", "--language", "python", "--risk", "low", "--score", "0.0"]) == 0
    report = json.loads(capsys.readouterr().out.split("noise a careless library printed on stdout\n")[-1])
    assert report["packageName"] == "requests" and report["heuristicRisk"] == "low"
    assert report["blendedScore"] == pytest.approx(compat.blend(0.93, "low", 0.0), abs=1e-4)


def test_debug_entry_point_as_module():
    out = subprocess.run([sys.executable, "-m", "slopspotter_lab.compat", "--package", "serde",
                          "--language", "rust", "--risk", "high"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["error"] == "Deep scan not available; heuristic only." and report["blendedScore"] == pytest.approx(0.8)


def test_debug_scan_cli_other_language(capsys):
    from slopspotter_lab.cli import main

    assert main(["debug-scan", "--package", "serde", "--language", "rust", "--risk", "medium"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["error"] == "Deep scan not available; heuristic only."
    assert report["blendedScore"] == pytest.approx(0.4)
