"""Phase runner: started by strace as the unprivileged package user. Runs install, import and
execute, each with its own deadline, and reports every phase as one JSON line on stdout (a
pipe only the harness reads; phase children never inherit it). Then it lets survivors of the
phases (daemons, double forks) run until the scan's deadline, kills them and reports them.

Its own syscalls are in the trace too; the parser drops them (it is the trace's first pid).
Standard library only.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def report(**event) -> None:
    os.write(REPORT_FD, (json.dumps(event) + "\n").encode())


OUTPUT_CAP = 16 * 1024 * 1024  # bytes of phase output counted as normal; past it: a flood


def _drain(pipe, sink: dict) -> None:
    """Read a phase's output to the end, keeping only the last 2000 bytes and the byte count,
    so an output flood costs neither memory nor scratch disk (it used to be spooled to /tmp)."""
    tail = b""
    while True:
        try:
            chunk = pipe.read(65536)
        except (OSError, ValueError):
            break
        if not chunk:
            break
        sink["bytes"] += len(chunk)
        tail = (tail + chunk)[-2000:]
        sink["tail"] = tail


def run_phase(name: str, argv: list[str], timeout: float, cwd: str, env: dict | None = None) -> dict:
    """Run one phase command in its own session; its status follows DESIGN section 3."""
    start = time.time()
    status, code = "ok", None
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    except OSError as exc:
        return {"name": name, "status": "failed", "exit_code": None, "duration_s": 0.0, "start": start,
                "end": start, "pid": None, "argv": argv, "output_tail": str(exc)}
    sink = {"bytes": 0, "tail": b""}
    reader = threading.Thread(target=_drain, args=(proc.stdout, sink), daemon=True)
    reader.start()
    report(kind="phase_start", name=name, pid=proc.pid, start=start, argv=argv)
    try:
        code = proc.wait(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
        status = "timeout"
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        code = proc.wait()
    end = time.time()
    reader.join(timeout=1.0)  # a daemon may hold the pipe open: do not wait for it
    if status == "ok":
        if code < 0:
            status = "killed"
        elif code != 0:
            status = "failed"
    return {"name": name, "status": status, "exit_code": code, "duration_s": round(end - start, 3),
            "start": start, "end": end, "pid": proc.pid, "argv": argv,
            "output_tail": sink["tail"].decode("utf-8", "replace"), "output_bytes": sink["bytes"],
            "output_truncated": sink["bytes"] > OUTPUT_CAP}


def skipped(name: str, why: str) -> dict:
    now = time.time()
    return {"name": name, "status": "skipped", "exit_code": None, "duration_s": 0.0, "start": now, "end": now,
            "pid": None, "argv": [], "output_tail": why}


# --- what to import / execute, read from the installed files (not by running package code) ---

def python_targets(dist_name: str, shipped: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(top-level modules, console scripts) of the installed distribution: top_level.txt, else
    RECORD; when neither names one, the modules the artifact ships that are now installed."""
    from importlib import metadata

    import site

    norm = dist_name.replace("-", "_").replace(".", "_").lower()
    dist = None
    # the user site did not exist when this process started, so it is not on sys.path yet
    for d in metadata.distributions(path=[site.getusersitepackages(), *sys.path]):
        n = (d.metadata.get("Name") or "").replace("-", "_").replace(".", "_").lower()
        if n == norm:
            dist = d
            break
    modules, scripts = [], []
    if dist is not None:
        top = dist.read_text("top_level.txt")
        if top:
            modules = [m.strip() for m in top.splitlines() if m.strip()]
        else:
            for f in dist.files or []:
                parts = f.parts
                if not parts or parts[0].endswith((".dist-info", ".egg-info", ".data")) or parts[0] in ("..", "__pycache__"):
                    continue
                if len(parts) == 1 and parts[0].endswith(".py"):
                    modules.append(parts[0][:-3])
                elif len(parts) > 1 and parts[1] == "__init__.py":
                    modules.append(parts[0])
        scripts = sorted({ep.name for ep in dist.entry_points if ep.group == "console_scripts"})
    modules = [m for m in modules if m.isidentifier()]
    if not modules and shipped:
        user_site = site.getusersitepackages()
        modules = [m for m in shipped if m.isidentifier() and (
            os.path.isfile(os.path.join(user_site, m, "__init__.py"))
            or os.path.isfile(os.path.join(user_site, m + ".py")))]
    return sorted(set(modules)), scripts


