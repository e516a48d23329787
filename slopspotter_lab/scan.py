"""Deep scan: `scan(name_or_path, ...) -> ScanResult` and the `scan` command.

Backend-agnostic: build the job (a PreparedJob: harness + prefetched artifacts + job.json),
hand its SandboxJob to whichever backend resolve_backend() picked, parse SandboxRun.outdir into
the DESIGN 4.2 frames, derive dynamic indicators, add the heuristics, and score everything with
the model file. With backend="auto" and no sandbox available, the result is heuristic-only
(backend "none", `error` says why).
"""

from __future__ import annotations

import html
import json
import logging
import math
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from ._callable import make_module_callable
from .errors import InputError
from .ecosystems import Ecosystem, PackageSpec, parse_spec
from .indicators import Indicator, as_dicts
from .trace.frames import COLUMNS as FRAMES

log = logging.getLogger(__name__)


def _plain(value):
    """JSON-safe scalar: NaN/NA -> None, numpy -> python, lists kept."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _plain(value.tolist())
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def frame_records(df: pd.DataFrame) -> list[dict]:
    cols = list(df.columns)
    return [{c: _plain(v) for c, v in zip(cols, row)} for row in df.itertuples(index=False, name=None)]


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=FRAMES[name])


# A phase in the JSON and in `ScanResult.phases_frame`: the contract's four keys, then why it
# failed (trace/phase_reasons.py), the last output it printed (capped by the runner, and here) and,
# for an import run from the unpacked sources after install failed, source_tree = True.
PHASE_KEYS = ("name", "status", "exit_code", "duration_s", "failure_reason", "output_tail", "source_tree")
TAIL_CAP = 2000


def _phase_record(p: dict) -> dict:
    rec = {k: _plain(p.get(k)) for k in PHASE_KEYS}
    rec["output_tail"] = str(rec["output_tail"])[-TAIL_CAP:] if rec["output_tail"] else None
    rec["source_tree"] = bool(rec["source_tree"])
    return rec


@dataclass
class ScanResult:
    """What one scan found: the frames, the phases, the indicators and the verdict."""

    package: dict[str, Any]
    backend: str
    verdict: dict[str, Any]
    indicators: list[Indicator] = field(default_factory=list)
    phases: list[dict] = field(default_factory=list)
    processes: pd.DataFrame = field(default_factory=lambda: _empty("processes"))
    endpoints: pd.DataFrame = field(default_factory=lambda: _empty("endpoints"))
    dns: pd.DataFrame = field(default_factory=lambda: _empty("dns"))
    files: pd.DataFrame = field(default_factory=lambda: _empty("files"))
    syscalls: pd.DataFrame = field(default_factory=lambda: _empty("syscalls"))
    syscall_count: int = 0
    error: str | None = None
    duration_s: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_malicious(self) -> bool:
        return bool(self.verdict.get("is_malicious"))

    @property
    def phases_frame(self) -> pd.DataFrame:
        """One row per phase: status, exit code, duration, failure_reason and the output tail."""
        return pd.DataFrame([_phase_record(p) for p in self.phases], columns=list(PHASE_KEYS))

    @property
    def dynamic_indicators(self) -> list[Indicator]:
        return [i for i in self.indicators if i.source == "dynamic"]

    def to_dict(self, include_syscalls: bool = False) -> dict[str, Any]:
        """The contract JSON (DESIGN 4.1 scan); syscalls rows only on request (they are many)."""
        out = {
            "package": dict(self.package), "backend": self.backend, "verdict": dict(self.verdict),
            "indicators": as_dicts(self.indicators),
            "phases": [_phase_record(p) for p in self.phases],
            "processes": frame_records(self.processes), "endpoints": frame_records(self.endpoints),
            "dns": frame_records(self.dns), "files": frame_records(self.files),
            "syscall_count": int(self.syscall_count), "error": self.error,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
            "details": self.details,
        }
        if include_syscalls:
            out["syscalls"] = frame_records(self.syscalls)
        return out

    def to_json(self, indent: int | None = None, include_syscalls: bool = False) -> str:
        return json.dumps(self.to_dict(include_syscalls), indent=indent, default=str)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ScanResult":
        """Rebuild a result from to_dict() output (replaying recorded scans in notebooks)."""
        frames = {}
        for name, cols in FRAMES.items():
            rows = d.get(name) or []
            frames[name] = pd.DataFrame(rows, columns=list(dict.fromkeys([*cols, *(rows[0].keys() if rows else [])])))
        return cls(package=dict(d.get("package") or {}), backend=d.get("backend", "none"),
                   verdict=dict(d.get("verdict") or {}),
                   indicators=[Indicator.from_dict(i) for i in d.get("indicators") or []],
                   phases=list(d.get("phases") or []), syscall_count=int(d.get("syscall_count") or 0),
                   error=d.get("error"), duration_s=d.get("duration_s"), details=dict(d.get("details") or {}),
                   **frames)

    @classmethod
    def from_json(cls, text: str) -> "ScanResult":
        return cls.from_dict(json.loads(text))

    def summary(self) -> str:
        """The human summary (the `table` format of the reporters)."""
        from .report import scan_table

        return scan_table(self.to_dict())

    def __repr__(self) -> str:
        return f"<ScanResult {self.package.get('name')!r} backend={self.backend} verdict={self.verdict}>"

    def _repr_html_(self) -> str:
        v = self.verdict
        color = {"high": "#c0392b", "medium": "#d68910", "low": "#1e8449"}.get(v.get("risk"), "#555")
        rows = "".join(f"<tr><td>{html.escape(i.severity)}</td><td>{html.escape(i.id)}</td>"
                       f"<td>{html.escape(i.phase or '')}</td><td>{html.escape(i.evidence[:160])}</td></tr>"
                       for i in self.indicators)
        phases = ", ".join(f"{html.escape(str(p.get('name')))}: {html.escape(str(p.get('status')))}" for p in self.phases)
        err = f"<p><i>{html.escape(self.error)}</i></p>" if self.error else ""
        return (f"<div><b>{html.escape(str(self.package.get('name')))}</b> ({html.escape(str(self.package.get('ecosystem')))}) "
                f"- backend {html.escape(self.backend)} - <span style='color:{color}'><b>{html.escape(str(v.get('risk')))}</b>"
                f" (p={v.get('probability')})</span>{err}<p>phases: {phases}</p>"
                f"<table><tr><th>severity</th><th>id</th><th>phase</th><th>evidence</th></tr>{rows}</table>"
                f"<p>{len(self.processes)} processes, {len(self.endpoints)} endpoints, {len(self.dns)} DNS queries, "
                f"{len(self.files)} file events, {self.syscall_count} syscalls</p></div>")


# ------------------------------------------------------------------------------- the pipeline

def _heuristics(spec: PackageSpec, meta, artifact, offline: bool) -> tuple[list[Indicator], str | None]:
    from .heuristics import run_heuristics

    try:
        return list(run_heuristics(spec, meta, artifact, offline=offline)), None
    except Exception as exc:  # a heuristic bug must not hide what the sandbox saw
        log.warning("heuristics failed: %s", exc)
        return [], f"heuristics failed: {exc}"


def _verdict(indicators: list[Indicator], dynamic: bool) -> tuple[dict, list[Indicator]]:
    from .model.scoring import load_model

    model = load_model()
    score = model.score(indicators, dynamic=dynamic)
    verdict = {"is_malicious": score.risk == "high", "probability": round(score.probability, 4), "risk": score.risk}
    return verdict, score.annotate(indicators)


def _heuristic_only(spec, meta, package, artifact, offline, error, started) -> ScanResult:
    """The result when nothing can run in a sandbox: heuristics and the reason why."""
    inds, _ = _heuristics(spec, meta, artifact, offline)
    verdict, inds = _verdict(inds, dynamic=False)
    return ScanResult(package=package, backend="none", verdict=verdict, indicators=inds, error=error,
                      duration_s=time.monotonic() - started)


def _dynamic(job, run) -> tuple[Any, list[Indicator]]:
    """Parse what the sandbox left in /out into frames, and the dynamic indicators they show."""
    from .trace import build_frames
    from .trace.abuse import abuse_indicators
    from .trace.indicators import dynamic_indicators

    frames = build_frames(run.outdir)
    try:
        abuse = abuse_indicators(run, frames)
    except Exception as exc:  # a detector bug must not hide the other indicators
        log.warning("abuse indicators failed: %s", exc)
        abuse = []
    return frames, dynamic_indicators(frames, dict(job.canaries)) + abuse


def _sandbox_result(job, run, chosen, package, inds, herr, started) -> ScanResult:
    """Frames, indicators and verdict of a run, with every reason it may be incomplete."""
    from .trace.phase_reasons import annotate

    frames, dyn = _dynamic(job, run)
    frames.phases = annotate(frames.phases)
    ran = bool(frames.phases)
    missing = run.details.get("trace_missing")
    # no syscall trace: what was not seen is not clean (fail closed: scored as if no scan ran,
    # unless other dynamic evidence - honeytokens, the fake network - showed something)
    verdict, all_inds = _verdict(inds + dyn, dynamic=ran and not missing)
    errors = [e for e in (run.error, herr if ran else None) if e]
    if missing:
        errors.append(f"{missing}: the verdict counts no syscall evidence (scored as unscanned)")
    if not ran:
        errors.append(f"the sandbox produced no phase records (exit {run.exit_code}): "
                      f"{(frames.harness.get('strace_stderr') or run.stderr_head or '')[-300:]}")
    if run.timed_out:
        errors.append(f"the scan hit its {job.timeout:.0f} s deadline")
    details = {"scan_id": job.scan_id, "sandbox": run.details, "sandbox_duration_s": round(run.duration_s, 3),
               "network": frames.harness.get("network"), "harness_status": frames.harness.get("status"),
               **({"deps_prefetch": list(job.deps_prefetch)} if job.deps_prefetch else {})}
    return ScanResult(package=package, backend=chosen.name, verdict=verdict, indicators=all_inds,
                      phases=frames.phases, processes=frames.processes, endpoints=frames.endpoints,
                      dns=frames.dns, files=frames.files, syscalls=frames.syscalls,
                      syscall_count=frames.syscall_count, error="; ".join(errors) or None,
                      duration_s=time.monotonic() - started, details=details)


def scan(name_or_path: str, ecosystem: str | Ecosystem = "pypi", version: str | None = None,
         backend: str = "auto", timeout: float = 120.0, *, offline: bool = False, execute: bool = True,
         progress: Callable[[str], None] | None = None, keep_workdir: bool = False,
         trace_mode: str | None = None) -> ScanResult:
    """Deep-scan a package name or a local artifact/source directory; see the module docstring.

    `trace_mode` ("gvisor" | "strace") picks the gVisor backend's tracer; other backends refuse it."""
    from .sandbox import availability, resolve_backend
    from .sandbox.jobs import build_job, new_workdir

    started = time.monotonic()
    say = progress or (lambda msg: log.info(msg))
    spec = parse_spec(name_or_path, ecosystem, version=version)
    package = {"name": spec.name, "ecosystem": spec.ecosystem.value, "version": spec.version,
               "source": "local" if spec.is_local else "registry"}
    meta = None
    if not spec.is_local:
        from .registry import fetch_metadata

        say("metadata")
        meta = fetch_metadata(spec, offline=offline)
        package["version"] = meta.version or spec.version
        if meta.exists is False:
            return _heuristic_only(spec, meta, package, None, offline,
                                   f"{spec.name} does not exist on {spec.ecosystem.value}; nothing to scan", started)
        # no version asked for: let pip/npm pick the newest one that installs in the sandbox
        # (the registry's latest may need a newer Python); the artifact names what ran
    chosen = resolve_backend(backend, trace_mode=trace_mode)
    if chosen is None:
        why = "; ".join(f"{k}: {v[1]}" for k, v in availability().items())
        return _heuristic_only(spec, meta, package, spec.path, offline,
                               f"no sandbox backend available, heuristic verdict only ({why})", started)
    if offline:
        raise InputError("a deep scan needs the registry to fetch the artifact; --offline allows heuristics only")
    workdir = new_workdir()
    try:
        say("prefetch")
        job = build_job(spec, workdir, timeout, uuid.uuid4().hex[:12], meta=meta, execute=execute,
                        trace_mode=trace_mode)
        package["version"] = job.version or package["version"]  # the artifact's own metadata
        if spec.is_local:
            package["name"] = job.dist_name  # never the file name
        inds, herr = _heuristics(spec, meta, job.artifact, offline)
        say(f"sandbox ({chosen.name})")
        run = chosen.run(job.sandbox)
        say("parse")
        return _sandbox_result(job, run, chosen, package, inds, herr, started)
    finally:
        if keep_workdir:
            log.warning("kept %s", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def cli_scan(args) -> int:
    def progress(msg: str) -> None:
        print(f"[scan] {msg}", file=sys.stderr, flush=True)

    from .policy import apply_ignores, failing, load_policy, warn_expired

    policy = load_policy(getattr(args, "config", None))
    warn_expired(policy)
    result = scan(args.target, ecosystem=args.ecosystem, version=args.pkg_version, backend=args.backend,
                  timeout=args.timeout, progress=progress, trace_mode=getattr(args, "trace_mode", None))
    from .report import render_scan
    from .sarif import scan_records

    doc = result.to_dict()
    record = apply_ignores(scan_records([doc], paths=[args.target]), policy)[0]
    if args.format == "sarif":  # the SARIF view needs the scanned path and the policy's verdict
        doc = {**doc, "target": args.target, "ignored": record.get("ignored")}
    print(render_scan(doc, args.format))
    return 1 if failing([record], getattr(args, "fail_on", None) or policy.fail_on) else 0


make_module_callable(__name__, "scan")
