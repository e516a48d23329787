# SYNTHETIC hostile test package written for slopspotter-lab: bounded, harmless in intent,
# run only inside the project's sandboxes. See ../../README.md.
from setuptools import setup

setup(name="slop-hostile-outflood", version="0.1.0", py_modules=["slop_hostile_outflood"])
