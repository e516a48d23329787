# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup

setup(name="b64-dropper", version="0.1.0", packages=["b64_dropper"])
