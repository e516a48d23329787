"""`slopspotter-lab mcp` driven by the official MCP SDK's own client over stdio: tool list with
input and output JSON schemas, structured results that validate against them, progress
notifications from scan_package, the deadline, explain, and the two resources."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import jsonschema
import pytest

pytest.importorskip("mcp")
from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HOST_TESTS = ROOT / "tests" / "host"
FAKE_SCAN = {"FAKE_SCAN_SECONDS": "1"}  # with fake=True: the server runs the host tests' fake scan
FAKE_SERVER = ("import sys; from host_test_fake_scan import slow_scan; "
               "from slopspotter_lab.mcp_server.server import serve; sys.exit(serve(scan=slow_scan))")
ANSWER = "Run `pip install reqeusts` first, then:\n\n```\nnpm install expresss left-pad\n```\n"


def _params(env: dict[str, str], fake: bool = False) -> StdioServerParameters:
    base = {k: v for k, v in os.environ.items() if k.startswith(("SLOPSPOTTER_", "PATH", "HOME"))}
    base["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HOST_TESTS)])
    args = ["-c", FAKE_SERVER] if fake else ["-m", "slopspotter_lab", "mcp"]
    return StdioServerParameters(command=sys.executable, args=args,
                                 env={**base, **env}, cwd=str(ROOT))


def _session(env: dict[str, str], body, fake: bool = False):
    """Start the server as a subprocess, run `body(session)` with an initialised session."""
    async def main():
        async with stdio_client(_params(env, fake), errlog=sys.stderr) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await body(session)

    return anyio.run(main)


@pytest.fixture
def offline_env(tmp_path):
    return {"SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache"), "SLOPSPOTTER_PYPI_URL": "http://127.0.0.1:9/pypi",
            "SLOPSPOTTER_PYPI_SIMPLE_URL": "http://127.0.0.1:9/simple", "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9"}


def _structured(result, tool) -> dict:
    assert not result.is_error, result.content
    data = result.structured_content
    jsonschema.validate(data, tool.output_schema)  # the server's own schema, checked by us too
    return data


def test_tools_resources_and_structured_checks(offline_env):
    async def body(s):
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert set(tools) == {"check_packages", "check_text", "scan_package", "explain"}
        for t in tools.values():
            assert t.description and t.input_schema["type"] == "object"
            assert t.output_schema and t.output_schema["type"] == "object"
        assert tools["check_packages"].input_schema["required"] == ["packages"]
        assert set(tools["scan_package"].input_schema["properties"]) >= {"name", "ecosystem", "deadline_s"}

        checked = _structured(await s.call_tool("check_packages", {"packages": ["reqeusts", "requests"],
                                                                   "offline": True}), tools["check_packages"])
        text = _structured(await s.call_tool("check_text", {"text": ANSWER, "offline": True}), tools["check_text"])
        why = _structured(await s.call_tool("explain", {"result": checked["results"][0]}), tools["explain"])
        by_name = _structured(await s.call_tool("explain", {"name": "expresss", "ecosystem": "npm", "offline": True}),
                              tools["explain"])
        bad = await s.call_tool("check_packages", {"packages": ["--index-url=http://evil.invalid"], "offline": True})
        neither = await s.call_tool("explain", {})
        resources = {str(r.uri): r for r in (await s.list_resources()).resources}
        card = await s.read_resource("slopspotter://model-card")
        registry = await s.read_resource("slopspotter://indicators")
        return checked, text, why, by_name, bad, neither, resources, card, registry

    checked, text, why, by_name, bad, neither, resources, card, registry = _session(offline_env, body)
    first, second = checked["results"]
    assert first["name"] == "reqeusts" and first["risk"] == "high" and first["reason"].startswith("typosquat of requests")
    assert second["risk"] == "low" and checked["worst_risk"] == "high" and checked["block"] == ["reqeusts"]

    assert [c["tool"] for c in text["commands"]] == ["pip", "npm"]
    assert [(r["name"], r["command"]["tool"]) for r in text["results"]] == [
        ("reqeusts", "pip"), ("expresss", "npm"), ("left-pad", "npm")]
    assert set(text["block"]) == {"reqeusts", "expresss"}

    assert why["name"] == "reqeusts" and why["indicators"][0]["id"] == "typosquat"
    assert why["indicators"][0]["meaning"].startswith("The name is a near miss")
    assert by_name["name"] == "expresss" and "typosquat of express" in by_name["summary"]

    # an invalid name is a per-record error, not a crash; explain without input is a tool error
    assert not bad.is_error and bad.structured_content["results"][0]["risk"] is None
    assert neither.is_error and "either" in neither.content[0].text

    assert set(resources) == {"slopspotter://model-card", "slopspotter://indicators"}
    assert resources["slopspotter://model-card"].mime_type == "text/markdown"
    assert card.contents[0].text.startswith("# Model card: ") and "ROC AUC" in card.contents[0].text
    from slopspotter_lab.indicators import REGISTRY

    ids = [d["id"] for d in json.loads(registry.contents[0].text)]
    assert ids == list(REGISTRY)


def test_scan_package_reports_progress_and_a_structured_report(offline_env):
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value, total, message):
        progress.append((value, total, message))

    async def body(s):
        tools = {t.name: t for t in (await s.list_tools()).tools}
        res = await s.call_tool("scan_package", {"name": "evil-pkg", "deadline_s": 30}, progress_callback=on_progress)
        report = _structured(res, tools["scan_package"])
        why = _structured(await s.call_tool("explain", {"result": report}), tools["explain"])
        refused = await s.call_tool("scan_package", {"name": "../../etc/passwd"})
        return report, why, refused

    report, why, refused = _session({**offline_env, **FAKE_SCAN}, body, fake=True)
    assert report["name"] == "evil-pkg" and report["is_malicious"] is True and report["risk"] == "high"
    assert report["indicators"][0]["id"] == "honeytoken_read" and report["processes"][0].startswith("sh -c curl")
    assert any("c2.example.invalid" in n for n in report["network"])
    messages = [m for _, _, m in progress]
    assert messages[0] == "evil-pkg: queued" and "evil-pkg: metadata" in messages
    assert messages[-1].startswith("evil-pkg: done")
    values = [v for v, _, _ in progress]
    assert values == sorted(values) and progress[-1][0] == progress[-1][1]
    assert why["risk"] == "high" and why["score"] == pytest.approx(0.93)
    assert refused.is_error


def test_scan_package_deadline_abandons_a_scan_that_overruns(offline_env):
    env = {**offline_env, **FAKE_SCAN, "FAKE_SCAN_SECONDS": "20", "SLOPSPOTTER_MCP_SCAN_MARGIN": "1"}

    async def body(s):
        with anyio.fail_after(15):
            return await s.call_tool("scan_package", {"name": "slow-pkg", "deadline_s": 1})

    res = _session(env, body, fake=True)
    assert res.is_error and "did not finish within 1 s" in res.content[0].text


@pytest.mark.docker
def test_scan_package_real_sandbox_scan_of_a_corpus_package(pypi_server, pypi_json_server, tmp_path):
    corpus = ROOT / "tests" / "corpus" / "pypi" / "slop-steal-aws"
    pypi_server.publish_dir(corpus, "slop-steal-aws", "0.1.0")
    env = {"SLOPSPOTTER_PYPI_URL": pypi_json_server.url, "SLOPSPOTTER_PYPI_SIMPLE_URL": pypi_server.simple_url,
           "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9", "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache")}
    stages = []

    async def on_progress(value, total, message):
        stages.append(message)

    async def body(s):
        return await s.call_tool("scan_package", {"name": "slop-steal-aws", "deadline_s": 240},
                                 progress_callback=on_progress, read_timeout_seconds=600)

    res = _session(env, body)
    assert not res.is_error, res.content
    report = res.structured_content
    assert report["is_malicious"] is True and report["backend"] in ("docker", "gvisor")
    assert {"honeytoken_read", "honeytoken_exfiltration"} <= {i["id"] for i in report["indicators"]}
    assert any(m.startswith("slop-steal-aws: sandbox") for m in stages), stages
