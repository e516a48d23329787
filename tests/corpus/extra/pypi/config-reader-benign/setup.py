# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup

setup(name="config-reader-benign", version="0.1.0", packages=["config_reader_benign"])
