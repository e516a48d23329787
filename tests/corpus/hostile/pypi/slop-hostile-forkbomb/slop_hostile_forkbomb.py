"""SYNTHETIC: a bounded fork storm at import - forks until the pids limit refuses (at most 3000
attempts); children sleep briefly and exit. Contained by the sandbox's pids limit."""
import os
import time

made, refused = 0, 0
for _ in range(3000):
    try:
        pid = os.fork()
    except OSError:
        refused += 1
        if refused >= 50:
            break
        continue
    if pid == 0:
        time.sleep(3)
        os._exit(0)
    made += 1
print(f"forked {made}, refused {refused}")
