# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup

setup(name="delayed-beacon", version="0.1.0", packages=["delayed_beacon"])
