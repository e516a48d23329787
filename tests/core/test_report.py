"""report: one home for table, JSON and CSV output of check records and scans; formats register."""

from __future__ import annotations

import csv
import io
import json

import pytest

from slopspotter_lab import report
from slopspotter_lab.errors import InputError
from slopspotter_lab.indicators import Indicator, rank

RECORDS = [
    {"name": "reqeusts", "ecosystem": "pypi", "exists": True, "typosquat_of": "requests",
     "similar_to": ["requests", "requests2"], "risk": "high", "score": 0.91,
     "indicators": [{"id": "typosquat", "severity": "high", "evidence": "1 edit from requests"},
                    {"id": "new_package", "severity": "medium", "evidence": "3 days"}],
     "version": "1.0", "suggestion": "requests", "error": None},
    {"name": "nosuchpkg-xyz", "ecosystem": "pypi", "exists": None, "typosquat_of": None, "similar_to": [],
     "risk": "low", "score": 0.02, "indicators": [], "version": None, "suggestion": None, "error": "offline"},
]
SCAN = {"package": {"name": "evil", "ecosystem": "pypi", "version": "1.0", "source": "registry"},
        "backend": "docker", "verdict": {"is_malicious": True, "probability": 0.97, "risk": "high"},
        "indicators": [{"id": "dns_query", "severity": "medium", "evidence": "c2.example.invalid", "weight": 2.0},
                       {"id": "honeytoken_read", "severity": "high", "evidence": "~/.aws/credentials", "weight": 0.5}],
        "phases": [{"name": "install", "status": "ok", "exit_code": 0, "duration_s": 1.2}],
        "processes": [{"argv": ["sh", "-c", "id"], "exe": "/bin/sh"}, {"argv": ["sh", "-c", "id"], "exe": "/bin/sh"}],
        "endpoints": [{"protocol": "tcp", "hostname": "c2.example.invalid", "port": 443, "outcome": "sinkholed",
                       "phase": "import"}],
        "dns": [{"hostname": "c2.example.invalid"}],
        "files": [{"op": "write", "path": "/tmp/x", "category": None, "phase": "install"},
                  {"op": "read", "path": "/home/u/.aws/credentials", "category": "honeytoken", "phase": "install"}],
        "syscall_count": 7, "error": None}


def test_check_table_has_a_header_and_a_row_per_record():
    lines = report.render_checks(RECORDS, "table").splitlines()
    assert lines[0].split() == ["name", "ecosystem", "exists", "risk", "score", "typosquat_of", "suggestion", "indicators"]
    assert lines[1].split()[:4] == ["reqeusts", "pypi", "True", "high"] and lines[1].endswith("typosquat,new_package")
    assert lines[2].split()[2] == "-" and lines[2].endswith("-")


def test_check_json_round_trips():
    assert json.loads(report.render_checks(RECORDS, "json")) == RECORDS


def test_check_csv_flattens_lists_and_keeps_contract_columns():
    rows = list(csv.DictReader(io.StringIO(report.render_checks(RECORDS, "csv"))))
    assert list(rows[0])[:8] == ["name", "ecosystem", "exists", "typosquat_of", "similar_to", "risk", "score", "indicators"]
    assert rows[0]["similar_to"] == "requests;requests2" and rows[0]["exists"] == "true" and rows[1]["exists"] == ""
    assert [i["id"] for i in json.loads(rows[0]["indicators"])] == ["typosquat", "new_package"]


def test_scan_table_and_json():
    text = report.render_scan(SCAN, "table")
    assert text.startswith("evil (pypi) on docker: risk high p=0.97 malicious=True")
    assert "phase install" in text and "honeytoken_read" in text and "syscalls=7" in text
    assert json.loads(report.render_scan(SCAN, "json")) == SCAN


def test_a_format_without_a_renderer_for_a_kind_is_an_input_error():
    with pytest.raises(InputError, match="not available for scan"):
        report.render_scan(SCAN, "csv")
    with pytest.raises(InputError, match="choose from"):
        report.render_checks(RECORDS, "nope")


def test_a_new_format_is_one_registration(monkeypatch):
    monkeypatch.setitem(report.FORMATS, "ids", report.Format("ids", checks=lambda rs: " ".join(r["name"] for r in rs)))
    assert report.render_checks(RECORDS, "ids") == "reqeusts nosuchpkg-xyz"


def test_scan_lists_rank_dedupe_and_put_categorised_files_first():
    lists = report.scan_lists(SCAN)
    assert lists["indicators"][0].startswith("[high] honeytoken_read")  # severity before weight
    assert lists["processes"] == ["sh -c id"]
    assert lists["files"][0].startswith("read /home/u/.aws/credentials [honeytoken]")
    assert lists["network"] == ["tcp c2.example.invalid:443 (sinkholed, phase import)", "dns c2.example.invalid"]


def test_rank_is_one_order_for_objects_and_dicts():
    objs = [Indicator("a", "low", "", weight=5.0), Indicator("b", "high", "", weight=0.1),
            Indicator("c", "high", "", weight=0.9)]
    assert [i.id for i in rank(objs)] == ["c", "b", "a"]
    assert [i["id"] for i in rank([i.to_dict() for i in objs])] == ["c", "b", "a"]
