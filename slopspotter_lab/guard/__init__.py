"""`slopspotter-lab guard -- pip install ...`: check what an install would bring in, then run it
only if nothing reaches the threshold.

Fail closed: when the check itself cannot be done (registry unreachable, resolver error, a
URL/VCS package a name check cannot judge), the install is refused unless --allow-unverified;
and guard never exits 0 when something was blocked or left unchecked. Exit codes: see EXIT.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..model.scoring import risk_reaches

EXIT = {  # the guard's own exit codes (README "Exit codes" table)
    "ok": 0,            # everything checked, nothing reached --fail-on, the command ran and succeeded
    "blocked": 1,       # a package reached --fail-on: the command was not run
    "usage": 2,         # not an install command guard understands, or bad options
    "backend": 3,       # --deep asked for a sandbox and none works here
    "unverified": 4,    # the check could not be completed: refused (nothing run)
    "ran_unverified": 5,  # --allow-unverified: the command ran and succeeded, but not everything was checked
}
PY_TOOLS = {"pip", "uv", "poetry", "pipx"}
NPM_TOOLS = {"npm", "pnpm", "yarn"}


@dataclass
class Verdict:
    records: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # human-readable reasons
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds: resolve, check


def plan(argv: list[str], cwd: str | None = None):
    """The InstallCommand for argv (InputError if guard does not know it)."""
    from ..inputs import parse_command

    if not argv:
        raise InputError("nothing to guard: give the install command after --, e.g. guard -- pip install requests")
    cmd = parse_command(argv, cwd=cwd)
    if cmd is None or cmd.tool not in PY_TOOLS | NPM_TOOLS or cmd.subcommand in {"exec", "dlx", "run", "tool"}:
        raise InputError(f"not an install command guard knows: {' '.join(argv[:4])} "
                         "(pip/pip3/python -m pip install, uv pip install, uv add, poetry add, pipx install, "
                         "npm install|i|add, pnpm add|install, yarn add|install)")
    return cmd


def evaluate(argv: list[str], *, fail_on: str = "high", deep: bool = False, cwd: str | None = None,
             workers: int = 8, progress=None, policy=None) -> Verdict:
    """Resolve and check everything the command would install; nothing is installed or run.
    `policy` (policy.Policy): internal names, min-age and reviewed ignores apply here too."""
    from ..check_inputs import check_dependencies
    from .resolve import resolve_npm, resolve_python

    cwd = cwd or os.getcwd()
    cmd = plan(argv, cwd)
    v = Verdict(notes=[n.replace("reported, not followed (names are checked against the default registry)",
                                 "the install uses this index; names are checked against slopspotter's registry "
                                 "(SLOPSPOTTER_PYPI_URL / SLOPSPOTTER_NPM_URL)") for n in cmd.notes])
    t0 = time.monotonic()
    # warm the registry cache with the named packages while the resolver runs (they overlap)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="slop-guard") as pool:
        early = pool.submit(check_dependencies, [d for d in cmd.packages if d.checkable], workers=workers)
        if cmd.tool in NPM_TOOLS:
            resolved, problem = resolve_npm(cmd, argv, cwd)
        elif cmd.tool == "pipx" or cmd.subcommand in {"install", "pip install", "add"}:
            resolved, problem = resolve_python(cmd, argv)
        else:
            resolved, problem = [], f"{cmd.tool} {cmd.subcommand}: no resolver"
        early.result()
    if problem:
        v.unverified.append(f"full set not resolved ({problem}); only the named packages were checked")
    deps = _merge(cmd.packages, resolved)
    if not deps:
        v.notes.append("no packages to check")
    t1 = time.monotonic()
    v.records = check_dependencies(deps, workers=workers, progress=progress, policy=policy)
    v.timings = {"resolve": round(t1 - t0, 3), "check": round(time.monotonic() - t1, 3)}
    if policy is not None:
        from ..policy import apply_ignores

        apply_ignores(v.records, policy)
    for r in v.records:
        if r.get("ignored"):
            v.notes.append(f"{r['name']}: ignored by the policy ({r['ignored']['reason']})")
            continue
        if not r["checked"]:
            v.unverified.append(f"{r['name']}: {r['error']}")
        elif r["exists"] is None and not r.get("internal"):
            v.unverified.append(f"{r['name']}: registry look-up failed ({r['error'] or 'unknown error'})")
        if risk_reaches(r["risk"], fail_on):
            v.blocked.append(r)
    if deep and not v.blocked:
        _deep(v, fail_on)
    return v


def _merge(named, resolved):
    """Resolved entries (with versions and via) plus named ones the resolver did not list."""
    from ..ecosystems import normalize_name

    seen = {(d.ecosystem, normalize_name(d.name, d.ecosystem)) for d in resolved if d.checkable}
    extra = [d for d in named if d.kind != "constraint" and (
        not d.checkable or (d.ecosystem, normalize_name(d.name, d.ecosystem)) not in seen)]
    return extra + list(resolved)


def _deep(v: Verdict, fail_on: str) -> None:
    """Sandbox-scan the packages that exist but are not popular (new, unknown) before installing."""
    from ..errors import BackendUnavailable, SlopspotterError
    from ..heuristics.popular import popular_rank
    from ..scan import scan

    for r in v.records:
        if not r["checked"] or r["exists"] is not True or popular_rank(r["name"], r["ecosystem"]):
            continue
        try:
            result = scan(r["name"], ecosystem=r["ecosystem"], version=r.get("version"))
        except BackendUnavailable as exc:
            v.unverified.append(f"{r['name']}: deep scan unavailable ({exc})")
            continue
        except SlopspotterError as exc:  # no artifact to scan, registry trouble: not verified
            v.unverified.append(f"{r['name']}: deep scan failed ({exc})")
            continue
        if result.backend == "none":  # auto found no sandbox: heuristics only, not a deep scan
            v.unverified.append(f"{r['name']}: deep scan unavailable (no sandbox backend works here; "
                                "see `slopspotter-lab doctor`)")
            continue
        risk = (result.verdict or {}).get("risk")
        r["deep_risk"], r["deep_backend"] = risk, result.backend
        if risk_reaches(risk, fail_on):
            v.blocked.append(r)
        elif risk is None:
            v.unverified.append(f"{r['name']}: deep scan gave no verdict ({result.error or 'no error given'})")


def report(v: Verdict, stream=None) -> None:
    stream = stream or sys.stderr
    for note in v.notes:
        print(f"guard: note: {note}", file=stream)
    checked = [r for r in v.records if r["checked"]]
    took = f" (resolved in {v.timings['resolve']:.1f} s, checked in {v.timings['check']:.1f} s)" if v.timings else ""
    print(f"guard: checked {len(checked)} of {len(v.records)} packages{took}", file=stream)
    for r in v.blocked:
        why = ", ".join(i["id"] for i in r.get("indicators") or []) or r.get("deep_risk") or ""
        via = f" (via {r['via']})" if r.get("via") else ""
        hint = f"; did you mean {r['suggestion']}?" if r.get("suggestion") else ""
        print(f"guard: BLOCKED {r['name']}{via}: risk {r.get('deep_risk') or r['risk']} ({why}){hint}", file=stream)
    for reason in v.unverified:
        print(f"guard: UNVERIFIED {reason}", file=stream)


def cli_guard(args) -> int:
    """`slopspotter-lab guard [--fail-on RISK] [--allow-unverified] [--deep] -- CMD ...`."""
    if getattr(args, "print_alias", None):
        from .alias import aliases

        print(aliases(args.print_alias))
        return 0
    argv = list(args.install_command or [])
    if argv and argv[0] == "--":
        argv = argv[1:]
    from ..check_inputs import progress_bar
    from ..policy import load_policy, warn_expired

    policy = load_policy(getattr(args, "config", None))
    warn_expired(policy)
    v = evaluate(argv, fail_on=args.fail_on, deep=args.deep, workers=args.workers, progress=progress_bar(),
                 policy=policy)
    if args.format == "json":
        import json

        print(json.dumps({"command": argv, "blocked": [r["name"] for r in v.blocked], "unverified": v.unverified,
                          "notes": v.notes, "timings": v.timings, "records": v.records}, indent=1))
    report(v)
    if v.blocked:
        print("guard: not installing (nothing was run)", file=sys.stderr)
        return EXIT["blocked"]
    if v.unverified and not args.allow_unverified:
        print("guard: refusing to install what could not be checked (nothing was run); "
              "--allow-unverified runs it anyway", file=sys.stderr)
        if any("deep scan unavailable" in u for u in v.unverified):
            return EXIT["backend"]
        return EXIT["unverified"]
    if args.dry_run:
        print("guard: --dry-run: checks passed, not running the command", file=sys.stderr)
        return EXIT["ran_unverified"] if v.unverified else EXIT["ok"]
    sys.stderr.flush()
    try:
        # with --format json stdout carries only the verdict: the command's output goes to stderr
        code = subprocess.call(argv, stdout=sys.stderr if args.format == "json" else None)
    except OSError as exc:
        raise InputError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    if code == 0 and v.unverified:
        return EXIT["ran_unverified"]
    return code
