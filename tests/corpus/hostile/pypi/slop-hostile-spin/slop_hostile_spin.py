"""SYNTHETIC: an endless loop at import, plus a double-forked child that spins on after the
phase. Only the sandbox's deadlines end them."""
import os

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            pass
    os._exit(0)
while True:
    pass
