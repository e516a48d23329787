"""Per-package work, run wherever the executor puts it (thread, process, Dask worker).

A task takes a list of job dicts and returns one outcome per job: `{"row": flat dict,
"detail": full JSON-able record}`. Package-level failures (bad name, broken archive, a scan
error) become rows with `status="error"`; infrastructure failures (engine down, container or VM
failed to start) are retried a bounded number of times first.
"""

from __future__ import annotations

import importlib
import logging
import time
from typing import Any, Callable

log = logging.getLogger(__name__)

ROW_COLUMNS = [
    "key", "name", "ecosystem", "version", "mode", "status", "backend", "is_malicious",
    "probability", "risk", "top_indicators", "n_indicators", "n_processes", "n_endpoints",
    "n_dns", "n_files", "n_syscalls", "phase_install", "phase_import", "phase_execute",
    "reason_install", "reason_import", "reason_execute", "exists", "typosquat_of", "error", "attempts", "duration_s",
]
TOP_N = 5


class InfrastructureError(RuntimeError):
    """The sandbox machinery failed (not the package): worth retrying."""


def _transient_types() -> tuple[type, ...]:
    import requests

    from ..errors import BackendUnavailable

    types: list[type] = [InfrastructureError, ConnectionError, TimeoutError, BackendUnavailable,
                         requests.exceptions.ConnectionError]
    try:
        import docker.errors  # the docker extra: absent, no Docker errors can happen either

        types.append(docker.errors.DockerException)
    except ImportError:
        pass
    return tuple(types)


def top_indicators(indicators: list[dict], n: int = TOP_N) -> str:
    """The strongest indicator ids, ';'-joined (portable to CSV; the order of indicators.rank)."""
    from ..indicators import rank

    ranked = rank(indicators)
    return ";".join(dict.fromkeys(i["id"] for i in ranked))[:400] if ranked else ""


def base_row(job: dict, mode: str) -> dict[str, Any]:
    row = {c: None for c in ROW_COLUMNS}
    row.update(key=job["key"], name=job["name"], ecosystem=job["ecosystem"], version=job.get("version"), mode=mode)
    return row


def scan_row(job: dict, d: dict) -> dict[str, Any]:
    """Flatten a ScanResult.to_dict() into one batch row."""
    row = base_row(job, "scan")
    verdict = d.get("verdict") or {}
    inds = d.get("indicators") or []
    phases = {p.get("name"): p.get("status") for p in d.get("phases") or []}
    reasons = {p.get("name"): p.get("failure_reason") for p in d.get("phases") or []}
    row.update(
        status="ok",  # scan() returned a verdict; notes are in error
        backend=d.get("backend"), is_malicious=verdict.get("is_malicious"),
        probability=verdict.get("probability"), risk=verdict.get("risk"),
        top_indicators=top_indicators(inds), n_indicators=len(inds),
        n_processes=len(d.get("processes") or []), n_endpoints=len(d.get("endpoints") or []),
        n_dns=len(d.get("dns") or []), n_files=len(d.get("files") or []),
        n_syscalls=d.get("syscall_count"), phase_install=phases.get("install"),
        phase_import=phases.get("import"), phase_execute=phases.get("execute"),
        reason_install=reasons.get("install"), reason_import=reasons.get("import"),
        reason_execute=reasons.get("execute"), version=(d.get("package") or {}).get("version") or job.get("version"), error=d.get("error"),
    )
    return row


def check_row(job: dict, rec: dict) -> dict[str, Any]:
    row = base_row(job, "check")
    inds = rec.get("indicators") or []
    row.update(status="ok", backend="none",  # error holds notes such as "offline"
               is_malicious=rec.get("risk") == "high", probability=rec.get("score"), risk=rec.get("risk"),
               top_indicators=top_indicators(inds), n_indicators=len(inds), exists=rec.get("exists"),
               typosquat_of=rec.get("typosquat_of"), error=rec.get("error"),
               version=rec.get("version") or job.get("version"))
    return row


# ------------------------------------------------------------------------------ per-package fns

