"""TEST-ONLY stand-in for slopspotter_lab.scan.scan, handed to the host's main(scan=...) by the
tests' wrapper so the concurrency tests need no Docker. It sleeps, prints noise
to stdout (which must never reach the frame stream) and returns scan JSON (DESIGN 4.1)."""

import os
import time


def slow_scan(name, ecosystem="pypi", version=None, backend="auto", timeout=120.0, progress=None):
    say = progress or (lambda stage: None)
    say("metadata")
    time.sleep(float(os.environ.get("FAKE_SCAN_SECONDS", "2")))
    say("sandbox (fake)")
    print("noise a careless library printed on stdout")
    if name == "crash-me":
        raise RuntimeError("fake scan crashed")
    evidence = "x" * 20000 if name == "huge-report" else "read ~/.aws/credentials"
    count = 300 if name == "huge-report" else 2
    indicators = [{"id": "honeytoken_read", "severity": "high", "evidence": f"{evidence} #{i}",
                   "source": "dynamic", "phase": "install", "weight": 1.0 + i / 1000} for i in range(count)]
    indicators.append({"id": "dns_query", "severity": "low", "evidence": "c2.example.invalid",
                       "source": "dynamic", "phase": "import", "weight": 0.2})
    return {
        "package": {"name": name, "ecosystem": ecosystem, "version": "1.0", "source": "registry"},
        "backend": "fake",
        "verdict": {"is_malicious": True, "probability": 0.93, "risk": "high"},
        "indicators": indicators,
        "phases": [{"name": "install", "status": "ok", "exit_code": 0, "duration_s": 0.1}],
        "processes": [{"phase": "install", "pid": 10, "ppid": 1, "ts": 0.1, "exe": "/bin/sh",
                       "argv": ["sh", "-c", "curl http://c2.example.invalid"], "exit_code": 0}],
        "endpoints": [{"phase": "install", "pid": 10, "ts": 0.2, "family": "inet", "protocol": "tcp",
                       "address": "10.0.0.1", "port": 80, "hostname": "c2.example.invalid",
                       "outcome": "sinkholed", "bytes_sent": 10, "payload_head": "GET /"}],
        "dns": [{"phase": "install", "pid": 10, "ts": 0.2, "hostname": "c2.example.invalid", "qtype": "A"}],
        "files": [{"phase": "install", "pid": 10, "ts": 0.3, "path": "/tmp/x", "op": "write", "result": 0, "category": None},
                  {"phase": "install", "pid": 10, "ts": 0.3, "path": "/home/dev/.aws/credentials", "op": "read",
                   "result": 0, "category": "honeytoken"}],
        "syscall_count": 42,
        "error": None,
    }
