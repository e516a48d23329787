#!/usr/bin/env bash
# gVisor (runsc) as Docker runtimes for `--backend gvisor`:
#   runsc        - plain gVisor; the harness traces with strace inside the sandbox
#   runsc-trace  - gVisor's own syscall log (--strace), written by the sandbox kernel on the host
#                  side, so the package can neither see nor kill the tracer (--trace-mode gvisor)
# The systrap platform (ptrace on old runsc) needs no /dev/kvm and works nested in containers/VMs.
# Idempotent: merges the two runtimes into /etc/docker/daemon.json (other keys kept) and
# reloads dockerd with SIGHUP (runtimes are reloadable; running containers are untouched).
set -euo pipefail
SUDO="${SUDO:-}"
logdir="${SLOP_RUNSC_LOGDIR:-/var/log/slopspotter-runsc}"
platform="${SLOP_RUNSC_PLATFORM:-systrap}"
# Debian 12's own runsc (2022-12) fails statx(AT_NO_AUTOMOUNT), which breaks coreutils ls/stat
# inside the sandbox (and is a gVisor giveaway); bookworm-backports carries 2024-07, which works
# and has the faster systrap platform. Backports has pin priority 100: nothing else changes.
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
if [ "$codename" = bookworm ]; then
  list=/etc/apt/sources.list.d/slopspotter-backports.list
  if [ ! -f "$list" ]; then
    mirror="${SLOP_MIRROR:-http://deb.debian.org/debian}"
    echo "deb $mirror bookworm-backports main" | $SUDO tee "$list" >/dev/null
    $SUDO apt-get update -qq
  fi
  if ! runsc --version 2>/dev/null | grep -q 'version 0.0~2024'; then
    $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports runsc >/dev/null
  fi
elif ! command -v runsc >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends runsc >/dev/null
fi
runsc --version | sed -n 1p
runsc flags 2>&1 | grep -A1 -- '-platform ' | grep -q systrap || platform=ptrace
$SUDO mkdir -p "$logdir" && $SUDO chmod 0700 "$logdir"

# gVisor must run here at all (nested platforms can fail); say so plainly but do not fail setup:
# the backend's available() reports the same reason and its tests skip with it.
if ! out="$(cd /tmp && timeout 60 $SUDO runsc --platform="$platform" --network=none do true 2>&1)"; then
  echo "WARNING: runsc --platform=$platform cannot start a sandbox here: ${out:0:300}" >&2
fi

want="$($SUDO env SLOP_RUNSC_LOGDIR="$logdir" SLOP_RUNSC_PLATFORM="$platform" python3 - <<'EOF'
import json, os, shutil
path = "/etc/docker/daemon.json"
try:
    with open(path) as fh:
        conf = json.load(fh)
except FileNotFoundError:
    conf = {}
runsc = shutil.which("runsc") or "/usr/bin/runsc"
base = [f"--platform={os.environ['SLOP_RUNSC_PLATFORM']}", "--network=none"]
runtimes = conf.setdefault("runtimes", {})
new = {
    "runsc": {"path": runsc, "runtimeArgs": base},
    "runsc-trace": {"path": runsc, "runtimeArgs": base + [
        "--strace", "--strace-log-size=256", "--debug-command=boot",
        "--strace-syscalls=mmap,brk,execve,execveat,clone,clone3,fork,vfork,exit_group,kill,tkill,tgkill,ptrace,socket,connect,bind,sendto,sendmsg,open,openat,creat,unlink,unlinkat,rename,renameat,renameat2,chmod,fchmodat,mkdir,mkdirat,symlink,symlinkat,link,linkat,truncate,setsid,prctl,memfd_create,mount,chroot,unshare,setns,setuid,fallocate",
        f"--debug-log={os.environ['SLOP_RUNSC_LOGDIR']}/"]},
}
changed = any(runtimes.get(k) != v for k, v in new.items())
runtimes.update(new)
if changed:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".slop-tmp"
    with open(tmp, "w") as fh:
        json.dump(conf, fh, indent=2)
    os.replace(tmp, path)
print("changed" if changed else "same")
EOF
)"
echo "daemon.json runtimes: $want"

if ! docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc-trace"' || [ "$want" = changed ]; then
  pid="$(pidof dockerd || true)"
  if [ -n "$pid" ]; then
    $SUDO kill -HUP $pid
  elif command -v systemctl >/dev/null && systemctl is-active -q docker 2>/dev/null; then
    $SUDO systemctl reload docker
  fi
  for _ in $(seq 1 20); do
    docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc-trace"' && break
    sleep 0.5
  done
fi
docker info --format '{{json .Runtimes}}' | grep -q '"runsc"' && echo "runsc registered with Docker" \
  || echo "WARNING: runsc not registered with Docker (is dockerd running?)" >&2
