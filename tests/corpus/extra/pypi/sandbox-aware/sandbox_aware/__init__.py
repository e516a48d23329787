"""Synthetic test package (slopspotter-lab); harmless imitation."""
import os, socket
_probes = [os.path.exists("/.dockerenv")]
try:
    with open("/proc/1/cgroup") as fh:
        _probes.append("docker" in fh.read())
except OSError:
    pass
if not any(_probes):
    try:
        socket.gethostbyname("stage.example.invalid")
    except OSError:
        pass
