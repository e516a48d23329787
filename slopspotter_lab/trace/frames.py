"""The sandbox's /out directory -> the DataFrames of DESIGN 4.2.

Inputs: trace.log (strace), phases.json (runner), fakenet.jsonl (resolver + sinkhole),
harness.json (t0, network set-up). Every row carries phase, pid and ts (seconds since the
harness started); processes that outlive their phase get phase "after".
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .categories import categorize
from .strace import argv_of, parse_events, strings, unescape

PROCESS_COLUMNS = ["phase", "pid", "ppid", "ts", "exe", "argv", "exit_code", "end_ts"]
ENDPOINT_COLUMNS = ["phase", "pid", "ts", "family", "protocol", "address", "port", "hostname", "outcome",
                    "bytes_sent", "payload_head", "scheme", "tls", "sni", "method", "url", "request_bytes",
                    "body_preview"]
PREVIEW = 1024  # characters of a request body shown in the endpoints frame
DNS_COLUMNS = ["phase", "pid", "ts", "hostname", "qtype", "answer"]
FILE_COLUMNS = ["phase", "pid", "ts", "path", "op", "result", "category", "exe"]
SYSCALL_COLUMNS = ["phase", "pid", "ts", "name", "args", "retval", "errno"]
FORK_CALLS = ("clone", "clone3", "fork", "vfork")
RESOLVER = ("127.0.0.53", 53)
COLUMNS = {"processes": PROCESS_COLUMNS, "endpoints": ENDPOINT_COLUMNS, "dns": DNS_COLUMNS,
           "files": FILE_COLUMNS, "syscalls": SYSCALL_COLUMNS}


@dataclass
class TraceFrames:
    processes: pd.DataFrame
    endpoints: pd.DataFrame
    dns: pd.DataFrame
    files: pd.DataFrame
    syscalls: pd.DataFrame
    phases: list[dict] = field(default_factory=list)
    harness: dict = field(default_factory=dict)
    sinkhole: list[dict] = field(default_factory=list)
    syscall_count: int = 0

    @classmethod
    def of(cls, **given) -> "TraceFrames":
        """Frames from the given fields, every frame not given empty with its columns."""
        frames = {name: given.pop(name, None) for name in COLUMNS}
        return cls(**{n: pd.DataFrame(columns=COLUMNS[n]) if f is None else f for n, f in frames.items()}, **given)


def _read_jsonl(path: Path) -> list[dict]:
    out = []
    if path.exists():
        for line in path.read_text(errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def _phase_table(phases: list[dict], t0: float) -> dict[int, tuple[str, float]]:
    """phase root pid -> (phase name, end ts relative to t0)."""
    roots = {}
    for p in phases:
        pids = p.get("pids") or ([p["pid"]] if p.get("pid") else [])
        for pid in pids:
            if pid:
                roots[int(pid)] = (p["name"], float(p.get("end", t0)) - t0)
    return roots


def _tree(ev: pd.DataFrame) -> tuple[dict[int, int], set[int]]:
    """child -> parent from fork-like calls, and the set of thread ids (CLONE_THREAD)."""
    forks = ev[ev["name"].isin(FORK_CALLS) & (ev["retval"] > 0)]
    parent = dict(zip(forks["retval"].astype("int64"), forks["pid"]))
    threads = set(forks.loc[forks["args"].str.contains("CLONE_THREAD", regex=False), "retval"].astype("int64"))
    return parent, threads


def _assign_phase(pids: np.ndarray, parent: dict[int, int], roots: dict[int, tuple[str, float]]) -> dict:
    """pid -> (phase, phase end) by walking up to the phase's root process (None: harness)."""
    out: dict[int, tuple[str, float] | None] = {}
    for pid in pids:
        chain, cur, found = [], int(pid), None
        while cur is not None and cur not in out:
            if cur in roots:
                found = roots[cur]
                break
            chain.append(cur)
            cur = parent.get(cur)
        if found is None and cur is not None and cur in out:
            found = out[cur]
        for c in chain:
            out[c] = found
        if int(pid) in roots:
            out[int(pid)] = roots[int(pid)]
    return out


SOCKADDR = re.compile(r'sa_family=AF_(?P<fam>INET6?|UNIX|NETLINK|PACKET)(?:, sin6?_port=htons\((?P<port>\d+)\)'
                      r'(?:, sin6_flowinfo=[^,]*)?, (?:sin_addr=inet_addr\("(?P<a4>[^"]*)"\)|'
                      r'inet_pton\(AF_INET6, "(?P<a6>[^"]*)"))?')
