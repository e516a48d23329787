# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup

setup(name="sandbox-aware", version="0.1.0", packages=["sandbox_aware"])
