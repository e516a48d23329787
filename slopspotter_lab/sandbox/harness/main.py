"""The in-sandbox harness entry point (the same file for every backend: Docker, gVisor, VM).

Runs as root inside the sandbox: reads /in/job.json, sets up the fake network (resolver,
sinkhole, loopback-only routing) and the honeytokens, then starts `strace -f` on the phase
runner as the unprivileged package user, enforces the scan deadline and writes everything to
/out: trace.log, phases.json, fakenet.jsonl, harness.json. Standard library only.

Capabilities it needs, and why: NET_ADMIN (sinkhole address on lo, default route to lo, one
iptables REDIRECT rule), NET_BIND_SERVICE (resolver on :53), SETUID/SETGID (strace -u drops to
the package user), CHOWN/FOWNER/DAC_OVERRIDE (plant honeytokens in the user's home), KILL
(deadline). The package user holds none of them (set*uid to a non-root uid clears them).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cloak  # noqa: E402
import fakenet  # noqa: E402
import trust  # noqa: E402

DONE_MARKER = "SLOPSPOTTER-HARNESS-DONE"
SINK_PORT = 18080
FALLBACK_PORTS = (80, 443, 8080, 8443, 4444, 1337, 22, 21, 25, 6667, 9001)
# Syscalls traced: process, file and network classes, without the stat/access flood that
# only slows imports down (seccomp-bpf stops the tracee only for these).
TRACE_SET = ("%process,%network,open,openat,openat2,creat,unlink,unlinkat,rename,renameat,renameat2,"
             "chmod,fchmod,fchmodat,mkdir,mkdirat,symlink,symlinkat,link,linkat,truncate,chdir,"
             "setsid,setpgid,ptrace,prctl,kill,tkill,tgkill,memfd_create,mount,umount2,chroot,"
             "unshare,setns,setuid,setgid")


def log(state: dict, msg: str) -> None:
    state.setdefault("log", []).append(f"{time.time() - state['t0']:.3f} {msg}")


def sh(state: dict, argv: list[str]) -> bool:
    try:
        res = subprocess.run(argv, capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log(state, f"{argv[0]} failed: {exc}")
        return False
    if res.returncode != 0:
        log(state, f"{' '.join(argv)} -> {res.returncode}: {res.stderr.decode(errors='replace')[:200]}")
    return res.returncode == 0


def setup_network(state: dict) -> dict:
    """Sinkhole net on lo, a default route to lo, and every outbound TCP redirected locally."""
    net = {"lo_up": sh(state, ["ip", "link", "set", "lo", "up"])}
    net["sink_addr"] = sh(state, ["ip", "addr", "add", f"{fakenet.SINK_NET}.0.1/16", "dev", "lo"])
    net["default_route"] = sh(state, ["ip", "route", "add", "default", "dev", "lo"])
    net["redirect"] = sh(state, ["iptables", "-w", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "!", "-d", "127.0.0.0/8",
                                 "-j", "REDIRECT", "--to-ports", str(SINK_PORT)])
    fallback = () if net["redirect"] else FALLBACK_PORTS
    net.update(fakenet.start(state["out"], state["t0"], SINK_PORT, fallback, tls=state.get("tls")))
    return net


def write_file(path: str, text: str, uid: int, gid: int, mode: int = 0o600) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, mode)
    os.chown(path, uid, gid)
    parent = os.path.dirname(path)
    while parent.startswith(pwd.getpwuid(uid).pw_dir + "/"):  # every directory we made is the user's
        os.chown(parent, uid, gid)
        parent = os.path.dirname(parent)


def plant_honeytokens(user: pwd.struct_passwd, c: dict) -> list[str]:
    """Realistic-looking credentials with this scan's canary values; returns the paths."""
    h, uid, gid = user.pw_dir, user.pw_uid, user.pw_gid
    files = {
        f"{h}/.aws/credentials": f"[default]\naws_access_key_id = {c['aws_access_key_id']}\n"
                                 f"aws_secret_access_key = {c['aws_secret_access_key']}\nregion = us-east-1\n",
        f"{h}/.ssh/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n" + c["ssh_key_body"] +
                            "\n-----END OPENSSH PRIVATE KEY-----\n",
        f"{h}/.npmrc": f"//registry.npmjs.org/:_authToken={c['npm_token']}\n",
        f"{h}/.pypirc": f"[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {c['pypi_token']}\n",
        f"{h}/.config/gh/hosts.yml": f"github.com:\n    oauth_token: {c['github_token']}\n    user: {user.pw_name}\n",
    }
    for path, text in files.items():
        write_file(path, text, uid, gid)
    os.chmod(f"{h}/.ssh", 0o700)
    write_file(f"{h}/.ssh/id_rsa.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{c['ssh_key_body'][:30]} {user.pw_name}@laptop\n",
               uid, gid, 0o644)
    write_file(f"{h}/.bashrc", "# ~/.bashrc\nexport PATH=\"$HOME/.local/bin:$PATH\"\nalias ll='ls -l'\n", uid, gid, 0o644)
    write_file(f"{h}/.gitconfig", f"[user]\n\tname = {user.pw_gecos.split(',')[0] or user.pw_name}\n"
                                  f"\temail = {user.pw_name}@example.test\n", uid, gid, 0o644)
    for d in ("projects", ".cache", ".local/bin"):
        os.makedirs(f"{h}/{d}", exist_ok=True)
        os.chown(f"{h}/{d}", uid, gid)
    os.chown(f"{h}/.local", uid, gid)
    return sorted(files)


