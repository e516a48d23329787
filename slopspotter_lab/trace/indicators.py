"""Dynamic indicators (ids and default severities of indicators.REGISTRY) from the frames of one scan.

The normal noise of package managers is subtracted by *who* did something, not by what:
pip and npm themselves ("managers"), the processes they start to host package code (pip's
setuptools caller / PEP 517 hook process, npm's `sh -c <lifecycle script>`), our own phase
roots (importer, require) and compilers. Spawns are judged only when package code started
them; file reads count when package code (hosts included) did them.
"""

from __future__ import annotations

import base64
import posixpath
import re

import pandas as pd

from ..indicators import REGISTRY, Indicator
from .payloads import request_variants

SHELLS = {"sh", "bash", "dash", "zsh", "ash", "ksh", "busybox"}
DOWNLOADERS = {"curl", "wget", "fetch", "aria2c", "tftp", "ftp", "scp", "sftp", "rsync", "lwp-download"}
REVERSE = {"nc", "ncat", "netcat", "nc.traditional", "nc.openbsd", "socat", "telnet"}
INTERPRETERS = {"python": "-c", "python3": "-c", "node": "-e", "nodejs": "-e", "perl": "-e", "ruby": "-e",
                "php": "-r"}
COMPILERS = re.compile(r"^(?:[\w.-]*-)?(?:gcc|g\+\+|cc|c\+\+|clang\+?\+?|cc1|cc1plus|collect2|ld|as|ar|make|cmake"
                       r"|ninja|rustc|cargo|node-gyp)(?:-\d+)?$")
PIP_HOSTS = ("pip-setuptools-caller", "_in_process.py", "_in_process")
# what a build script's `sh -c` may run and still be a build probe, not a shell of the package's
# (real benign installs: lxml `pkg-config --modversion libxml-2.0`, mysqlclient `pkg-config
# --exists mariadb`, gevent `cd deps/libev && sh ./configure -C > configure-output.txt`)
BUILD_PROBE_WORDS = re.compile(r"^(?:pkg-config|[\w.+]+[-_]config|\./configure|configure|make|gmake|cmake|uname|cd|"
                               r"true|test|which|(?:ba|da)?sh\s+\./configure)$")
SHELL_SEPARATORS = re.compile(r"&&|\|\||;|\||\(|\)")
REDIRECTION = re.compile(r"\d*>>?\s*&?\S+|<\s*\S+")
MANAGER_TOOLS = {"uname", "lsb_release", "git", "which", "id"}
PERSISTENCE = {"shell_profile", "autostart", "cron", "user_bin"}


def _base(path) -> str:
    return posixpath.basename(path) if isinstance(path, str) else ""


def _argv(row) -> list[str]:
    return list(row) if isinstance(row, (list, tuple)) else list(row) if hasattr(row, "__iter__") else []


def classify_processes(processes: pd.DataFrame, phase_roots: set[int]) -> pd.DataFrame:
    """Add `role`: root | manager | host | tool | package (what spawned it is package code)."""
    p = processes.copy()
    if p.empty:
        p["role"] = pd.Series(dtype=str)
        return p
    argv = p["argv"].map(_argv)
    joined = argv.map(lambda a: " ".join(a)[:2000])
    exe = p["exe"].map(_base)
    # pip installs build requirements through a child `__pip-runner__.py install --prefix
    # /tmp/pip-build-env-...`: that child is pip too (its files are pip's, not the package's)
    is_pip = joined.str.contains(r"(?:^|/)python[\d.]*\s+-m\s+pip\s|/pip[\d.]*\s+install|/__pip-runner__\.py\s+install",
                                 regex=True)
    is_npm = joined.str.contains(r"(?:^|\s|/)npm(?:-cli\.js)?\s+(?:install|i|ci|rebuild)\b", regex=True)
    role = pd.Series("package", index=p.index)
    role[p["pid"].isin(phase_roots)] = "root"
    role[is_pip | is_npm] = "manager"  # pip is the install phase's root itself
    managers = set(p.loc[role.eq("manager"), "pid"])
    # a manager's exec'd child inherits the manager pid (npm script -> node): keep it a manager
    parent_manager = p["ppid"].isin(managers)
    pip_host = joined.map(lambda j: any(h in j for h in PIP_HOSTS))
    npm_host = exe.isin(SHELLS) & argv.map(lambda a: len(a) > 1 and a[1] == "-c")
    role[parent_manager & (pip_host | npm_host)] = "host"
    role[parent_manager & exe.isin(MANAGER_TOOLS) & role.eq("package")] = "tool"
    role[exe.str.match(COMPILERS.pattern) & role.eq("package")] = "tool"
    if "phase" in p:  # a build script's shell that only probes for libraries or runs configure/make
        probe = exe.isin(SHELLS) & p["phase"].eq("install") & argv.map(_build_probe)
        role[probe & role.eq("package")] = "tool"
    # threads of nothing-exec'd forks of a manager (pip's internal fork) are manager too
    role[parent_manager & p["exe"].isna()] = "manager"
    p["role"] = role
    return p


