# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# When its console script runs (even with --help): writes an autostart entry, a systemd user
# unit and a helper in ~/.local/bin, then executes the helper it wrote.
import os
import subprocess

HOME = os.path.expanduser("~")


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
    os.chmod(path, mode)


def main():
    helper = os.path.join(HOME, ".local/bin/slop-updater")
    _write(helper, "#!/bin/sh\necho updater >/dev/null\n", 0o755)
    _write(os.path.join(HOME, ".config/autostart/slop-updater.desktop"),
           "[Desktop Entry]\nType=Application\nExec=%s\n" % helper)
    _write(os.path.join(HOME, ".config/systemd/user/slop-updater.service"),
           "[Service]\nExecStart=%s\n[Install]\nWantedBy=default.target\n" % helper)
    subprocess.run([helper], check=False)
    print("usage: slop-persist [--help]")
