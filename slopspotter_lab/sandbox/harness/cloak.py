"""Show the package a plain machine, not a container (Docker and gVisor backends).

Malware looks for analysis environments before acting (/.dockerenv, docker-init as pid 1, docker
paths in /proc/self/mountinfo, a machine that booted seconds ago). The root harness, pid 1 of the
container, therefore
- renames itself: /proc/1/cmdline reads `/sbin/init`, its name `systemd` (`become_init`);
- builds a clean tree in a private mount namespace (`build_tree`): an overlay of the image root
  with its own upper layer (no /.dockerenv, /in or /out; the image's hostname, hosts and
  resolv.conf written as files, not bind mounts), the sandbox's own /dev, /home, /tmp, /var/tmp,
  /sys (without the cgroup mounts that name the container) and a fresh /proc;
  what the phases need (the harness's runner files, the artifacts, the CA keys) is copied in;
  then it chroots into it, so everything it starts sees only that tree, and mountinfo lists
  only its mounts;
- starts the phases in a time namespace whose boot time is days ago (`plausible_uptime`).
Needs CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_MKNOD (overlay whiteouts) and CAP_DAC_OVERRIDE; the
package user holds none of them. Standard library only (ctypes for unshare and prctl).
"""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import subprocess
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWTIME = 0x00000080
PR_SET_NAME = 15
PR_CAPBSET_DROP = 24
CAP_SYS_TIME = 25
BASE = "/run/lib"  # tmpfs holding the overlay's upper layer (outside the tree)
LIBDIR = "/usr/local/lib/devtools"  # where the runner, importer and require.js live in the tree
DISTDIR = "/var/cache/dist"  # artifacts (the package and its dependencies)
KEYDIR = "/root/.local/share/tls"  # the CA keys: /root is 0700, invisible to the package user
TRACEDIR = "/root/.cache/t"  # strace's output inside the tree (copied to /out at the end)
RUNNER_FILES = ("runner.py", "importer.py", "require.js", "trust.py")

_libc = ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> None:
    if _libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _run(argv: list[str]) -> None:
    res = subprocess.run(argv, capture_output=True, timeout=30)
    if res.returncode != 0:
        raise OSError(f"{' '.join(argv)}: {res.stderr.decode(errors='replace').strip()[:200]}")


def become_init(argv: list[str]) -> None:
    """If this is pid 1, re-exec Python as `/sbin/init`, the harness's code coming on stdin.

    Returns (does nothing) when already done, or when not pid 1 (the VM backend)."""
    if os.getpid() != 1 or os.environ.get("SLOPSPOTTER_INIT") == "1":
        if os.getpid() == 1:
            _libc.prctl(PR_SET_NAME, b"systemd", 0, 0, 0)
        return
    r, w = os.pipe()
    code = (f"import runpy, sys; sys.argv = {['main.py', *argv[1:]]!r}; "
            f"runpy.run_path({os.path.abspath(argv[0])!r}, run_name='__main__')\n")
    os.write(w, code.encode())
    os.close(w)
    os.dup2(r, 0)
    os.close(r)
    env = dict(os.environ, SLOPSPOTTER_INIT="1", SLOPSPOTTER_PYTHON=os.path.realpath(sys.executable))
    os.execve(sys.executable, ["/sbin/init"], env)


def python() -> str:
    """The interpreter's real path (after the re-exec sys.executable reads /sbin/init)."""
    return os.environ.get("SLOPSPOTTER_PYTHON") or sys.executable


