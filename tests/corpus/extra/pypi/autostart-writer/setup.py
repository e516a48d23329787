# Synthetic test package for slopspotter-lab: imitates a behaviour harmlessly (only .invalid hosts).
from setuptools import setup

setup(name="autostart-writer", version="0.1.0", packages=["autostart_writer"])