def unpack_source(artifact: str, dest: str) -> str | None:
    """The artifact's files under dest (regular files and directories only, nothing outside it),
    as pip would unpack it to build; returns the source root (the sdist's single top directory)."""
    import tarfile
    import zipfile

    def safe(name: str) -> str | None:
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
        return None if not parts or ".." in parts or name.startswith("/") else os.path.join(dest, *parts)

    try:
        if zipfile.is_zipfile(artifact):
            with zipfile.ZipFile(artifact) as zf:
                for info in zf.infolist():
                    target = safe(info.filename)
                    if target and not info.is_dir():
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        with zf.open(info) as src, open(target, "wb") as out:
                            shutil.copyfileobj(src, out)
        else:
            with tarfile.open(artifact) as tf:
                for member in tf:
                    target = safe(member.name)
                    if target and member.isfile():
                        os.makedirs(os.path.dirname(target), exist_ok=True)
                        with tf.extractfile(member) as src, open(target, "wb") as out:
                            shutil.copyfileobj(src, out)
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError):
        return None
    entries = os.listdir(dest) if os.path.isdir(dest) else []
    if len(entries) == 1 and os.path.isdir(os.path.join(dest, entries[0])):
        return os.path.join(dest, entries[0])
    return dest if entries else None


def import_from_source(job: dict, timeout: float) -> dict:
    """Install failed (a Python 2 or Windows setup.py, a build step, a dependency missing
    offline): import the modules the artifact ships from its unpacked source tree, as someone who
    downloaded it and ran it from the checkout would. The phase record says `source_tree`."""
    import tempfile

    modules = [m for m in job.get("modules_shipped") or [] if m.isidentifier()]
    if not modules:
        return skipped("import", "install did not succeed")
    root = unpack_source(job["artifact"], tempfile.mkdtemp(prefix="build-"))
    if root is None:
        return skipped("import", "install did not succeed")
    path = os.pathsep.join(p for p in (root, os.path.join(root, "src")) if os.path.isdir(p))
    env = dict(os.environ, PYTHONPATH=path)
    imp = run_phase("import", [sys.executable, os.path.join(HERE, "importer.py"), *modules], timeout, root, env)
    imp["source_tree"] = True
    return imp


def node_targets(app: str, name: str) -> list[str]:
    pkg = os.path.join(app, "node_modules", name, "package.json")
    try:
        with open(pkg, encoding="utf-8") as fh:
            meta = json.load(fh)
    except (OSError, ValueError):
        return []
    binmap = meta.get("bin")
    if isinstance(binmap, str):
        return [name.split("/")[-1]]
    return sorted(binmap) if isinstance(binmap, dict) else []


def _trust_installed(job: dict, home: str) -> None:
    """certifi bundles the install brought in trust the scan's CA too (before import runs)."""
    if job.get("ca_pem"):
        sys.path.insert(0, HERE)
        import trust

        report(kind="trust", patched=trust.patch_installed(job["ca_pem"], home))


