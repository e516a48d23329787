"""SYNTHETIC: a bounded output flood at import - 256 MiB to stdout and 64 MiB to stderr."""
import sys

line = "A" * 1023 + "\n"
for _ in range(256 * 1024):
    sys.stdout.write(line)
for _ in range(64 * 1024):
    sys.stderr.write(line)
