# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At import: never returns (a stalling payload); the sandbox's import deadline must fire.
import time

while True:
    time.sleep(1)