def kill_everything() -> None:
    """SIGKILL every process in the sandbox but init and this harness."""
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass


def apply_cloak(job: dict, state: dict, harness: dict, out: str) -> tuple[str, str, str, dict | None]:
    """Containers: build the clean tree the package sees (cloak.py) and point the job into it.
    Returns (out, libdir, trace path, tree or None); a failure leaves a visible container."""
    libdir, trace_path, tree = HERE, f"{out}/trace.log", None
    if os.environ.get("SLOPSPOTTER_CLOAK") != "1":
        return out, libdir, trace_path, tree
    try:
        outfd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)  # /out stays reachable from inside the tree
        tree = cloak.build_tree(job, socket.gethostname())
        out = state["out"] = f"/proc/self/fd/{outfd}"
        job.update({k: tree[k] for k in ("artifact", "deps_dir", "npm_cache", "tls") if tree.get(k)})
        libdir, trace_path = tree["libdir"], f"{tree['tracedir']}/trace.log"
        harness["cloak"] = {k: tree[k] for k in ("libdir", "tracedir")}
    except Exception as exc:  # the scan goes on, visibly a container; the report says why
        harness["cloak"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return out, libdir, trace_path, tree


def package_env(job: dict, user: pwd.struct_passwd, ca_pem: str | None) -> dict:
    """The package user's environment: a developer's, with canary cloud and GitHub credentials."""
    env = {
        "HOME": user.pw_dir, "USER": user.pw_name, "LOGNAME": user.pw_name, "SHELL": "/bin/bash",
        "PATH": f"{user.pw_dir}/.local/bin:/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8",
        "TERM": "xterm-256color", "PWD": user.pw_dir, "TMPDIR": "/tmp",
        "AWS_ACCESS_KEY_ID": job["canaries"]["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": job["canaries"]["aws_secret_access_key"],
        "GITHUB_TOKEN": job["canaries"]["github_token"],
        "PIP_NO_INPUT": "1", "npm_config_update_notifier": "false",
    }
    if ca_pem:
        env.update(trust.ENV)
    env.update(job.get("env", {}))
    return env


def runner_command(job: dict, user: pwd.struct_passwd, libdir: str, trace_path: str,
                   harness: dict) -> tuple[list[str], dict]:
    """(argv, Popen privilege-drop kwargs): strace -f on the runner as the package user, or the
    bare runner when the backend traces from outside (gVisor's syscall log: no visible tracer)."""
    if os.environ.get("SLOPSPOTTER_TRACER") == "none":
        harness["tracer"] = "none"
        return [cloak.python(), f"{libdir}/runner.py"], {
            "user": user.pw_uid, "group": user.pw_gid, "extra_groups": os.getgrouplist(user.pw_name, user.pw_gid)}
    trace = job.get("trace", {})
    return ["strace", "-f", "-ttt", "-yy", "-q", "-s", str(trace.get("string_limit", 256)),
            "--seccomp-bpf", "-e", f"trace={trace.get('syscalls', TRACE_SET)}", "-e", "signal=!SIGCHLD",
            "-o", trace_path, "-u", user.pw_name, "--", cloak.python(), f"{libdir}/runner.py"], {}


def watch(proc: subprocess.Popen, deadline: float, trace_path: str, cap: int) -> str:
    """Wait for the runner; kill everything at the deadline or when the trace passes its cap."""
    while proc.poll() is None:
        if time.time() > deadline:
            kill_everything()
            return "deadline"
        try:
            if os.path.getsize(trace_path) > cap:
                kill_everything()
                return "trace_truncated"
        except OSError:  # strace has not created it yet
            pass
        if os.getpid() == 1:
            cloak.reap_orphans()
        time.sleep(0.1)
    return "ok"


def run_phases(proc: subprocess.Popen, runner_job: dict, deadline: float, trace_path: str,
               cap: int) -> tuple[str, list[dict]]:
    """Feed the runner its job, collect its JSON-line events, enforce the limits: (status, events)."""
    proc.stdin.write(json.dumps(runner_job).encode())
    proc.stdin.close()
    events: list[dict] = []

    def read_events():
        for line in proc.stdout:
            try:
                events.append(json.loads(line))
            except ValueError:
                continue

    reader = threading.Thread(target=read_events, daemon=True)
    reader.start()
    status = watch(proc, deadline, trace_path, cap)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        kill_everything()
    reader.join(timeout=2)
    return status, events


def write_results(out: str, harness: dict, events: list[dict], trace_path: str, cap: int) -> None:
    """phases.json, harness.json and the (capped) trace.log into /out."""
    with open(f"{out}/phases.json", "w", encoding="utf-8") as fh:
        json.dump([e for e in events if e.get("kind") == "phase"], fh, indent=1)
    with open(f"{out}/harness.json", "w", encoding="utf-8") as fh:
        json.dump(harness, fh, indent=1)
    if trace_path != f"{out}/trace.log" and os.path.exists(trace_path):  # from inside the tree to /out
        with open(trace_path, "rb") as src, open(f"{out}/trace.log", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.unlink(trace_path)
    if os.path.exists(f"{out}/trace.log") and os.path.getsize(f"{out}/trace.log") > cap:
        os.truncate(f"{out}/trace.log", cap)


def main() -> int:
    cloak.become_init(sys.argv)  # pid 1 of a container reads /sbin/init, not a harness path
    job_path = sys.argv[1] if len(sys.argv) > 1 else "/in/job.json"
    with open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    out = job.get("outdir", "/out")
    t0 = time.time()
    state = {"t0": t0, "out": out}
    deadline = t0 + float(job["timeout"]) - 2.0  # leave time to flush /out before the backend kills us
    user = pwd.getpwnam(job["user"])
    harness = {"t0": t0, "scan_id": job["scan_id"], "user": user.pw_name, "home": user.pw_dir}
    os.makedirs(user.pw_dir, exist_ok=True)
    os.chown(user.pw_dir, user.pw_uid, user.pw_gid)
    harness["honeytokens"] = plant_honeytokens(user, job["canaries"])
    ca_pem = None
    if job.get("tls"):
        with open(job["tls"]["ca_cert"], encoding="ascii") as fh:
            ca_pem = fh.read()
    out, libdir, trace_path, tree = apply_cloak(job, state, harness, out)
    if job.get("tls"):  # the scan's CA: trusted system-wide, its keys stay with this root harness
        state["tls"] = job["tls"]
        harness["trust"] = trust.install(ca_pem)
    harness["network"] = setup_network(state)
    env = package_env(job, user, ca_pem)
    runner_job = {k: job[k] for k in ("ecosystem", "artifact", "deps_dir", "npm_cache", "dist_name",
                                      "modules_shipped", "phase_timeouts", "linger_s", "execute") if k in job}
    runner_job.update(deadline_epoch=deadline, ca_pem=ca_pem)
    argv, drop = runner_command(job, user, libdir, trace_path, harness)
    os.chdir(user.pw_dir)
    if tree is not None:
        harness["uptime_offset_s"] = cloak.plausible_uptime()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            **drop)
    cap = int(job.get("trace", {}).get("max_bytes", 48 * 1024 * 1024))
    status, events = run_phases(proc, runner_job, deadline, trace_path, cap)
    stderr = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
    harness.update(status=status, end=time.time(), strace_exit=proc.returncode, strace_stderr=stderr,
                   phase_starts=[e for e in events if e.get("kind") == "phase_start"],
                   after=next((e for e in events if e.get("kind") == "after"), None), log=state.get("log", []))
    write_results(out, harness, events, trace_path, cap)
    print(DONE_MARKER, flush=True)
    if os.environ.get("SLOPSPOTTER_HOLD"):  # tmpfs /out lives as long as we do: wait to be copied
        time.sleep(float(os.environ["SLOPSPOTTER_HOLD"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
