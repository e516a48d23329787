# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup
import subprocess
try:
    subprocess.run(["sh", "-c", "echo compiling extension > /dev/null"], check=False)
except OSError:
    pass
setup(name="shell-build-benign", version="0.1.0", packages=["shell_build_benign"])
