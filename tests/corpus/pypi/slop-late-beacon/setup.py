# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
from setuptools import setup

setup(name="slop-late-beacon", version="0.1.0", py_modules=["slop_late_beacon"])
