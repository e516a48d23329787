"""Why a path matters: the `category` column of the files frame (DESIGN 4.2).

Patterns are matched on absolute paths inside the sandbox, where the package user's home is
/home/<user>; the first matching category wins (honeytokens before generic credentials).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

HOME = r"^/home/[^/]+"
CATEGORIES: list[tuple[str, str]] = [
    ("honeytoken", HOME + r"/(\.aws/credentials|\.ssh/id_rsa|\.npmrc|\.pypirc|\.config/gh/hosts\.yml)$"),
    ("ssh", HOME + r"/\.ssh/|^/etc/ssh/ssh_host_"),
    ("credentials", HOME + r"/(\.aws/|\.docker/config\.json|\.kube/config|\.netrc|\.git-credentials|"
                    r"\.config/gcloud/|\.azure/|\.gnupg/|\.password-store/|\.local/share/keyrings/|"
                    r"\.config/gh/|\.vault-token|\.bitcoin/|\.electrum/|\.ethereum/)"),
    ("browser", HOME + r"/(\.mozilla/|\.config/(google-chrome|chromium|BraveSoftware|microsoft-edge)/)"),
    ("system_secret", r"^/etc/(shadow|gshadow|sudoers)"),
    ("system", r"^/etc/(passwd|group|hosts|hostname|machine-id)$"),
    ("shell_profile", HOME + r"/\.(bashrc|bash_profile|profile|zshrc|zprofile|bash_login|bash_logout)$"),
    ("autostart", HOME + r"/\.config/(autostart/|systemd/user/)|^/etc/(systemd/|init\.d/|rc\.local|profile\.d/)"),
    ("cron", r"^/var/spool/cron/|^/etc/cron|" + HOME + r"/\.crontab"),
    ("user_bin", HOME + r"/\.local/bin/"),
    # not /proc/self/cgroup: runtimes read their own cgroup to size thread pools (Rust's
    # available_parallelism in uv-build, cryptography), so real benign installs read it
    ("sandbox_probe", r"^/proc/1/(cgroup|sched|mountinfo|environ)$|^/\.dockerenv$|^/run/\.containerenv$|"
                      r"^/sys/class/dmi/|^/sys/devices/virtual/dmi/|^/proc/scsi/|"
                      r"^/sys/hypervisor/"),
]


def categorize(paths: pd.Series) -> pd.Series:
    """Vectorised: one regex pass per category over the whole column."""
    out = pd.Series(None, index=paths.index, dtype="object")
    s = paths.fillna("").astype(str)
    for name, pattern in CATEGORIES:
        hit = out.isna() & s.str.contains(pattern.replace("(", "(?:"), regex=True)
        if hit.any():
            out[hit] = name
    return out.where(out.notna(), None)


def categorize_one(path: str) -> str | None:
    return categorize(pd.Series([path])).iloc[0]


__all__ = ["CATEGORIES", "categorize", "categorize_one", "np"]