def _build_probe(argv: list[str]) -> bool:
    """`sh -c CMD` where every command of CMD is a build probe (BUILD_PROBE_WORDS), nothing else."""
    if len(argv) < 3 or argv[1] != "-c" or "`" in argv[2] or "$(" in argv[2]:
        return False
    commands = [w for w in (REDIRECTION.sub("", seg).split() for seg in SHELL_SEPARATORS.split(argv[2])) if w]

    def probe(words: list[str]) -> bool:
        head = " ".join(words[:2]) if words[0] in SHELLS else posixpath.basename(words[0])
        return bool(BUILD_PROBE_WORDS.match(head))

    return bool(commands) and all(probe(w) for w in commands)


def _canary_forms(canaries: dict) -> dict[str, str]:
    """Each canary value, plus its base64 / hex / urlsafe-base64 forms, lower-cased."""
    forms = {}
    for key, value in canaries.items():
        if not value:
            continue
        raw = value.encode()
        forms[value.lower()] = key
        forms[raw.hex()] = key
        for enc in (base64.b64encode(raw), base64.urlsafe_b64encode(raw), base64.b32encode(raw)):
            forms[enc.decode().rstrip("=").lower()[:24]] = key
    return forms


def _raw_canaries(text: str, canaries: dict) -> list[str]:
    low = text.lower()
    return [key for key, value in canaries.items() if value and value.lower() in low]


def find_canaries(text: str, canaries: dict) -> set[str]:
    """Which canaries appear in `text` (raw, hex, base64/base32 encoded)."""
    low = text.lower()
    stripped = low.replace(".", "").replace("-", "")
    return {key for form, key in _canary_forms(canaries).items() if form in low or form in stripped}


def _ind(id_: str, evidence: str, phase=None, **extra) -> Indicator:
    return Indicator(id_, REGISTRY[id_].severity, evidence[:300], source="dynamic", phase=phase, extra=extra)


def dynamic_indicators(frames, canaries: dict | None = None) -> list[Indicator]:
    """All dynamic indicators of one scan (frames: trace.frames.TraceFrames)."""
    roots = {int(x) for p in frames.phases for x in (p.get("pids") or [p.get("pid")]) if x}
    procs = classify_processes(frames.processes, roots)
    role = dict(zip(procs["pid"], procs["role"])) if len(procs) else {}
    out: list[Indicator] = []
    if len(procs):
        out += _spawn_indicators(procs, role)
        out += _failed_exec_indicators(frames.files, procs, role, out)
        out += _survivor_indicators(frames, procs)
    if len(frames.files):
        out += _file_indicators(frames.files, role)
    out += _network_indicators(frames)
    if canaries:
        out += _exfiltration_indicators(frames, canaries)
    out += [_ind("phase_timeout", f"{p['name']} exceeded its deadline ({p.get('duration_s')} s)", p["name"])
            for p in frames.phases if p.get("status") == "timeout"]
    return out


