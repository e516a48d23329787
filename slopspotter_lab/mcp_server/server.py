"""`slopspotter-lab mcp`: an MCP server on stdio for coding agents that run `pip install` and
`npm install` themselves. Built on the official `mcp` SDK (the `mcp` extra).

Tools: `check_packages` (names + ecosystem), `check_text` (an answer or a shell command: every
install command in it, extracted with the project's one grammar), `scan_package` (a deep scan
with a deadline, reporting progress) and `explain` (the indicators and evidence behind a
result). Resources: the model card and the indicator registry. The check paths are the native
host's (one home), so an agent, the browser extension and the CLI get the same answers.
"""

# no `from __future__ import annotations`: the SDK reads the tools' annotations at run time

import functools
import logging
import os
import time
from typing import Any, Optional

from .. import __version__
from ..errors import InputError
from ..host import messages
from . import schemas as S

log = logging.getLogger(__name__)

SCAN_STAGES = ("queued", "metadata", "prefetch", "sandbox", "parse")
MARGIN_ENV = "SLOPSPOTTER_MCP_SCAN_MARGIN"  # seconds past the deadline before a scan is abandoned
INSTRUCTIONS = """\
Use these tools BEFORE installing a package you did not verify: check_text on the install
command you are about to run (or on an answer that suggests one), check_packages for bare
names. Do not install anything listed in `block`; for `medium` risk tell the user why (the
`reason`). scan_package runs a package inside a sandbox (slow: minutes) when a check is not
enough. explain gives the evidence behind any result."""


def _worst(records: list[dict]) -> tuple[Optional[str], list[str]]:
    """The highest risk, and the names at `high` (the ones an agent must not install)."""
    from ..model.scoring import RISKS

    risks = [r["risk"] for r in records if r.get("risk") in RISKS]
    worst = max(risks, key=RISKS.index) if risks else None
    block = list(dict.fromkeys(r["name"] for r in records if r.get("risk") == "high"))
    return worst, block


def _tool_error(exc: Exception):
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(str(exc))


def check_packages_impl(packages: list[str], ecosystem: str = "pypi", offline: bool = False) -> S.CheckPackagesResult:
    try:
        reply = messages.handle_check({"packages": [{"name": p, "ecosystem": ecosystem} for p in packages],
                                       "offline": offline})
    except messages.MessageError as exc:
        raise _tool_error(exc) from exc
    worst, block = _worst(reply["results"])
    return S.CheckPackagesResult(results=reply["results"], worst_risk=worst, block=block)


def check_text_impl(text: str, ecosystem: Optional[str] = None, offline: bool = False) -> S.CheckTextResult:
    msg: dict[str, Any] = {"text": text, "offline": offline}
    if ecosystem:
        msg["ecosystem"] = ecosystem
    try:
        reply = messages.handle_check_text(msg)
    except messages.MessageError as exc:
        raise _tool_error(exc) from exc
    worst, block = _worst(reply["results"])
    return S.CheckTextResult(commands=reply["commands"], results=reply["results"], worst_risk=worst, block=block)


def scan_report(scan: dict) -> S.ScanReport:
    """Scan JSON (DESIGN 4.1) -> the tool's report; the short lists are report.scan_lists'."""
    package = scan.get("package") or {}
    verdict = scan.get("verdict") or {}
    from ..report import scan_lists

    lists = scan_lists(scan)
    return S.ScanReport(
        name=package.get("name", ""), ecosystem=package.get("ecosystem", ""), version=package.get("version"),
        backend=scan.get("backend"), is_malicious=bool(verdict.get("is_malicious")),
        probability=float(verdict.get("probability") or 0.0), risk=verdict.get("risk"),
        indicators=lists["indicator_details"], phases=scan.get("phases") or [],
        network=lists["network"], files=lists["files"], processes=lists["processes"],
        error=scan.get("error"), duration_s=scan.get("duration_s"))


def _stage_index(stage: str) -> int:
    for i, name in enumerate(SCAN_STAGES):
        if stage.startswith(name):
            return i + 1
    return 0


def _run_scan(name: str, ecosystem: str, deadline_s: float, backend: str, progress) -> dict:
    from ..ecosystems import validate_name

    validate_name(name, ecosystem)  # InputError before anything is fetched
    result = messages.scan_function()(name, ecosystem=ecosystem, backend=backend, timeout=deadline_s,
                                      progress=progress)
    return result if isinstance(result, dict) else result.to_dict()


def explain_impl(result: Optional[dict] = None, name: Optional[str] = None, ecosystem: str = "pypi",
                 offline: bool = False) -> S.Explanation:
    from ..explain import explain

    if (result is None) == (name is None):
        raise _tool_error(InputError("give either `result` (a check or scan result) or `name`"))
    if result is None:
        result = check_packages_impl([name], ecosystem, offline).results[0].model_dump()
    if not isinstance(result, dict) or not (result.get("name") or (result.get("package") or {}).get("name")):
        raise _tool_error(InputError("`result` must be a check record or a scan report (it has no name)"))
    return S.Explanation(**explain(result))


