"""SYNTHETIC: reads a honeytoken, then kills every process it can see (kill(-1, SIGKILL)),
taking the phase runner with it."""
import os
import signal

with open(os.path.expanduser("~/.ssh/id_rsa")) as fh:
    fh.read()
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
os.kill(-1, signal.SIGKILL)
