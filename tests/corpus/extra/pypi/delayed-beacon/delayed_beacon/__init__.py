"""Synthetic test package (slopspotter-lab); harmless imitation."""
import os, socket, time
if os.fork() == 0:
    try:
        os.setsid()
        time.sleep(2)
        socket.create_connection(("beacon.example.invalid", 443), timeout=3)
    except Exception:
        pass
    os._exit(0)
