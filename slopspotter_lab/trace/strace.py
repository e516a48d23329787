"""strace -f -ttt -yy output -> one tidy table of syscall events, then the DESIGN 4.2 frames.

Parsing is one compiled regular expression run over the whole text (no per-line Python for
ordinary lines); only `<unfinished ...>` / `<... resumed>` pairs are stitched in a loop.
Robust to interleaved lines, failed calls, signals, exits and truncated output.
"""

from __future__ import annotations

import gc
import re

import numpy as np
import pandas as pd

# One alternation per line kind. Greedy `(.*)\) += ` finds the LAST ") = " of a line, so
# arguments may hold parentheses; it is several times faster than a lazy scan.
_RET = r"(-?\d+|0x[0-9a-f]+|\?)(?:<([^\n]*?)>)?(?: (E[A-Z0-9]+) \([^\n]*\))?[^\n]*?"
LINE = re.compile(
    r"^(\d+) +(\d+\.\d+) +(?:"
    r"(\w+)\((.*)\) += " + _RET +                      # complete call
    r"|(\w+)\((.*) <unfinished \.\.\.>"                  # first half of an interrupted call
    r"|<\.\.\. (\w+) resumed>(.*)\) += " + _RET +        # its second half
    r"|<\.\.\. (\w+) resumed>[^\n]*"                     # resumed but cut off (killed / truncated)
    r"|\+\+\+ (?:exited with (-?\d+)|killed by (SIG\w+))[^\n]*"
    r"|--- (SIG\w+)[^\n]*"
    r")$",
    re.M,
)
_COLS = ["pid", "ts", "name", "args", "ret", "retpath", "errno", "uname", "uargs", "rname", "rargs", "rret",
         "rretpath", "rerrno", "cname", "code", "sig", "signal"]
SIGNUM = {"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7,
          "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13,
          "SIGALRM": 14, "SIGTERM": 15, "SIGXCPU": 24, "SIGSYS": 31}
EVENT_COLUMNS = ["pid", "ts", "name", "args", "retval", "retpath", "errno", "kind"]


def parse_events(text: str) -> pd.DataFrame:
    """Every trace line as a row: kind is 'syscall', 'exit', 'killed' or 'signal'.

    Unfinished calls are completed with their resumed half (same pid, next occurrence);
    an unfinished call that never resumed (killed mid-call) keeps retval NaN.
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # millions of short-lived tuples: collection passes would dominate the run time
    try:
        return _parse(text)
    finally:
        if gc_was_on:
            gc.enable()


def _parse(text: str) -> pd.DataFrame:
    rows = LINE.findall(text)
    if not rows:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    # object arrays: fixed-width numpy strings would be as wide as the longest line
    cols = {c: np.array(v, dtype=object) for c, v in zip(_COLS, zip(*rows))}
    pid = cols["pid"].astype(np.int64)
    ts = cols["ts"].astype(np.float64)
    name, args = cols["name"], cols["args"]
    ret, retpath, errno = cols["ret"], cols["retpath"], cols["errno"]
    is_unf = cols["uname"] != ""
    resumed = (cols["rname"] != "") | (cols["cname"] != "")
    if is_unf.any():
        name[is_unf], args[is_unf] = cols["uname"][is_unf], cols["uargs"][is_unf]
        _stitch(pid, is_unf, resumed, cols, args, ret, retpath, errno)
    kind = np.full(len(rows), "syscall", dtype=object)
    exit_ = cols["code"] != ""
    killed = cols["sig"] != ""
    signal = cols["signal"] != ""
    kind[exit_], kind[killed], kind[signal] = "exit", "killed", "signal"
    name[exit_], name[killed], name[signal] = "exit", cols["sig"][killed], cols["signal"][signal]
    retval = np.full(len(rows), np.nan)
    dec = (ret != "") & (ret != "?")
    hexed = dec & np.array([r[:2] == "0x" for r in ret], dtype=bool)
    plain = dec & ~hexed
    retval[plain] = ret[plain].astype(np.float64)
    if hexed.any():
        retval[hexed] = [float(int(x, 16)) for x in ret[hexed]]
    retval[exit_] = cols["code"][exit_].astype(np.float64)
    retval[killed] = [-float(SIGNUM.get(s, 0)) for s in cols["sig"][killed]]
    keep = ~resumed
    # object columns: converting half a million strings to Arrow costs more than it saves here
    obj = {c: pd.Series(v[keep], dtype=object) for c, v in
           (("name", name), ("args", args), ("retpath", retpath), ("errno", errno), ("kind", kind))}
    return pd.DataFrame({"pid": pid[keep], "ts": ts[keep], "name": obj["name"], "args": obj["args"],
                         "retval": retval[keep], "retpath": obj["retpath"], "errno": obj["errno"],
                         "kind": obj["kind"]})


def _stitch(pid, is_unf, resumed, cols, args, ret, retpath, errno) -> None:
    """Join `<unfinished ...>` rows with their `<... resumed>` rows (per pid, in order)."""
    pending: dict[int, int] = {}
    for i in np.flatnonzero(is_unf | resumed):
        p = int(pid[i])
        if is_unf[i]:
            pending[p] = i
            continue
        j = pending.pop(p, None)
        if j is None:
            continue
        args[j] = args[j] + cols["rargs"][i]
        ret[j], retpath[j], errno[j] = cols["rret"][i], cols["rretpath"][i], cols["rerrno"][i]


# ---------------------------------------------------------------- argument decoding helpers

STR = re.compile(r'"((?:[^"\\]|\\.)*)"(\.\.\.)?')
_ESC = re.compile(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)")
_SIMPLE = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "\\": "\\", '"': '"', "a": "\a", "b": "\b"}


def unescape(s: str) -> str:
    """strace's C-style string escapes -> text (bytes decoded as latin-1)."""
    if "\\" not in s:
        return s

    def repl(m):
        e = m.group(1)
        if e[0] == "x":
            return chr(int(e[1:], 16))
        if e[0].isdigit():
            return chr(int(e, 8) & 0xFF)
        return _SIMPLE.get(e, e)

    return _ESC.sub(repl, s)


def strings(args: str) -> list[str]:
    return [unescape(m.group(1)) for m in STR.finditer(args)]


def argv_of(args: str) -> list[str]:
    """execve(path, [argv...], envp) -> argv list."""
    start = args.find("[")
    end = args.find("], ")
    if start < 0:
        return []
    return strings(args[start:end if end > 0 else len(args)])