def _spawn_indicators(procs: pd.DataFrame, role: dict) -> list[Indicator]:
    """Processes package code started: shells, downloaders, reverse shells, inline interpreters."""
    out = []
    ppid_role = procs["ppid"].map(lambda x: role.get(x))
    spawned = procs[procs["role"].eq("package") & ppid_role.isin(["package", "host", "root"])]
    for _, r in spawned.iterrows():
        argv = _argv(r["argv"])
        name = _base(r["exe"]) or (_base(argv[0]) if argv else "")
        cmd = " ".join(argv)[:200]
        interp = re.sub(r"[\d.]+$", "", name)
        if name in REVERSE or "/dev/tcp/" in cmd or (name in SHELLS and "-i" in argv):
            kind = "reverse_shell_spawn"
        elif name in DOWNLOADERS:
            kind = "downloader_spawn"
        elif name in SHELLS and "-c" in argv:
            kind = "shell_spawn"
        elif INTERPRETERS.get(interp) in argv[1:3]:
            kind = "inline_interpreter"
        else:
            continue
        out.append(_ind(kind, cmd, r["phase"], pid=int(r["pid"])))
    return out


def _failed_exec_indicators(files: pd.DataFrame, procs: pd.DataFrame, role: dict, seen: list) -> list[Indicator]:
    """Exec attempts of missing tools still show intent (a stager trying curl, then wget)."""
    if not len(files):
        return []
    out = []
    found = {(i.id, i.extra.get("pid")) for i in seen}
    tries = files[files["op"].eq("exec") & ~files["result"].eq("ok")]
    tries = tries[tries["pid"].map(lambda x: role.get(x)).isin(["package", "host", "root"])]
    for (pid, name), g in tries.groupby([tries["pid"], tries["path"].map(_base)]):
        kind = "reverse_shell_spawn" if name in REVERSE else "downloader_spawn" if name in DOWNLOADERS else None
        if kind and (kind, int(pid)) not in found and not (procs["pid"].eq(pid) & procs["exe"].map(_base).eq(name)).any():
            out.append(_ind(kind, f"tried to run {name} ({g['result'].iloc[0]})", g["phase"].iloc[0], pid=int(pid)))
            found.add((kind, int(pid)))
    return out


def _survivor_indicators(frames, procs: pd.DataFrame) -> list[Indicator]:
    after = procs[procs["phase"].eq("after") | procs["pid"].isin(_survivors(frames))]
    late = frames.syscalls[frames.syscalls["phase"].eq("after")]["pid"].unique() if len(frames.syscalls) else []
    survivors = set(after["pid"]) | set(late)
    if not survivors:
        return []
    cmds = procs[procs["pid"].isin(survivors)]["argv"].map(lambda a: " ".join(_argv(a))[:80]).tolist()
    return [_ind("daemon_survivor", f"{len(survivors)} process(es) outlived their phase: {'; '.join(cmds[:3])}",
                 "after", pids=sorted(int(x) for x in survivors))]


