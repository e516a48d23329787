"""strace -f -ttt -yy output -> one tidy table of syscall events, then the DESIGN 4.2 frames.

Parsing is one compiled regular expression run over the whole text (no per-line Python for
ordinary lines); only `<unfinished ...>` / `<... resumed>` pairs are stitched in a loop.
Robust to interleaved lines, failed calls, signals, exits and truncated output.
"""

from __future__ import annotations

import re

import pandas as pd

LINE = re.compile(
    r"^(?P<pid>\d+) +(?P<ts>\d+\.\d+) +(?:"
    r"(?P<name>\w+)\((?P<args>.*?)(?:\) += (?P<ret>-?\d+|0x[0-9a-f]+|\?)(?:<(?P<retpath>[^\n]*?)>)?"
    r"(?: (?P<errno>E[A-Z0-9]+) \([^\n]*?\))?[^\n]*| <unfinished \.\.\.>(?P<unf>))"
    r"|<\.\.\. (?P<rname>\w+) resumed>(?P<rargs>.*?)(?:\) += (?P<rret>-?\d+|0x[0-9a-f]+|\?)(?:<(?P<rretpath>[^\n]*?)>)?"
    r"(?: (?P<rerrno>E[A-Z0-9]+) \([^\n]*?\))?[^\n]*)?"
    r"|\+\+\+ (?:exited with (?P<code>-?\d+)|killed by (?P<sig>SIG\w+))[^\n]*\+\+\+"
    r"|--- (?P<signal>SIG\w+)[^\n]*---"
    r")$",
    re.M,
)
SIGNUM = {"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7,
          "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13,
          "SIGALRM": 14, "SIGTERM": 15, "SIGXCPU": 24, "SIGSYS": 31}
EVENT_COLUMNS = ["pid", "ts", "name", "args", "retval", "retpath", "errno", "kind"]


def parse_events(text: str) -> pd.DataFrame:
    """Every trace line as a row: kind is 'syscall', 'exit', 'killed' or 'signal'.

    Unfinished calls are completed with their resumed half (same pid, next occurrence);
    an unfinished call that never resumed (killed mid-call) keeps retval NaN.
    """
    rows = LINE.findall(text)
    if not rows:
        return pd.DataFrame(columns=EVENT_COLUMNS)
    cols = ["pid", "ts", "name", "args", "ret", "retpath", "errno", "unf", "rname", "rargs", "rret",
            "rretpath", "rerrno", "code", "sig", "signal"]
    df = pd.DataFrame.from_records(rows, columns=cols)
    df["pid"] = df["pid"].astype("int64")
    df["ts"] = df["ts"].astype("float64")
    # a syscall name without a return value can only be an `<unfinished ...>` line
    is_unf = df["name"].ne("") & df["ret"].eq("")
    resumed = df["rname"].ne("")
    if is_unf.any() or resumed.any():
        _stitch(df, is_unf, resumed)
    df = df[~resumed].copy()
    kind = pd.Series("syscall", index=df.index)
    kind[df["code"].ne("")] = "exit"
    kind[df["sig"].ne("")] = "killed"
    kind[df["signal"].ne("")] = "signal"
    df["kind"] = kind
    retval = pd.to_numeric(df["ret"].where(~df["ret"].str.startswith("0x"), None), errors="coerce")
    hexmask = df["ret"].str.startswith("0x")
    if hexmask.any():
        retval[hexmask] = df.loc[hexmask, "ret"].map(lambda x: int(x, 16)).astype("float64")
    retval[kind.eq("exit")] = pd.to_numeric(df.loc[kind.eq("exit"), "code"])
    retval[kind.eq("killed")] = -pd.to_numeric(df.loc[kind.eq("killed"), "sig"].map(SIGNUM), errors="coerce").fillna(0)
    df["retval"] = retval
    df.loc[kind.eq("killed"), "name"] = df.loc[kind.eq("killed"), "sig"]
    df.loc[kind.eq("signal"), "name"] = df.loc[kind.eq("signal"), "signal"]
    df.loc[kind.eq("exit"), "name"] = "exit"
    return df[EVENT_COLUMNS].reset_index(drop=True)


def _stitch(df: pd.DataFrame, is_unf: pd.Series, resumed: pd.Series) -> None:
    """Join `<unfinished ...>` rows with their `<... resumed>` rows (per pid, in order)."""
    pending: dict[int, int] = {}
    idx_unf = set(df.index[is_unf])
    sub = df.loc[is_unf | resumed, ["pid", "rargs", "rret", "rretpath", "rerrno"]]
    args, ret, retpath, errno = df["args"].to_numpy(), df["ret"].to_numpy(), df["retpath"].to_numpy(), df["errno"].to_numpy()
    args = args.copy(); ret = ret.copy(); retpath = retpath.copy(); errno = errno.copy()
    for i, pid, rargs, rret, rretpath, rerrno in sub.itertuples(name=None):
        if i in idx_unf:
            pending[pid] = i
            continue
        j = pending.pop(pid, None)
        if j is None:
            continue
        args[j] = args[j] + rargs
        ret[j], retpath[j], errno[j] = rret, rretpath, rerrno
    df["args"], df["ret"], df["retpath"], df["errno"] = args, ret, retpath, errno


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
