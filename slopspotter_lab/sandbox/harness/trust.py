"""Trust the scan's CA everywhere a package's code may look for trusted roots, so HTTPS to the
sinkhole succeeds as it would on a developer's machine behind a corporate proxy.

- the system bundle (OpenSSL's default file: Python's `ssl`, urllib, urllib3, aiohttp, curl, wget,
  git) and the certifi bundles already on the system (pip's vendored copy where it is a file);
- certifi bundles the install phase brings in (requests, httpx), patched by the runner after
  install (`patch_installed`): they belong to the package user;
- Node, which ignores the system store: NODE_EXTRA_CA_CERTS, plus REQUESTS_CA_BUNDLE and
  SSL_CERT_FILE pointing at the system bundle, as many developer set-ups do.
Standard library only.
"""

from __future__ import annotations

import glob
import os
import subprocess

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
BUNDLE_GLOBS = (
    SYSTEM_BUNDLE,
    "/usr/lib/python3*/*-packages/pip/_vendor/certifi/cacert.pem",
    "/usr/local/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem",
    "/usr/lib/python3/dist-packages/certifi/cacert.pem",
    "/usr/local/lib/python3*/site-packages/certifi/cacert.pem",
)
USER_GLOBS = ("{home}/.local/lib/python3*/site-packages/certifi/cacert.pem",
              "{home}/.local/lib/python3*/site-packages/pip/_vendor/certifi/cacert.pem")
ENV = {"NODE_EXTRA_CA_CERTS": SYSTEM_BUNDLE, "REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE, "SSL_CERT_FILE": SYSTEM_BUNDLE}


def _extended(path: str, ca_pem: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    return text if ca_pem.strip() in text else text.rstrip("\n") + "\n" + ca_pem.strip() + "\n"


def install(ca_pem: str, root: str = "/", stash: str = "/run") -> dict:
    """Add the CA to every system bundle under `root`: in place when writable, else by a bind
    mount of an extended copy (read-only container roots; needs CAP_SYS_ADMIN). -> what was done."""
    done: dict = {"in_place": [], "bind": [], "failed": []}
    paths = sorted({os.path.realpath(p) for g in BUNDLE_GLOBS for p in glob.glob(root.rstrip("/") + g)})
    for n, path in enumerate(paths):
        if not os.path.isfile(path):
            continue
        text = _extended(path, ca_pem)
        try:
            st = os.stat(path)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same dates as the distribution's
            done["in_place"].append(path)
            continue
        except OSError:
            pass
        copy = os.path.join(stash, f".{os.getpid()}-{n}.crt")
        with open(copy, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(copy, 0o644)
        res = subprocess.run(["mount", "--bind", copy, path], capture_output=True, timeout=10)
        os.unlink(copy)  # the mount keeps the file; nothing of it stays in the directory
        (done["bind"] if res.returncode == 0 else done["failed"]).append(path)
    return done


def patch_installed(ca_pem: str, home: str) -> list[str]:
    """Append the CA to certifi-style bundles the install phase put in the user's home."""
    patched = []
    for pattern in USER_GLOBS:
        for path in glob.glob(pattern.format(home=home)):
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            try:
                text = _extended(path, ca_pem)
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
                patched.append(path)
            except OSError:
                continue
    return patched