FDPROTO = re.compile(r"^-?\d+<(?P<proto>TCPv6|TCP|UDPv6|UDP|UNIX[-A-Z]*|NETLINK|RAW)")
OPEN_CALLS = ("open", "openat", "openat2", "creat")


def _file_rows(ev: pd.DataFrame) -> pd.DataFrame:
    """File operations with absolute paths and an op per DESIGN 4.2."""
    names = ev["name"]
    op = pd.Series(pd.NA, index=ev.index, dtype="object")
    is_open = names.isin(OPEN_CALLS)
    flags = ev["args"].where(is_open, "")
    write = flags.str.contains("O_WRONLY|O_RDWR|O_APPEND|O_TRUNC", regex=True)
    create = flags.str.contains("O_CREAT", regex=False)
    op[is_open] = "read"
    op[is_open & write] = "write"
    op[is_open & create] = "create"
    op[names.eq("creat")] = "create"
    op[names.isin(["unlink", "unlinkat"])] = "delete"
    op[names.isin(["rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat"])] = "rename"
    op[names.isin(["chmod", "fchmodat"])] = "chmod"
    op[names.isin(["mkdir", "mkdirat"])] = "create"
    op[names.isin(["execve", "execveat"])] = "exec"
    op[names.eq("truncate")] = "write"
    # cwd per event: -yy prints AT_FDCWD</cwd> on *at calls; carry it forward per process so
    # relative paths of plain mkdir/chmod/unlink calls resolve too
    cwd = ev["args"].str.extract(r"^AT_FDCWD<([^>]*)>", expand=False)
    cwd = cwd.groupby(ev["pid"]).ffill().groupby(ev["pid"]).bfill()
    sel = ev[op.notna()].copy()
    sel["cwd"] = cwd[op.notna()]
    sel["op"] = op[op.notna()]
    if sel.empty:
        return sel.assign(path=pd.Series(dtype=str))
    # the path argument: the last string before the flags for *at calls, the target for renames
    first_str = sel["args"].str.extract(r'"((?:[^"\\]|\\.)*)"', expand=False).fillna("")
    last_str = sel["args"].str.extract(r'.*"((?:[^"\\]|\\.)*)"', expand=False).fillna("")
    path = first_str.where(~sel["op"].eq("rename"), last_str)
    dirfd = sel["args"].str.extract(r"^(?:AT_FDCWD|-?\d+)<([^>]*)>", expand=False)
    resolved = sel["retpath"].where(sel["name"].isin(OPEN_CALLS) & sel["retpath"].str.startswith("/"), "")
    path = path.map(unescape)
    dirfd = dirfd.fillna(sel["cwd"])
    rel = ~path.str.startswith("/") & dirfd.notna()
    joined = [posixpath.normpath(posixpath.join(d, p)) for d, p in zip(dirfd[rel], path[rel])]
    path = path.copy()
    path[rel] = joined
    path = path.where(resolved.eq(""), resolved)
    sel["path"] = path
    sel["result"] = np.where(sel["errno"].eq("") | sel["errno"].isna(), "ok", sel["errno"])
    return sel


def _join_sinkhole(ep: pd.DataFrame, i, rec: dict) -> None:
    """What the sinkhole saw of one connection: bytes, and for HTTP(S) the decrypted request."""
    ep.at[i, "outcome"] = rec.get("outcome") or "sinkholed"  # tls_refused: the client rejected our certificate
    ep.at[i, "bytes_sent"] = int(rec.get("bytes", 0))
    ep.at[i, "payload_head"] = (rec.get("head") or "")[:1024]
    host = rec.get("host") or rec.get("sni")
    if not isinstance(ep.at[i, "hostname"], str) and host:
        ep.at[i, "hostname"] = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    ep.at[i, "tls"] = bool(rec.get("tls"))
    ep.at[i, "scheme"] = rec.get("scheme") or ("https" if rec.get("tls") else None)
    for col in ("sni", "method", "url"):
        ep.at[i, col] = rec.get(col)
    if rec.get("request_bytes") is not None:
        ep.at[i, "request_bytes"] = int(rec["request_bytes"])
    if rec.get("body"):
        from .payloads import variants

        chain, text = variants(rec["body"], "body")[0]  # gzip/deflate bodies are shown inflated
        ep.at[i, "body_preview"] = text[:PREVIEW]


