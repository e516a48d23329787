# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At import: the checks evasive malware does before acting (container / VM giveaways), and
# reads of the system's account files.
import os

for path in ("/proc/1/cgroup", "/.dockerenv", "/sys/class/dmi/id/product_name", "/etc/passwd", "/etc/shadow"):
    try:
        with open(path) as fh:
            fh.read(4096)
    except OSError:
        pass
IN_SANDBOX = os.path.exists("/.dockerenv")
