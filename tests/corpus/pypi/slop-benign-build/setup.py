# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# BENIGN but noisy at install: asks git for its version, reads /etc/os-release, writes a
# generated module and uses a cache directory, as real build scripts do.
import os
import subprocess

from setuptools import setup

try:
    GIT = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout.strip()
except OSError:
    GIT = "none"
try:
    with open("/etc/os-release") as fh:
        OS = fh.readline().strip()
except OSError:
    OS = "unknown"
with open(os.path.join("slop_benign_build", "_build_info.py"), "w") as fh:
    fh.write("GIT = %r\nOS = %r\n" % (GIT, OS))
cache = os.path.expanduser("~/.cache/slop-benign-build")
os.makedirs(cache, exist_ok=True)
with open(os.path.join(cache, "stamp"), "w") as fh:
    fh.write("built\n")
setup(name="slop-benign-build", version="0.1.0", packages=["slop_benign_build"],
      entry_points={"console_scripts": ["slop-benign-build=slop_benign_build:main"]})
