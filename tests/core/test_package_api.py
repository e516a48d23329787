import importlib

import slopspotter_lab


def test_check_and_scan_stay_callable_after_submodule_import():
    importlib.import_module("slopspotter_lab.scan")
    importlib.import_module("slopspotter_lab.check")
    assert slopspotter_lab.scan.ScanResult.__name__ == "ScanResult"
    df = slopspotter_lab.check(["numpy"], offline=True)
    assert list(df["name"]) == ["numpy"]


def test_scan_module_call_reaches_the_function(monkeypatch):
    mod = importlib.import_module("slopspotter_lab.scan")
    seen = {}
    monkeypatch.setattr(mod, "scan", lambda *a, **k: seen.setdefault("args", (a, k)))
    slopspotter_lab.scan("x", backend="none")
    assert seen["args"] == (("x",), {"backend": "none"})
