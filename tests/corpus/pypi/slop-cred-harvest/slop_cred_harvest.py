# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At import: walks the places stealers look for (cloud/docker/kube credentials, browser
# profiles, the GitHub CLI token); reads whatever exists and discards it.
import os

HOME = os.path.expanduser("~")
for rel in (".docker/config.json", ".kube/config", ".netrc", ".git-credentials", ".config/gh/hosts.yml",
            ".mozilla/firefox/profiles.ini", ".config/google-chrome/Default/Login Data"):
    try:
        with open(os.path.join(HOME, rel), "rb") as fh:
            fh.read(1024)
    except OSError:
        pass
