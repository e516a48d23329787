"""scan() without a sandbox, backend resolution errors, and ScanResult serialisation."""

import json
from pathlib import Path

import pandas as pd
import pytest

from slopspotter_lab.errors import BackendUnavailable
from slopspotter_lab.indicators import Indicator
from slopspotter_lab.scan import ScanResult, scan

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_no_backend_gives_a_heuristic_only_result(monkeypatch):
    import slopspotter_lab.sandbox as sb

    monkeypatch.setattr(sb, "resolve_backend", lambda name="auto", trace_mode=None: None)
    r = scan(str(CORPUS / "pypi" / "slop-steal-aws"), ecosystem="pypi", backend="auto")
    assert r.backend == "none" and "no sandbox backend" in r.error
    assert r.phases == [] and r.processes.empty and set(r.verdict) == {"is_malicious", "probability", "risk"}


def test_explicit_unavailable_backend_raises(monkeypatch):
    from slopspotter_lab.sandbox.docker_backend import DockerBackend

    monkeypatch.setattr(DockerBackend, "available", classmethod(lambda cls: (False, "engine off")))
    with pytest.raises(BackendUnavailable) as exc:
        scan(str(CORPUS / "pypi" / "slop-steal-aws"), backend="docker")
    assert exc.value.exit_code == 3 and "engine off" in str(exc.value)


def test_result_round_trips_through_json():
    procs = pd.DataFrame([{"phase": "install", "pid": 20, "ppid": 19, "ts": 0.1, "exe": "/bin/sh",
                           "argv": ["sh", "-c", "curl x"], "exit_code": 0, "end_ts": 0.2}])
    eps = pd.DataFrame([{"phase": "import", "pid": 21, "ts": 0.3, "family": "ipv4", "protocol": "tcp",
                         "address": "10.66.0.2", "port": 80, "hostname": "a.invalid", "outcome": "sinkholed",
                         "bytes_sent": 10, "payload_head": "GET / HTTP/1.1", }])
    r = ScanResult(package={"name": "x", "ecosystem": "pypi", "version": "1", "source": "local"}, backend="docker",
                   verdict={"is_malicious": True, "probability": 0.97, "risk": "high"},
                   indicators=[Indicator("shell_spawn", "medium", "sh -c curl x", source="dynamic", phase="install")],
                   phases=[{"name": "install", "status": "ok", "exit_code": 0, "duration_s": 1.2}],
                   processes=procs, endpoints=eps, syscall_count=123)
    d = json.loads(r.to_json())
    for key in ("package", "backend", "verdict", "indicators", "phases", "processes", "endpoints", "dns", "files",
                "syscall_count", "error"):
        assert key in d
    back = ScanResult.from_dict(d)
    assert back.processes["argv"].iloc[0] == ["sh", "-c", "curl x"]
    assert back.endpoints["hostname"].iloc[0] == "a.invalid" and back.syscall_count == 123
    assert back.indicators[0].phase == "install" and back.is_malicious
    assert "shell_spawn" in back._repr_html_() and "<table>" in back._repr_html_()
