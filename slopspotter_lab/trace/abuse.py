"""Resource abuse and tracer tampering, judged from what a scan left behind (issue #8.2, #8.3).

The limits themselves are enforced by the backend (pids, memory, sized tmpfs, output caps,
deadlines); this module turns the marks they leave into the indicators `resource_abuse` and
`tracer_tamper`, so a fork storm or a killed tracer ends in a readable result, not a crash.

Evidence is taken from two places, whichever a backend provides:
- `run` (SandboxRun): timed_out, and `details` facts a backend may set - `oom_killed`,
  `pids_limit_hit`, `disk_full`, `output_truncated`, `trace_truncated`, `tracer_exit`,
  `tracer_pid`, `killed_all`;
- the parser's frames (TraceFrames): `phases` (status `timeout`, `killed`, exit codes, the
  tail of each phase's output), `harness` (phase starts, tracer exit, status), and `syscalls`:
  failing fork/clone (EAGAIN), mmap/brk (ENOMEM), writes (ENOSPC, EDQUOT), and signals sent
  to the tracer, to pid 1 or to every process (kill(-1, ...)).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable

from ..indicators import REGISTRY, Indicator

FORK_CALLS = {"fork", "vfork", "clone", "clone3"}
MEM_CALLS = {"mmap", "brk", "mremap"}
WRITE_CALLS = {"write", "pwrite64", "writev", "openat", "open", "creat", "fallocate", "mkdir", "mkdirat"}
KILL_CALLS = {"kill", "tkill", "tgkill", "pidfd_send_signal", "ptrace"}
TEXT_MARKS = {
    "pids": re.compile(r"Resource temporarily unavailable|fork: retry|can't fork|BlockingIOError", re.I),
    "memory": re.compile(r"MemoryError|Cannot allocate memory|out of memory|heap out of memory", re.I),
    "disk": re.compile(r"No space left on device|Disk quota exceeded|ENOSPC", re.I),
}
MIN_FAILED_CALLS = 3  # one EAGAIN is noise; a storm leaves many


def _errno_name(value: Any) -> str:
    """'EAGAIN', 11, '11', 'EAGAIN (Resource temporarily unavailable)' -> 'EAGAIN'."""
    import errno as _errno

    if value is None or value != value:  # None or NaN
        return ""
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return _errno.errorcode.get(abs(int(text)), text)
    return text.split()[0].upper() if text else ""


def _syscall_rows(frames) -> list[dict]:
    df = frames.syscalls
    if len(df) == 0:
        return []
    cols = [c for c in ("phase", "pid", "name", "args", "retval", "errno") if c in df.columns]
    return df[cols].to_dict("records")


def _failed_calls(rows: Iterable[dict], names: set[str], errnos: set[str]) -> Counter:
    """Count, by phase, calls in `names` that failed with one of `errnos`."""
    out: Counter = Counter()
    for r in rows:
        if r.get("name") in names and _errno_name(r.get("errno")) in errnos:
            out[r.get("phase") or "?"] += 1
    return out


def _phase_text(phases: list[dict]) -> dict[str, str]:
    return {p.get("name", "?"): str(p.get("output_tail") or "") for p in phases or []}


def _first_arg(args: Any) -> str:
    if isinstance(args, (list, tuple)):
        return str(args[0]).strip() if args else ""
    return str(args or "").strip().lstrip("(").split(",")[0].strip()


def _abuse(kind: str, evidence: str, phase: str | None, severity: str | None = None) -> Indicator:
    severity = severity or REGISTRY["resource_abuse"].severity
    return Indicator("resource_abuse", severity, evidence, source="dynamic", phase=phase, extra={"kind": kind})


def _tamper(kind: str, evidence: str, phase: str | None, severity: str | None = None) -> Indicator:
    severity = severity or REGISTRY["tracer_tamper"].severity
    return Indicator("tracer_tamper", severity, evidence, source="dynamic", phase=phase, extra={"kind": kind})


def resource_indicators(run, phases: list[dict], rows: list[dict]) -> list[Indicator]:
    """One `resource_abuse` per kind of limit that was hit (pids, memory, disk, output, time)."""
    details = getattr(run, "details", None) or {}
    texts = _phase_text(phases)
    found: list[Indicator] = []

    def from_text(kind: str) -> str | None:
        return next((ph for ph, t in texts.items() if TEXT_MARKS[kind].search(t)), None)

    forks = _failed_calls(rows, FORK_CALLS, {"EAGAIN"})
    if details.get("pids_limit_hit") or sum(forks.values()) >= MIN_FAILED_CALLS or from_text("pids"):
        phase = forks.most_common(1)[0][0] if forks else from_text("pids")
        found.append(_abuse("pids", f"process limit hit: {sum(forks.values())} fork/clone calls failed "
                                    "with EAGAIN" if forks else "process limit hit (fork failed)", phase))
    mem = _failed_calls(rows, MEM_CALLS, {"ENOMEM"})
    killed9 = [p for p in phases or [] if p.get("status") == "killed" and p.get("exit_code") in (-9, 137)]
    if details.get("oom_killed") or sum(mem.values()) >= MIN_FAILED_CALLS or from_text("memory") or killed9:
        broken = [p["name"] for p in phases or [] if p.get("status") in ("killed", "failed")]
        phase = (mem.most_common(1)[0][0] if mem else None) or from_text("memory") or \
            (killed9[0]["name"] if killed9 else None) or (broken[0] if broken else None)
        why = ("the sandbox was OOM-killed" if details.get("oom_killed") else
               "memory limit hit" if mem or from_text("memory") else
               f"the {phase} phase was SIGKILLed without a deadline (the OOM killer at the memory limit)")
        found.append(_abuse("memory", f"{why} ({sum(mem.values())} allocations failed with ENOMEM)", phase))
    disk = _failed_calls(rows, WRITE_CALLS, {"ENOSPC", "EDQUOT"})
    disk_text = from_text("disk")
    if details.get("disk_full") or disk or disk_text:
        phase = (disk.most_common(1)[0][0] if disk else None) or disk_text
        found.append(_abuse("disk", f"disk limit hit: {sum(disk.values())} writes failed with ENOSPC" if disk else
                            "disk limit hit: 'No space left on device' in the output" if disk_text else
                            "disk limit hit (the sandbox reported its scratch full)", phase))
    flooded = [p for p in phases or [] if p.get("output_truncated")]
    if details.get("output_truncated") or flooded:
        what = details.get("output_truncated") or ", ".join(
            f"{p['name']} wrote {int(p.get('output_bytes') or 0) >> 20} MiB" for p in flooded)
        found.append(_abuse("output", f"output cap hit: {what}", flooded[0]["name"] if flooded else None))
    timeouts = [p["name"] for p in phases or [] if p.get("status") == "timeout"]
    if timeouts or getattr(run, "timed_out", False):
        what = f"phase deadline hit in {', '.join(timeouts)}" if timeouts else "overall scan deadline hit"
        found.append(_abuse("time", what, timeouts[0] if timeouts else None, "low" if timeouts else "medium"))
    return found


FATAL = re.compile(r"SIG(KILL|TERM|STOP|INT|QUIT|HUP|ABRT|SEGV)|\b(9|15|19|0x9|0xf|0x13)\b")


def _kill_rows(rows: list[dict], tracer: str, own: set[str]) -> list[Indicator]:
    """Signals to every process, to pid 1, to the tracer, or fatal ones outside the own tree."""
    for r in rows:
        if r.get("name") not in KILL_CALLS:
            continue
        target = _first_arg(r.get("args"))
        fatal = r.get("name") == "ptrace" or bool(FATAL.search(str(r.get("args") or "")))
        outside = own and target.lstrip("-").isdigit() and target not in own and int(target) > 1 and fatal
        if target in {"-1", "1"} or (tracer and target == tracer) or outside:
            who = {"-1": "every process it could see", "1": "pid 1 (init)"}.get(
                target, f"the tracer (pid {tracer})" if target == tracer else f"pid {target}, outside its own process tree")
            return [_tamper("kill", f"pid {r.get('pid')} sent {r.get('name')}({r.get('args')}) to {who}", r.get("phase"))]
    return []


def tamper_indicators(run, phases: list[dict], rows: list[dict], own_pids: set[str] | None = None,
                      facts: dict | None = None) -> list[Indicator]:
    """`tracer_tamper` when the tracer was signalled or died early, the trace was cut short, or
    the package killed every process it could see (phases that started but never reported).
    `facts` is the harness's own record (TraceFrames.harness: phase starts, tracer exit, status)."""
    details = getattr(run, "details", None) or {}
    facts = facts or {}
    found = _kill_rows(rows, str(details.get("tracer_pid") or ""), own_pids or set())
    reported = {p.get("name") for p in phases or []}
    lost = [s.get("name") for s in facts.get("phase_starts") or [] if s.get("name") not in reported]
    if lost:
        found.append(_tamper("kill_all", f"the phase runner was killed during {', '.join(lost)}: "
                                         "that phase never reported (what was traced before is kept)", lost[0]))
    strace_exit = facts.get("strace_exit")
    # strace re-raises its tracee's fatal signal, so a killed runner (lost phases) explains it
    if isinstance(strace_exit, int) and strace_exit < 0 and facts.get("status") == "ok" and not lost:
        details = {**details, "tracer_exit": details.get("tracer_exit") or f"strace killed by signal {-strace_exit}"}
    if facts.get("status") == "trace_truncated":
        details = {**details, "trace_truncated": details.get("trace_truncated") or "the trace hit its size cap"}
    if details.get("killed_all"):
        found.append(_tamper("kill_all", "every visible process was killed during the scan", None))
    if details.get("tracer_exit"):
        found.append(_tamper("tracer_died", f"the tracer exited before the scan ended: {details['tracer_exit']}", None))
    if details.get("trace_truncated"):
        found.append(_tamper("trace_truncated", f"the trace is incomplete: {details['trace_truncated']}", None,
                             "medium"))
    return found


def abuse_indicators(run, frames) -> list[Indicator]:
    """Entry point the scan pipeline calls: resource_abuse + tracer_tamper indicators, from the
    run (SandboxRun) and the parser's frames (trace.frames.TraceFrames: phases, harness, syscalls)."""
    rows = _syscall_rows(frames)
    own = {str(int(p)) for p in frames.processes["pid"]}
    return (resource_indicators(run, frames.phases, rows)
            + tamper_indicators(run, frames.phases, rows, own, frames.harness))