def reap_orphans() -> None:
    """pid 1 inherits orphaned daemons: reap the package user's zombies (never our own children,
    whose exit statuses the harness waits for)."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None:
            return
        if info.si_uid == 0:
            return  # ours (strace, openssl, the runner before it drops): left to their waiters
        try:
            os.waitpid(info.si_pid, os.WNOHANG)
        except ChildProcessError:
            return


def build_tree(job: dict, hostname: str, size_mb: int = 1024) -> dict:
    """Make the clean tree and chroot into it; returns the paths the phases use inside it."""
    _unshare(CLONE_NEWNS)
    _run(["mount", "--make-rprivate", "/"])
    os.makedirs(BASE, exist_ok=True)
    _run(["mount", "-t", "tmpfs", "-o", f"mode=700,size={size_mb}m", "tmpfs", BASE])
    for d in ("u", "w", "m"):
        os.mkdir(f"{BASE}/{d}")
    tree = f"{BASE}/m"
    _run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir=/,upperdir={BASE}/u,workdir={BASE}/w", tree])
    for d in ("dev", "home", "tmp", "var/tmp", "sys"):
        if os.path.isdir(f"/{d}"):
            _run(["mount", "--rbind", f"/{d}", f"{tree}/{d}"])
    if os.path.ismount(f"{tree}/sys/fs/cgroup"):  # its mount paths name the container (gVisor)
        subprocess.run(["umount", "-R", "-l", f"{tree}/sys/fs/cgroup"], capture_output=True, timeout=30)
    _run(["mount", "-t", "tmpfs", "-o", "mode=755,size=16m,nosuid,nodev", "tmpfs", f"{tree}/run"])
    os.makedirs(f"{tree}/run/lock", mode=0o1777, exist_ok=True)
    if subprocess.run(["mount", "-t", "proc", "proc", f"{tree}/proc"], capture_output=True).returncode != 0:
        _run(["mount", "--rbind", "/proc", f"{tree}/proc"])
    for path in ("/.dockerenv", "/run/.containerenv"):
        if os.path.lexists(tree + path):
            os.unlink(tree + path)
    for d in ("/in", "/out"):
        if os.path.lexists(tree + d):
            shutil.rmtree(tree + d, ignore_errors=True)
    for name in ("hostname", "hosts", "resolv.conf"):  # files of their own, not bind mounts
        try:
            with open(f"/etc/{name}", encoding="utf-8") as fh:
                text = fh.read()
        except OSError:
            text = f"{hostname}\n" if name == "hostname" else ""
        if name == "hosts" and hostname not in text:
            text = f"127.0.0.1\tlocalhost\n127.0.1.1\t{hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        os.unlink(f"{tree}/etc/{name}") if os.path.lexists(f"{tree}/etc/{name}") else None
        with open(f"{tree}/etc/{name}", "w", encoding="utf-8") as fh:
            fh.write(text)
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(tree + LIBDIR, exist_ok=True)
    for name in RUNNER_FILES:
        shutil.copy2(os.path.join(here, name), tree + LIBDIR)
        os.chmod(os.path.join(tree + LIBDIR, name), 0o644)
    arts = os.path.dirname(job["artifact"])
    shutil.copytree(arts, tree + DISTDIR, dirs_exist_ok=True)
    paths = {"libdir": LIBDIR, "artifact": job["artifact"].replace(arts, DISTDIR, 1),
             "deps_dir": job["deps_dir"].replace(arts, DISTDIR, 1) if job.get("deps_dir") else None,
             "npm_cache": job["npm_cache"].replace(arts, DISTDIR, 1) if job.get("npm_cache") else None,
             "tracedir": TRACEDIR}
    if job.get("tls"):
        os.makedirs(tree + KEYDIR, mode=0o700, exist_ok=True)
        for role, path in job["tls"].items():
            shutil.copy2(path, tree + KEYDIR)
            paths.setdefault("tls", {})[role] = f"{KEYDIR}/{os.path.basename(path)}"
    os.makedirs(tree + TRACEDIR, mode=0o700, exist_ok=True)
    os.chroot(tree)
    os.chdir("/")
    return paths


def plausible_uptime() -> float | None:
    """Enter a time namespace (for children) whose boot was 2-9 days ago; None if unsupported."""
    days = random.uniform(2, 9) * 86400
    try:
        _unshare(CLONE_NEWTIME)
        fd = os.open("/proc/self/timens_offsets", os.O_WRONLY)  # needs CAP_SYS_TIME (runc); gVisor refuses
        try:
            os.write(fd, f"monotonic {int(days)} 0\n".encode())
            os.write(fd, f"boottime {int(days)} 0\n".encode())
        finally:
            os.close(fd)
    except OSError:
        return None
    finally:
        drop_capability(CAP_SYS_TIME)  # only for the offsets: never the clock of the host
    return days


def drop_capability(cap: int) -> None:
    """Remove one capability from this process for good: bounding, effective, permitted sets."""
    _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    if _libc.capget(header, data) != 0:
        return
    word, bit = divmod(cap, 32)
    for i in (0, 1):  # effective, permitted of each 32-bit word
        data[word * 3 + i] &= ~(1 << bit) & 0xFFFFFFFF
    _libc.capset(header, data)
