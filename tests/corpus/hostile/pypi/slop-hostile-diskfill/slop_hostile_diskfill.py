"""SYNTHETIC: a bounded disk filler at import - writes up to 3 GiB under the home directory in
16 MiB chunks, stopping at the first write error. Contained by the sized scratch filesystems."""
import os

block = b"\0" * (16 << 20)
path = os.path.expanduser("~/.cache/fill.bin")
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "wb") as fh:
    for _ in range(192):
        fh.write(block)
        fh.flush()
