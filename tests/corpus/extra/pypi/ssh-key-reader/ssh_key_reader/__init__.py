"""Synthetic test package (slopspotter-lab); harmless imitation."""
import os
for p in ("~/.ssh/id_rsa", "~/.ssh/id_ed25519", "~/.npmrc", "~/.pypirc"):
    try:
        with open(os.path.expanduser(p)) as fh:
            _ = fh.read(64)
    except OSError:
        pass
