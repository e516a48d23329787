# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
from setuptools import setup

setup(name="slop-sandbox-probe", version="0.1.0", py_modules=["slop_sandbox_probe"])