def _file_indicators(f: pd.DataFrame, role: dict) -> list[Indicator]:
    """Reads of secrets and probes, persistence writes, executing a written file (package code =
    anything but managers, our roots and tools; import-time code runs in our root process)."""
    out = []
    pkg = f[f["pid"].map(lambda x: role.get(x, "package")).isin(["package", "host", "root"])]
    reads = pkg[pkg["op"].eq("read") & pkg["result"].eq("ok")]
    for cat, id_ in (("honeytoken", "honeytoken_read"), ("credentials", "credential_read"),
                     ("ssh", "credential_read"), ("browser", "browser_profile_read"),
                     ("system_secret", "system_secret_read"), ("sandbox_probe", "sandbox_probe")):
        # probing for a store that is absent is intent too; honeytokens always exist
        hits = reads[reads["category"].eq(cat)] if cat == "honeytoken" \
            else pkg[pkg["category"].eq(cat) & pkg["op"].eq("read")]
        for (phase, path), _g in hits.groupby(["phase", "path"], sort=False):
            out.append(_ind(id_, f"{path} read", phase, path=path))
    passwd = reads[reads["path"].eq("/etc/passwd") & reads["pid"].map(lambda x: role.get(x)).isin(["package", "root", "host"])]
    for phase, _g in passwd.groupby("phase"):
        out.append(_ind("system_secret_read", "/etc/passwd read by a process the package started", phase,
                        path="/etc/passwd"))
    writes = pkg[pkg["op"].isin(["write", "create", "rename", "chmod"]) & pkg["result"].eq("ok")]
    for (phase, path, cat), _g in writes[writes["category"].isin(PERSISTENCE)].groupby(["phase", "path", "category"]):
        out.append(_ind("persistence_write", f"{cat}: {path}", phase, path=path))
    execs = f[f["op"].eq("exec") & f["result"].eq("ok") & f["path"].isin(set(writes["path"]))]
    execs = execs[execs["pid"].map(lambda x: role.get(x)).isin(["package", "host"])]
    for (phase, path), _g in execs.groupby(["phase", "path"]):
        out.append(_ind("exec_written_file", f"executed {path}, which the package wrote", phase, path=path))
    return out


def _network_indicators(frames) -> list[Indicator]:
    """Connections to anything but loopback, and DNS look-ups."""
    out = []
    ep = frames.endpoints
    if len(ep):
        remote = ep[~ep["address"].astype(str).str.match(r"^(?:127\.|::1$|::ffff:127\.)")]
        for (phase, address, port), g in remote.groupby(["phase", "address", "port"], dropna=False):
            host = g["hostname"].dropna()
            hostname = host.iloc[0] if len(host) else None
            out.append(_ind("network_attempt", f"{g['protocol'].iloc[0]} to {hostname or address}:{port} "
                                               f"({len(g)}x, {g['outcome'].iloc[0]})", phase, address=str(address),
                            port=int(port) if pd.notna(port) else None, hostname=hostname))
    if len(frames.dns):
        for (phase, host), g in frames.dns.groupby(["phase", "hostname"], dropna=False):
            out.append(_ind("dns_query", f"resolved {host} ({len(g)}x)", phase if isinstance(phase, str) else None,
                            hostname=host))
    return out


def _exfiltration_indicators(frames, canaries: dict) -> list[Indicator]:
    """A canary in DNS names, sinkhole data (decrypted HTTPS, plain HTTP, raw TCP: every encoding
    peeled) or bytes sent over any socket."""
    seen: dict[str, str] = {}
    urls: dict[str, str] = {}
    for host in frames.dns.get("hostname", []):
        for key in find_canaries(str(host), canaries):
            seen.setdefault(key, f"in DNS name {host}")
    for rec in frames.sinkhole:
        dest = rec.get("url") or f"{rec.get('host') or rec.get('address')}:{rec.get('port')}"
        texts = request_variants(rec)
        # the canary itself, at the layer that reveals it, before its encoded forms
        for chain, key in [(c, k) for c, t in texts for k in _raw_canaries(t, canaries)] + \
                          [(c, k) for c, t in texts for k in find_canaries(t, canaries)]:
            if key not in seen:
                seen[key] = f"sent to {(rec.get('method') + ' ') if rec.get('method') else ''}{dest} ({chain})"
                if rec.get("url"):
                    urls[key] = rec["url"]
    sc = frames.syscalls
    if len(sc):
        sends = sc[sc["name"].isin(["sendto", "sendmsg", "write", "sendmmsg"]) & sc["args"].str.contains(
            r"<(?:TCP|UDP)", regex=True)]
        for args in sends["args"]:
            for key in find_canaries(args, canaries):
                seen.setdefault(key, "sent over a socket")
    return [_ind("honeytoken_exfiltration", f"canary {key} {where}", None, canary=key,
                 **({"url": urls[key]} if key in urls else {})) for key, where in seen.items()]


def _survivors(frames) -> list[int]:
    after = (frames.harness or {}).get("after") or {}
    return [int(x) for x in after.get("survivors") or []]
