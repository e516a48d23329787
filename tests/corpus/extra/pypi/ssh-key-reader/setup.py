# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup

setup(name="ssh-key-reader", version="0.1.0", packages=["ssh_key_reader"])
