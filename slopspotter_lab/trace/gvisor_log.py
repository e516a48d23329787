"""gVisor's own syscall log (runsc --strace) -> the strace text the frame builders already read.

Under `--trace-mode gvisor` the sandbox kernel logs every syscall to a file on the host: the
package cannot see that tracer (no TracerPid, no ptrace stop) and cannot kill it. Rather than
a second set of frame builders, each exit line is rewritten into `strace -f -ttt -yy` form
(paths quoted, dirfds as `AT_FDCWD</dir>`, sockets as `3<TCP:[]>`, sockaddrs spelled the
strace way, errno names), so `trace.frames.build_frames` turns it into the same DataFrames.

Not recovered from this log: the local port of DNS queries (their pid in the dns frame).
"""

from __future__ import annotations

import errno as _errno
import re
import time
from datetime import datetime
from pathlib import Path

LINE = re.compile(
    r"^I(?P<md>\d{4}) (?P<hms>\d\d:\d\d:\d\d\.\d+) +\d+ strace\.go:\d+\] "
    r"\[ *(?P<tgid>\d+): *(?P<tid>\d+)\] (?P<comm>.*?) (?P<ev>[EX]) (?P<name>\w+)\((?P<args>.*?)\)"
    r"(?: = (?P<ret>-?\d+) \(0x[0-9a-f]+\)(?: errno=(?P<errno>\d+) \([^)]*\))?)?(?: \([0-9.]+[µnm]?s\))?$"
)
MAX_FD = 1 << 20
FORKS = {"clone", "clone3", "fork", "vfork"}
PID_ARG_CALLS = {"kill", "tkill", "tgkill"}
FD_ARG = re.compile(r"^(AT_FDCWD|0x[0-9a-f]+) ([^,]*)")
PTR_STR = re.compile(r"0x[0-9a-f]+ ([^\"\[{,][^,]*?)(?=, |$)")
SOCKADDR = re.compile(r"0x[0-9a-f]+ \{Family: AF_(?P<fam>INET6?|UNIX), Addr: (?P<addr>[^,}]*)(?:, Port: (?P<port>\d+))?\}")
SOCKET_RET = re.compile(r"^AF_(?P<fam>INET6?|UNIX|NETLINK)\w*, SOCK_(?P<type>STREAM|DGRAM|RAW)")
BOOT_FILE = re.compile(r"runsc\.log\.(?P<year>\d{4})\d{4}-\d+\.\d+\.boot\.txt$")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _epoch(year: int, md: str, hms: str) -> float:
    whole, _, frac = hms.partition(".")
    dt = datetime.strptime(f"{year}{md} {whole}", "%Y%m%d %H:%M:%S")  # glog writes local time
    return time.mktime(dt.timetuple()) + float("0." + (frac or "0"))


def _sockaddr(m: re.Match) -> str:
    fam, addr, port = m.group("fam"), m.group("addr").strip(), m.group("port") or "0"
    if fam == "INET":
        return f'{{sa_family=AF_INET, sin_port=htons({port}), sin_addr=inet_addr("{addr}")}}'
    if fam == "INET6":
        return f'{{sa_family=AF_INET6, sin6_port=htons({port}), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "{addr}")}}'
    return f"{{sa_family=AF_UNIX, sun_path={_quote(addr)}}}"