def _read_outdir(outdir: Path) -> tuple[dict, list[dict], list[dict], str]:
    """(harness.json, phases.json, fakenet.jsonl records, trace.log text); missing files are empty."""
    harness = json.loads((outdir / "harness.json").read_text()) if (outdir / "harness.json").exists() else {}
    phases = json.loads((outdir / "phases.json").read_text()) if (outdir / "phases.json").exists() else []
    text = (outdir / "trace.log").read_text(errors="replace") if (outdir / "trace.log").exists() else ""
    return harness, phases, _read_jsonl(outdir / "fakenet.jsonl"), text


def _events(text: str, t0: float, phases: list[dict]) -> tuple[pd.DataFrame, dict, set, dict]:
    """Parsed events with ts relative to t0, pids of threads folded into their process, and a
    phase per event ("after" past its phase's end); the harness runner's own calls dropped.
    Returns (events, child -> parent, thread ids, pid -> (phase, phase end))."""
    ev = parse_events(text)
    if t0 == 0.0 and len(ev):
        t0 = float(ev["ts"].min())
    ev["ts"] = ev["ts"] - t0
    parent, threads = _tree(ev)
    if threads:  # report a thread's events under its process (thread group) id
        tgid = {}
        for tid in threads:
            cur = tid
            while cur in threads and cur in parent:
                cur = parent[cur]
            tgid[tid] = cur
        ev["pid"] = ev["pid"].map(lambda p: tgid.get(p, p))
    owner = _assign_phase(ev["pid"].unique(), parent, _phase_table(phases, t0))
    phase_name = ev["pid"].map(lambda p: (owner.get(p) or (None, 0))[0])
    phase_end = ev["pid"].map(lambda p: (owner.get(p) or (None, np.inf))[1]).astype(float)
    ev["phase"] = phase_name.where(ev["ts"] <= phase_end + 0.05, "after")
    ev = ev[phase_name.notna()].reset_index(drop=True)
    ev["errno"] = ev["errno"].fillna("")
    return ev, parent, threads, owner


def _process_frame(ev: pd.DataFrame, sys_rows: pd.DataFrame, parent: dict, threads: set, owner: dict) -> pd.DataFrame:
    """One row per exec'd or forked process (threads excluded)."""
    execs = sys_rows[sys_rows["name"].isin(["execve", "execveat"]) & sys_rows["retval"].eq(0)]
    ex = execs.drop_duplicates("pid", keep="last").set_index("pid")
    exits = ev[ev["kind"].isin(["exit", "killed"])].drop_duplicates("pid", keep="last").set_index("pid")
    proc = pd.DataFrame({"pid": [p for p in ev["pid"].unique() if p not in threads]})
    proc["ppid"] = proc["pid"].map(parent).astype("Int64")
    proc["ts"] = proc["pid"].map(ev.groupby("pid")["ts"].min())
    proc["exe"] = proc["pid"].map(ex["args"].map(lambda a: (strings(a[:4096]) or [""])[0]))
    proc["argv"] = proc["pid"].map(ex["args"].map(argv_of))
    inherited = proc["argv"].isna()
    proc.loc[inherited, "argv"] = pd.Series([[] for _ in range(int(inherited.sum()))], index=proc.index[inherited], dtype=object)
    proc["exit_code"] = proc["pid"].map(exits["retval"]).astype("Int64")
    proc["end_ts"] = proc["pid"].map(exits["ts"])
    proc["phase"] = proc["pid"].map(lambda p: (owner.get(p) or (None,))[0])
    return proc[PROCESS_COLUMNS].sort_values("ts").reset_index(drop=True)


def _file_frame(sys_rows: pd.DataFrame, processes: pd.DataFrame) -> pd.DataFrame:
    fr = _file_rows(sys_rows)
    if len(fr):
        fr["category"] = categorize(fr["path"])
        fr["exe"] = fr["pid"].map(processes.set_index("pid")["exe"]) if len(processes) else None
    return fr.reindex(columns=FILE_COLUMNS).reset_index(drop=True)


