# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
import platform
import socket

HOSTNAME = socket.gethostname()
SYSTEM = platform.system()


def add(a, b):
    return a + b