class Converter:
    """Stateful line converter: remembers socket fds (for the protocol) and thread groups."""

    def __init__(self, year: int):
        self.year = year
        self.sockets: dict[tuple[int, int], str] = {}  # (tgid, fd) -> TCP / UDP / UNIX ...
        self.tgid: dict[int, int] = {}

    def _fd(self, tgid: int, name: str, args: str) -> str:
        m = FD_ARG.match(args)
        if not m:
            return args
        raw, what = m.group(1), m.group(2)
        rest = args[m.end():]
        if raw == "AT_FDCWD":
            return f"AT_FDCWD<{what}>{rest}"
        fd = int(raw, 16)
        if fd > MAX_FD:  # a pointer followed by a string, not a file descriptor
            return args
        if (tgid, fd) in self.sockets or what.startswith("socket:"):
            return f"{fd}<{self.sockets.get((tgid, fd), 'UNIX')}:[]>{rest}"
        return f"{fd}<{what}>{rest}"

    def convert(self, m: re.Match) -> str | None:
        name, args, tgid, tid = m.group("name"), m.group("args"), int(m.group("tgid")), int(m.group("tid"))
        self.tgid.setdefault(tid, tgid)
        ts = _epoch(self.year, m.group("md"), m.group("hms"))
        if m.group("ev") == "E":
            if name in ("exit_group", "exit"):
                code = args.split(",")[0].strip()
                code = int(code, 16) if code.startswith("0x") else int(code or 0)
                return f"{tid} {ts:.6f} +++ exited with {code & 0xFF} +++" if name == "exit_group" else None
            return None
        if m.group("ret") is None:
            return None
        ret, err = int(m.group("ret")), m.group("errno")
        if name == "socket" and not err:
            sm = SOCKET_RET.match(args)
            if sm:
                proto = {"STREAM": "TCP", "DGRAM": "UDP", "RAW": "RAW"}[sm.group("type")]
                proto = "UNIX" if sm.group("fam") == "UNIX" else proto + ("v6" if sm.group("fam") == "INET6" else "")
                self.sockets[(tgid, ret)] = proto
        args = SOCKADDR.sub(_sockaddr, args)
        args = self._fd(tgid, name, args)
        if name in PID_ARG_CALLS:
            first, _, rest = args.partition(", ")
            if first.startswith("0x"):
                v = int(first, 16)
                first = str(v - (1 << 32) if v >= 1 << 31 and v < 1 << 32 else (v - (1 << 64) if v >= 1 << 63 else v))
            args = first + (", " + rest if rest else "")
        args = PTR_STR.sub(lambda s: _quote(s.group(1)), args)
        if err:
            code = int(err)
            return (f"{tid} {ts:.6f} {name}({args}) = -1 {_errno.errorcode.get(code, f'E{code}')} "
                    f"({_errno_text(code)})")
        return f"{tid} {ts:.6f} {name}({args}) = {ret}"


def _errno_text(code: int) -> str:
    import os

    return os.strerror(code)


def _mark_threads(lines: list[str], conv: Converter) -> list[str]:
    """Add CLONE_THREAD to clone lines whose child shares the caller's thread group."""
    out = []
    for line in lines:
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2].split("(")[0] in FORKS and " = " in line:
            child = line.rsplit(" = ", 1)[1].split()[0]
            if child.lstrip("-").isdigit() and int(child) > 0:
                caller = int(parts[0])
                if conv.tgid.get(int(child)) == conv.tgid.get(caller):
                    head, _, tail = line.rpartition(") = ")
                    line = f"{head}, CLONE_THREAD) = {tail}"
        out.append(line)
    return out


def convert_text(text: str, year: int | None = None) -> str:
    """gVisor boot-log text -> strace -f -ttt text (one syscall per line, exits as +++ lines)."""
    conv = Converter(year or datetime.now().year)
    lines = []
    for raw in text.splitlines():
        if "strace.go" not in raw:
            continue
        m = LINE.match(raw)
        if m:
            out = conv.convert(m)
            if out:
                lines.append(out)
    return "\n".join(_mark_threads(lines, conv)) + ("\n" if lines else "")


def convert_file(src: Path, dest: Path, cap: int) -> dict:
    """Convert at most `cap` bytes of a boot log into dest; returns counts and a truncation flag."""
    src, dest = Path(src), Path(dest)
    size = src.stat().st_size
    m = BOOT_FILE.search(src.name)
    with open(src, "rb") as fh:
        data = fh.read(cap)
    text = data.decode("utf-8", "replace")
    if size > cap:
        text = text[: text.rfind("\n") + 1]
    out = convert_text(text, int(m.group("year")) if m else None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(out)
    return {"log_bytes": size, "lines": out.count("\n"), "truncated": size > cap}


def find_boot_logs(logdir: Path, container_id: str, head: int = 8192) -> list[Path]:
    """Boot logs whose header (runsc's Args line) names this container id."""
    logdir = Path(logdir)
    if not container_id or not logdir.is_dir():
        return []
    found = []
    for path in logdir.glob("runsc.log.*.boot.txt"):
        try:
            with open(path, "rb") as fh:
                if container_id.encode() in fh.read(head):
                    found.append(path)
        except OSError:
            continue
    return sorted(found)