def _endpoint_frame(sys_rows: pd.DataFrame, fakenet: list[dict]) -> pd.DataFrame:
    """connect / sendto / sendmsg with an inet address, matched to what the sinkhole received."""
    net = sys_rows[sys_rows["name"].isin(["connect", "sendto", "sendmsg", "bind"])]
    sa = net["args"].str.extract(SOCKADDR)
    net = net.assign(family=sa["fam"], port=pd.to_numeric(sa["port"], errors="coerce"),
                     address=sa["a4"].fillna(sa["a6"]))
    net = net[net["family"].isin(["INET", "INET6"]) & net["address"].notna() & ~net["name"].eq("bind")]
    net = net[~((net["address"] == RESOLVER[0]) & (net["port"] == RESOLVER[1]))]
    answers = {r["answer"]: r["hostname"] for r in fakenet if r.get("kind") == "dns" and r.get("answer")}
    ep = pd.DataFrame({
        "phase": net["phase"], "pid": net["pid"], "ts": net["ts"],
        "family": net["family"].str.lower().replace({"inet": "ipv4", "inet6": "ipv6"}),
        "protocol": net["args"].str.extract(FDPROTO)["proto"].str.lower().str.replace("v6", "", regex=False),
        "address": net["address"], "port": net["port"].astype("Int64"),
        "outcome": np.where(net["errno"].isin(["", "EINPROGRESS"]), "attempted", net["errno"].str.lower()),
    })
    ep["hostname"] = ep["address"].map(answers)
    ep["bytes_sent"] = pd.Series(pd.NA, index=ep.index, dtype="Int64")
    ep["payload_head"] = None
    for col in ("scheme", "sni", "method", "url", "body_preview"):
        ep[col] = None
    ep["tls"] = pd.Series(pd.NA, index=ep.index, dtype="boolean")
    ep["request_bytes"] = pd.Series(pd.NA, index=ep.index, dtype="Int64")
    _match_sinkhole(ep, [r for r in fakenet if r.get("kind") == "tcp"])
    return ep.reindex(columns=ENDPOINT_COLUMNS).sort_values("ts").reset_index(drop=True)


def _match_sinkhole(ep: pd.DataFrame, tcp: list[dict]) -> None:
    """Each sinkhole record marks the first unmatched attempt to its address and port (in place)."""
    used: set[int] = set()
    for i, row in ep.iterrows():
        for k, rec in enumerate(tcp):
            if k not in used and rec.get("address") == row["address"] and rec.get("port") == row["port"]:
                used.add(k)
                _join_sinkhole(ep, i, rec)
                break


def _dns_frame(sys_rows: pd.DataFrame, fakenet: list[dict]) -> pd.DataFrame:
    """Resolver records; the pid found from the querying socket's local port in the trace."""
    port_pid = {}
    q = sys_rows[sys_rows["name"].isin(["sendto", "sendmsg", "write", "sendmmsg"])]
    lp = q["args"].str.extract(r"^\d+<UDP:\[[0-9.]+:(\d+)->127\.0\.0\.53:53\]>")[0]
    for port, pid, phase in zip(lp, q["pid"], q["phase"]):
        if isinstance(port, str):
            port_pid[int(port)] = (pid, phase)
    rows = []
    for r in fakenet:
        if r.get("kind") != "dns" or not r.get("hostname"):
            continue
        pid, phase = port_pid.get(r.get("peer_port"), (None, None))
        rows.append({"phase": phase, "pid": pid, "ts": r["ts"], "hostname": r["hostname"],
                     "qtype": r.get("qtype"), "answer": r.get("answer")})
    dns = pd.DataFrame(rows, columns=DNS_COLUMNS)
    dns["pid"] = dns["pid"].astype("Int64")
    return dns


def build_frames(outdir: Path) -> TraceFrames:
    """The frames of one scan from the sandbox's /out directory (see the module docstring)."""
    harness, phases, fakenet, text = _read_outdir(Path(outdir))
    ev, parent, threads, owner = _events(text, float(harness.get("t0") or 0.0), phases)
    sys_rows = ev[ev["kind"].eq("syscall")]
    processes = _process_frame(ev, sys_rows, parent, threads, owner)
    sc = sys_rows.assign(args=sys_rows["args"].str.slice(0, 512), retval=sys_rows["retval"])
    return TraceFrames(processes=processes, endpoints=_endpoint_frame(sys_rows, fakenet),
                       dns=_dns_frame(sys_rows, fakenet), files=_file_frame(sys_rows, processes),
                       syscalls=sc.reindex(columns=SYSCALL_COLUMNS).reset_index(drop=True), phases=phases,
                       harness=harness, sinkhole=[r for r in fakenet if r.get("kind") == "tcp"],
                       syscall_count=int(len(sys_rows)))
