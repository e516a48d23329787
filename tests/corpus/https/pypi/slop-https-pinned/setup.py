# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.

from setuptools import setup

setup(name="slop-https-pinned", version="0.1.0", description="SYNTHETIC slopspotter-lab corpus package: certificate-pinning HTTPS client at import", packages=["slop_https_pinned"])