def run_check(job: dict, *, offline: bool = False, **_) -> dict:
    from ..check import check_one, to_spec

    spec = to_spec({"name": job["name"], "ecosystem": job["ecosystem"], "version": job.get("version")})
    rec = check_one(spec, offline=offline, model=_model())
    return {"row": check_row(job, rec), "detail": rec}


def run_scan(job: dict, *, backend: str = "auto", timeout: float = 120.0, offline: bool = False, **_) -> dict:
    from ..scan import scan

    result = scan(job["name"], job["ecosystem"], version=job.get("version"), backend=backend,
                  timeout=timeout, offline=offline)
    if result.backend != "none" and not result.phases:
        raise InfrastructureError(result.error or "the sandbox produced no phase records")
    d = result.to_dict(include_syscalls=True)
    return {"row": scan_row(job, d), "detail": d}


_MODEL = None


def _model():
    """The scoring model, loaded once per worker process."""
    global _MODEL
    if _MODEL is None:
        from ..model.scoring import load_model

        _MODEL = load_model()
    return _MODEL


def warm(mode: str) -> None:
    """Load what every check needs once, before worker processes fork and inherit it."""
    if mode != "check":
        return
    from ..heuristics.popular import load_popular

    _model()
    for eco in ("pypi", "npm"):
        load_popular(eco)


MODES: dict[str, Callable[..., dict]] = {"check": run_check, "scan": run_scan}


def resolve_task(task) -> Callable[..., dict]:
    """A mode name, a callable, or 'module:function' (a custom analyser) -> the per-package fn."""
    if callable(task):
        return task
    if task in MODES:
        return MODES[task]
    if isinstance(task, str) and ":" in task:
        module, _, fn = task.partition(":")
        return getattr(importlib.import_module(module), fn)
    raise ValueError(f"unknown batch task {task!r}")


def _normalise(job: dict, out: Any, mode: str) -> dict:
    """Accept what a custom task returns: an outcome dict, a row dict, or a ScanResult."""
    if hasattr(out, "to_dict") and hasattr(out, "verdict"):
        d = out.to_dict(include_syscalls=True)
        return {"row": scan_row(job, d), "detail": d}
    if isinstance(out, dict) and "row" in out:
        row = base_row(job, mode)
        row.update(out["row"])
        row["key"] = job["key"]
        return {"row": row, "detail": out.get("detail")}
    row = base_row(job, mode)
    row.update(status="ok", **(out or {}))
    row["key"] = job["key"]
    return {"row": row, "detail": None}


def run_one(job: dict, task, mode: str, retries: int, backoff: float, options: dict) -> dict:
    """Run one package with bounded retries of infrastructure failures; never raises."""
    fn = resolve_task(task)
    transient = _transient_types()
    started, attempt = time.monotonic(), 0
    while True:
        attempt += 1
        try:
            outcome = _normalise(job, fn(job, **options), mode)
            break
        except transient as exc:
            if attempt <= retries:
                log.warning("%s: infrastructure failure (attempt %d/%d): %s", job["key"], attempt, retries + 1, exc)
                time.sleep(backoff * 2 ** (attempt - 1))
                continue
            outcome = _failure(job, mode, f"infrastructure failure after {attempt} attempts: {type(exc).__name__}: {exc}")
            break
        except Exception as exc:  # a package-level failure is a result, not a crash
            outcome = _failure(job, mode, f"{type(exc).__name__}: {exc}")
            break
    outcome["row"]["attempts"] = attempt
    outcome["row"]["duration_s"] = round(time.monotonic() - started, 3)
    return outcome


def _failure(job: dict, mode: str, message: str) -> dict:
    row = base_row(job, mode)
    row.update(status="error", error=message[:2000])
    return {"row": row, "detail": None}


def run_chunk(jobs: list[dict], task, mode: str, retries: int = 2, backoff: float = 1.0,
              options: dict | None = None) -> list[dict]:
    """The unit an executor runs: several packages, one outcome each (amortises dispatch)."""
    return [run_one(job, task, mode, retries, backoff, options or {}) for job in jobs]
