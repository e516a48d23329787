"""trace.abuse: each kind of limit hit and each kind of tamper yields its indicator; a clean run
yields none (the unit half; the real scans are in test_hostile_scans.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from slopspotter_lab.sandbox.base import SandboxRun
from slopspotter_lab.trace.abuse import abuse_indicators as _abuse_indicators
from slopspotter_lab.trace.frames import TraceFrames


def _run(**details) -> SandboxRun:
    timed_out = details.pop("timed_out", False)
    return SandboxRun(backend="docker", outdir=Path("/nonexistent"), exit_code=0, timed_out=timed_out,
                      duration_s=1.0, details=details)


def _phase(name="install", status="ok", exit_code=0, tail=""):
    return {"name": name, "status": status, "exit_code": exit_code, "duration_s": 1.0, "output_tail": tail}


def _sys(rows):
    return {"syscalls": pd.DataFrame(rows, columns=["phase", "pid", "ts", "name", "args", "retval", "errno"])}


def abuse_indicators(run, phases, frames, harness=None):
    """The detector on parser frames built from these phases, frames and harness record."""
    return _abuse_indicators(run, TraceFrames.of(phases=phases, harness=harness or {}, **frames))


def _ids(inds):
    return sorted((i.id, i.extra.get("kind")) for i in inds)


def test_clean_run_has_no_indicator():
    frames = _sys([["import", 5, 0.1, "clone", "flags", 6, None], ["import", 5, 0.2, "write", "1", 3, ""]])
    assert abuse_indicators(_run(), [_phase(), _phase("import")], frames) == []


def test_fork_storm_from_syscalls_and_errno_numbers():
    rows = [["install", 7, 0.1 * i, "clone", "...", -1, "EAGAIN" if i % 2 else 11] for i in range(6)]
    inds = abuse_indicators(_run(), [_phase()], _sys(rows))
    assert _ids(inds) == [("resource_abuse", "pids")]
    assert inds[0].phase == "install" and "6 fork/clone" in inds[0].evidence


def test_single_eagain_is_noise():
    assert abuse_indicators(_run(), [_phase()], _sys([["install", 7, 0.1, "clone", "", -1, "EAGAIN"]])) == []


@pytest.mark.parametrize("tail,kind", [("bash: fork: retry: Resource temporarily unavailable", "pids"),
                                       ("MemoryError", "memory"),
                                       ("OSError: [Errno 28] No space left on device", "disk")])
def test_limits_from_phase_output(tail, kind):
    inds = abuse_indicators(_run(), [_phase("import", "failed", 1, tail)], {})
    assert _ids(inds) == [("resource_abuse", kind)] and inds[0].phase == "import"


def test_oom_output_and_deadlines_from_backend_facts():
    inds = abuse_indicators(_run(oom_killed=True, output_truncated="stdout over 1 MiB", timed_out=True),
                            [_phase("import", "killed", -9)], {})
    assert _ids(inds) == [("resource_abuse", "memory"), ("resource_abuse", "output"), ("resource_abuse", "time")]
    assert inds[0].phase == "import"


def test_phase_timeout():
    inds = abuse_indicators(_run(), [_phase(), _phase("import", "timeout", None)], {})
    assert _ids(inds) == [("resource_abuse", "time")] and inds[0].phase == "import"


@pytest.mark.parametrize("call,args,who", [("kill", "-1, SIGKILL", "every process"),
                                           (("kill", ["1", "SIGTERM"], "pid 1")),
                                           ("kill", "42, SIGKILL", "tracer"),
                                           ("ptrace", "42", "tracer")])
def test_tamper_kills(call, args, who):
    frames = _sys([["import", 9, 0.5, call, args, 0, None]])
    inds = abuse_indicators(_run(tracer_pid=42), [_phase("import")], frames)
    assert _ids(inds) == [("tracer_tamper", "kill")] and who in inds[0].evidence


def test_kill_of_an_ordinary_child_is_not_tamper():
    frames = _sys([["import", 9, 0.5, "kill", "77, SIGTERM", 0, None]])
    assert abuse_indicators(_run(tracer_pid=42), [_phase("import")], frames) == []


def test_tracer_death_and_truncation():
    inds = abuse_indicators(_run(tracer_exit="strace killed by SIGKILL", trace_truncated="trace over 64 MiB",
                                 killed_all=True), [_phase()], {})
    assert _ids(inds) == [("tracer_tamper", "kill_all"), ("tracer_tamper", "trace_truncated"),
                          ("tracer_tamper", "tracer_died")]


def test_runner_killed_mid_phase_is_kill_all():
    harness = {"status": "ok", "strace_exit": -9, "phase_starts": [{"name": "install"}, {"name": "import"}]}
    inds = abuse_indicators(_run(), [_phase("install")], {}, harness)
    assert _ids(inds) == [("tracer_tamper", "kill_all")] and inds[0].phase == "import"


def test_tracer_killed_while_phases_complete():
    harness = {"status": "ok", "strace_exit": -9, "phase_starts": [{"name": "install"}]}
    assert _ids(abuse_indicators(_run(), [_phase("install")], {}, harness)) == [("tracer_tamper", "tracer_died")]


def test_fatal_signal_outside_own_tree():
    frames = _sys([["import", 9, 0.5, "kill", "3, SIGKILL", -1, "EPERM"],
                   ["import", 9, 0.6, "kill", "10, SIGTERM", 0, None]])
    frames["processes"] = pd.DataFrame({"pid": [9, 10]})
    inds = abuse_indicators(_run(), [_phase("import")], frames)
    assert _ids(inds) == [("tracer_tamper", "kill")] and "pid 3, outside" in inds[0].evidence


def test_disk_full_seen_only_in_the_output_says_so():
    # gVisor's log does not always show the failed write; the evidence must not claim "0 writes"
    inds = abuse_indicators(_run(), [_phase("install", "failed", 1, "OSError: [Errno 28] No space left on device")], {})
    assert _ids(inds) == [("resource_abuse", "disk")]
    assert "No space left on device" in inds[0].evidence and "0 writes" not in inds[0].evidence
    rows = [["install", 7, 0.1, "write", "3", -1, "ENOSPC"], ["install", 7, 0.2, "write", "3", -1, "ENOSPC"]]
    assert "2 writes failed with ENOSPC" in abuse_indicators(_run(), [_phase()], _sys(rows))[0].evidence