def main() -> int:
    job = json.load(sys.stdin)
    home = os.path.expanduser("~")
    budget = job["phase_timeouts"]
    deadline = job["deadline_epoch"]
    artifact = job["artifact"]
    eco = job["ecosystem"]
    results = []

    def remaining(want: float) -> float:
        return max(0.1, min(want, deadline - job["linger_s"] - time.time()))

    if eco == "pypi":
        argv = [sys.executable, "-m", "pip", "install", "--no-index", "--find-links", job["deps_dir"],
                "--user", "--break-system-packages", "--disable-pip-version-check", artifact]
        # setup_requires makes setuptools start its own `pip wheel`: it reads the same offline index
        offline = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS=job["deps_dir"])
        inst = run_phase("install", argv, remaining(budget["install"]), home, offline)
        _trust_installed(job, home)
        results.append(inst)
        report(kind="phase", **inst)
        if inst["status"] == "ok":
            modules, scripts = python_targets(job["dist_name"], job.get("modules_shipped"))
            if modules:
                imp = run_phase("import", [sys.executable, os.path.join(HERE, "importer.py"), *modules],
                                remaining(budget["import"]), home)
            else:
                imp = skipped("import", "no top-level modules found")
        else:
            scripts = []
            imp = import_from_source(job, remaining(budget["import"]))
        report(kind="phase", **imp)
        bindir = os.path.join(home, ".local", "bin")
        exe_argvs = [[os.path.join(bindir, s), "--help"] for s in scripts if os.path.exists(os.path.join(bindir, s))]
    else:
        app = os.path.join(home, "app")
        os.makedirs(app, exist_ok=True)
        with open(os.path.join(app, "package.json"), "w", encoding="utf-8") as fh:
            json.dump({"name": "app", "version": "1.0.0", "private": True}, fh)
        if job.get("npm_cache") and os.path.isdir(job["npm_cache"]):
            shutil.copytree(job["npm_cache"], os.path.join(home, ".npm", "_cacache"), dirs_exist_ok=True)
        argv = ["npm", "install", "--offline", "--no-audit", "--no-fund", "--no-update-notifier", artifact]
        inst = run_phase("install", argv, remaining(budget["install"]), app)
        _trust_installed(job, home)
        report(kind="phase", **inst)
        name = job["dist_name"]
        if inst["status"] == "ok":
            imp = run_phase("import", ["node", os.path.join(HERE, "require.js"), name], remaining(budget["import"]), app)
            bins = node_targets(app, name)
        else:
            imp, bins = skipped("import", "install did not succeed"), []
        report(kind="phase", **imp)
        bindir = os.path.join(app, "node_modules", ".bin")
        exe_argvs = [[os.path.join(bindir, b), "--help"] for b in bins if os.path.exists(os.path.join(bindir, b))]
        home = app
    if job.get("execute", True) and exe_argvs:
        per = budget["execute"] / len(exe_argvs)
        parts = [run_phase("execute", a, remaining(per), home) for a in exe_argvs[:5]]
        worst = next((p for p in parts if p["status"] != "ok"), parts[0])
        merged = dict(worst, start=parts[0]["start"], end=parts[-1]["end"],
                      duration_s=round(sum(p["duration_s"] for p in parts), 3),
                      pids=[p["pid"] for p in parts], argvs=[p["argv"] for p in parts])
        report(kind="phase", **merged)
    else:
        report(kind="phase", **skipped("execute", "no console scripts / bin entries" if job.get("execute", True) else "disabled"))
    linger(job)
    return 0


def survivors() -> list[int]:
    me, uid = os.getpid(), os.getuid()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid == uid:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    if fh.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                        out.append(int(entry))
        except (OSError, IndexError):
            continue
    return out


def linger(job: dict) -> None:
    """Processes that outlived their phase keep running, traced, until the scan's deadline
    (a delayed payload must not escape by sleeping); then they are killed and reported.
    The phases leave at least `linger_s` of the deadline for this."""
    left = survivors()
    if not left:
        report(kind="after", survivors=[], killed=[])
        return
    until = job["deadline_epoch"] - 1.0
    while time.time() < until and left:
        time.sleep(0.2)
        left = survivors()
    if left:
        try:
            os.kill(-1, signal.SIGKILL)  # every process of this uid but the runner itself
        except OSError:
            pass
    report(kind="after", survivors=left, killed=left, end=time.time())


if __name__ == "__main__":
    REPORT_FD = os.dup(1)
    os.set_inheritable(REPORT_FD, False)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.exit(main())