def build_server():
    """The MCPServer with its tools and resources (imported lazily: the `mcp` extra)."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer(name="slopspotter-lab", version=__version__, instructions=INSTRUCTIONS)
    _check_tools(server)
    _scan_tool(server)
    _resources(server)
    return server


def _check_tools(server) -> None:
    """check_packages, check_text and explain: the native host's check paths (fast, no sandbox)."""
    from pydantic import Field
    from typing_extensions import Annotated

    @server.tool(title="Check package names")
    def check_packages(
        packages: Annotated[list[str], Field(min_length=1, max_length=messages.MAX_CHECK_PACKAGES,
                                              description="names, optionally with a version: requests==2.32.3, left-pad@1.3.0")],
        ecosystem: Annotated[S.Ecosystem, Field(description="the registry the names belong to")] = "pypi",
        offline: Annotated[bool, Field(description="name heuristics only: ask no registry")] = False,
    ) -> S.CheckPackagesResult:
        """Risk of installing each package: does it exist, is it a typosquat of a popular name,
        is it new, does it run install scripts ... Fast (no sandbox)."""
        return check_packages_impl(packages, ecosystem, offline)

    @server.tool(title="Check install commands in text")
    def check_text(
        text: Annotated[str, Field(max_length=messages.MAX_TEXT_CHARS,
                                   description="an LLM answer, a README, or a shell command such as 'pip install x y'")],
        ecosystem: Annotated[Optional[S.Ecosystem], Field(description="only commands of this ecosystem")] = None,
        offline: Annotated[bool, Field(description="name heuristics only: ask no registry")] = False,
    ) -> S.CheckTextResult:
        """Find every install command (pip, uv, poetry, pipx, conda, npm, yarn, pnpm, bun ...)
        in the text and check each package it installs. Use it on a command before running it."""
        return check_text_impl(text, ecosystem, offline)

    @server.tool(title="Explain a result")
    def explain(
        result: Annotated[Optional[dict[str, Any]], Field(description="a record from check_packages/check_text or a scan_package report")] = None,
        name: Annotated[Optional[str], Field(description="or: a package name to check and explain")] = None,
        ecosystem: S.Ecosystem = "pypi",
        offline: bool = False,
    ) -> S.Explanation:
        """The indicators behind a verdict, most influential first, with their evidence and
        what each indicator id means."""
        return explain_impl(result, name, ecosystem, offline)


def _scan_tool(server) -> None:
    """scan_package: one sandbox at a time, with progress and a deadline past which it is abandoned."""
    import anyio
    from mcp.server.mcpserver import Context
    from pydantic import Field
    from typing_extensions import Annotated

    scan_lock = anyio.Lock()

    @server.tool(title="Deep scan a package in a sandbox")
    async def scan_package(
        name: Annotated[str, Field(description="package name, optionally name==version / name@version")],
        ctx: Context,
        ecosystem: Annotated[S.Ecosystem, Field(description="pypi or npm")] = "pypi",
        deadline_s: Annotated[float, Field(gt=0, le=3600, description="sandbox deadline in seconds")] = 180.0,
        backend: Annotated[str, Field(description="auto, docker, gvisor or libvirt")] = "auto",
    ) -> S.ScanReport:
        """Install, import and run the package inside a sandbox with the network cut off and
        fake credentials planted; report what it did. Slow (a minute or more); reports progress."""
        total = len(SCAN_STAGES) + 1
        started = time.monotonic()

        async def say(stage: str) -> None:
            await ctx.report_progress(_stage_index(stage), total, f"{name}: {stage}")

        def progress(stage: str) -> None:  # called in the scan's worker thread
            anyio.from_thread.run(say, stage)

        await say("queued")
        margin = float(os.environ.get(MARGIN_ENV, "60"))
        try:
            with anyio.fail_after(deadline_s + margin):
                async with scan_lock:  # one scan at a time: each one is a whole sandbox
                    scan = await anyio.to_thread.run_sync(
                        functools.partial(_run_scan, name, ecosystem, deadline_s, backend, progress),
                        abandon_on_cancel=True)
        except TimeoutError as exc:
            raise _tool_error(RuntimeError(
                f"the scan of {name} did not finish within {deadline_s:.0f} s + {margin:.0f} s; abandoned")) from exc
        except InputError as exc:
            raise _tool_error(exc) from exc
        await ctx.report_progress(total, total, f"{name}: done in {time.monotonic() - started:.0f} s")
        return scan_report(scan)


def _resources(server) -> None:
    """The model card and the indicator registry."""
    @server.resource("slopspotter://model-card", name="model-card", title="Model card",
                     description="the scoring model in use: data, held-out metrics, thresholds, limits",
                     mime_type="text/markdown")
    def model_card() -> str:
        from ..model.card import model_card as card

        return card()

    @server.resource("slopspotter://indicators", name="indicators", title="Indicator registry",
                     description="every indicator id: source, default severity, meaning, model feature",
                     mime_type="application/json")
    def indicators() -> str:
        import json

        from ..indicators import REGISTRY

        return json.dumps([{"id": s.id, "source": s.source, "severity": s.severity,
                            "description": s.description, "feature": s.feature} for s in REGISTRY.values()],
                          indent=1)


def serve(scan=None) -> int:
    """Serve MCP on stdin/stdout until the client closes it; `scan` replaces slopspotter_lab.scan.scan
    (a test's stand-in)."""
    if scan is not None:
        messages.use_scan(scan)
    server = build_server()
    if os.environ.get("SLOPSPOTTER_HOST_WARM", "1") != "0":  # load the popular lists while the client connects
        import threading

        from ..host.native import warm_check

        threading.Thread(target=warm_check, name="warm-check", daemon=True).start()
    server.run("stdio")
    return 0
