# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup
import subprocess, os
try:
    subprocess.run(["git", "--version"], capture_output=True, check=False)
except OSError:
    pass
os.makedirs(os.path.expanduser("~/.cache/build-noise-benign"), exist_ok=True)
setup(name="build-noise-benign", version="0.1.0", packages=["build_noise_benign"])
