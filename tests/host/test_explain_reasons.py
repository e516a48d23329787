"""explain.reason / explain.explain: the words on a chip's tooltip and in MCP's explain."""

import pytest

from slopspotter_lab.explain import explain, reason


def _rec(**kw):
    base = {"name": "x", "ecosystem": "pypi", "exists": None, "typosquat_of": None, "similar_to": [],
            "risk": "low", "score": 0.05, "indicators": [], "suggestion": None, "error": None}
    return {**base, **kw}


@pytest.mark.parametrize("record, expected", [
    (_rec(exists=True), "exists on pypi; no warning signs"),
    (_rec(error="offline: not looked up"), "no warning signs in the name (offline: not looked up)"),
    (_rec(risk=None, error="invalid name"), "not checked: invalid name"),
    (_rec(risk="high", typosquat_of="requests",
          indicators=[{"id": "typosquat", "severity": "high", "evidence": "...", "weight": 10, "extra": {"target": "requests"}}]),
     "typosquat of requests"),
    (_rec(ecosystem="npm", exists=False, suggestion="express", indicators=[{"id": "not_found", "severity": "high", "evidence": "", "weight": 9}]),
     "does not exist on npm - did you mean express?"),
    (_rec(exists=False, indicators=[{"id": "not_found", "severity": "high", "evidence": "", "weight": 9}]),
     "does not exist on pypi"),
    (_rec(indicators=[{"id": "known_malicious", "severity": "critical", "evidence": "OSV MAL-2024-1", "weight": 9}]),
     "known malicious: OSV MAL-2024-1"),
])
def test_reason(record, expected):
    assert reason(record) == expected


def test_reason_ranks_by_weight_and_counts_the_rest():
    inds = [{"id": f"i{n}", "severity": "low", "evidence": f"e{n}", "weight": n} for n in range(5)]
    assert reason(_rec(indicators=inds)) == "i4: e4; i3: e3; i2: e2 (+2 more)"


def test_explain_accepts_a_scan_result_and_names_meanings():
    scan = {"package": {"name": "evil", "ecosystem": "pypi"}, "verdict": {"risk": "high", "probability": 0.97},
            "indicators": [{"id": "dns_query", "severity": "medium", "evidence": "a.invalid", "weight": 0.5},
                           {"id": "honeytoken_read", "severity": "high", "evidence": "~/.aws/credentials",
                            "source": "dynamic", "phase": "install", "weight": 3.0}]}
    out = explain(scan)
    assert (out["name"], out["risk"], out["score"]) == ("evil", "high", 0.97)
    assert [i["id"] for i in out["indicators"]] == ["honeytoken_read", "dns_query"]
    assert out["indicators"][0]["meaning"] == "A planted fake credential was read."
    assert out["indicators"][1]["source"] == "dynamic"  # from the registry when the record has none
    assert out["summary"].startswith("honeytoken read: ~/.aws/credentials")
