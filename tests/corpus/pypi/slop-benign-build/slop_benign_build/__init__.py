# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
import argparse
import json
import os
import tempfile


def main():
    parser = argparse.ArgumentParser(prog="slop-benign-build", description="prints build info")
    parser.parse_args()


CACHE = os.path.join(tempfile.gettempdir(), "slop-benign-build.json")
with open(CACHE, "w") as fh:
    json.dump({"ok": True}, fh)
