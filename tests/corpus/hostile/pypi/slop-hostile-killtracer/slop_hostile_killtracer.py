"""SYNTHETIC: tracer tampering at import - reads TracerPid and sends SIGKILL to it, then reads a
honeytoken so there is something to capture after the attempt."""
import os
import signal

with open("/proc/self/status") as fh:
    tracer = int(next(line.split()[1] for line in fh if line.startswith("TracerPid:")))
if tracer:
    try:
        os.kill(tracer, signal.SIGKILL)
    except OSError as exc:
        print("kill tracer failed:", exc)
with open(os.path.expanduser("~/.aws/credentials")) as fh:
    fh.read()
