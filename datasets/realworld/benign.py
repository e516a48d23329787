"""Real benign packages chosen for their hard cases, as static feature rows.

    python datasets/realworld/benign.py fetch   # once: latest sdist of each name from PyPI, cached
    python datasets/realworld/benign.py rows    # static analysis of the cached artifacts

The names below are well known and picked because they look like malware to a naive static
analyser: compiled extensions with build steps in setup.py, packages that vendor others (pip's
vendored rich with `marshal`, distlib's `.exe` launchers), CLIs that start processes, network
libraries with socket-heavy tests, credential and browser-cookie readers, chat-bot SDKs.
Artifacts are fetched once through the project's registry layer (hash-verified, size-capped)
into `$SLOPSPOTTER_BENIGN_CACHE` (default `<cache dir>/benign-artifacts`, never this repository)
and analysed with `registry.archive.safe_extract` + `heuristics.static`; nothing is built or run.
Only features, labels and provenance (file name, sha256) are committed (`benign_rows.csv`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

ROWS = HERE / "benign_rows.csv"
# name -> why it is a hard case
BENIGN = {
    # compiled extensions, setup.py build steps (processes, compilers, downloads of libraries)
    "numpy": "C extensions, meson build, f2py", "pillow": "C extension, setup.py probes libraries",
    "psutil": "C extension, setup.py runs compilers", "pycryptodome": "C extensions, setup.py",
    "pycurl": "C extension, curl-config in setup.py", "gevent": "C extensions, libev/libuv build",
    "lxml": "C extension, setup.py downloads libxml2 on request", "pyyaml": "optional C extension",
    "greenlet": "C extension, assembler", "cffi": "C extension, pkg-config in setup.py",
    "pyzmq": "C extension, bundled libzmq build", "uvloop": "Cython, bundled libuv build",
    "msgpack": "Cython extension", "markupsafe": "C speedups", "simplejson": "optional C extension",
    "bcrypt": "Rust extension", "pynacl": "bundled libsodium build", "regex": "C extension",
    "ujson": "C extension", "psycopg2": "pg_config in setup.py", "mysqlclient": "mysql_config in setup.py",
    "grpcio": "huge C++ build, setup.py runs commands", "cryptography": "Rust extension",
    "pyinstaller": "ships bootloader binaries, exec of frozen code", "cython": "compiler, runs processes",
    # vendoring
    "pip": "vendors rich, distlib launchers, requests, urllib3", "setuptools": "vendors, runs build steps",
    "virtualenv": "embeds wheels and activation scripts", "wheel": "build backend",
    "pipenv": "vendors many packages", "poetry-core": "vendored libraries", "botocore": "vendors, credentials",
    # CLIs and process runners
    "click": "CLI, reads ~/.netrc in tests", "httpie": "HTTP CLI", "black": "CLI, compiled with mypyc",
    "tox": "runs processes", "twine": "reads .pypirc, uploads", "invoke": "runs shell commands",
    "fabric": "SSH commands", "pexpect": "pty.spawn, os.exec", "sh": "subprocess wrapper",
    "ptyprocess": "pty and fork", "supervisor": "daemon, sockets", "python-daemon": "daemonises",
    "pre-commit": "runs hooks, downloads environments", "yt-dlp": "downloads, runs ffmpeg",
    "ansible-core": "remote execution, ssh", "awscli": "credential files",
    # network, sockets, credentials
    "requests": "network, ~/.netrc", "urllib3": "sockets", "paramiko": "SSH keys, sockets",
    "twisted": "sockets, process spawning", "tornado": "sockets", "aiohttp": "network, C speedups",
    "websockets": "sockets", "eventlet": "green sockets, dup2 in tests", "dnspython": "DNS",
    "scapy": "raw sockets, shell", "pysocks": "socket proxying", "httpx": "network",
    "pyopenssl": "TLS", "docker": "daemon socket, credentials", "redis": "sockets",
    "pymongo": "sockets, C extension", "ldap3": "network, credentials", "netmiko": "SSH automation",
    "keyring": "reads system credential stores", "browser-cookie3": "reads browser cookie databases",
    "boto3": "AWS credentials", "google-auth": "gcloud credentials", "azure-identity": "credentials",
    "pynput": "keyboard hooks", "mss": "screenshots", "pyperclip": "clipboard",
    "discord.py": "Discord API and webhooks", "python-telegram-bot": "Telegram bot API",
    "slack-sdk": "Slack webhooks", "sshtunnel": "SSH tunnels", "impacket": "network protocols, secretsdump",
}


def cache_dir() -> Path:
    env = os.environ.get("SLOPSPOTTER_BENIGN_CACHE")
    if env:
        return Path(env)
    from slopspotter_lab.config import cache_dir as base

    return base() / "benign-artifacts"


def fetch(names: list[str]) -> None:
    """Latest sdist (wheel if none) of each name, once; a manifest records what was fetched."""
    from slopspotter_lab.ecosystems import parse_spec
    from slopspotter_lab.registry import download_artifact, fetch_metadata

    dest = cache_dir()
    if ROOT in dest.resolve().parents:
        raise SystemExit(f"refusing cache {dest}: third-party code is never stored in the repository")
    dest.mkdir(parents=True, exist_ok=True)
    manifest_path = dest / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name in names:
        if name in manifest and (dest / manifest[name]["file"]).exists():
            continue
        meta = fetch_metadata(parse_spec(name, "pypi"))
        if not meta.exists:
            print(f"{name}: {meta.error or 'not found'}", file=sys.stderr)
            continue
        try:
            path = download_artifact(meta, dest / name)
        except Exception as exc:  # noqa: BLE001 - one failure must not lose the rest
            print(f"{name}: {exc}", file=sys.stderr)
            continue
        manifest[name] = {"version": meta.version, "file": str(path.relative_to(dest)),
                          "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        manifest_path.write_text(json.dumps(manifest, indent=1))
        print(f"{name} {meta.version}: {path.name}", file=sys.stderr)


def _analyse(path: Path) -> tuple[list[dict], float]:
    from slopspotter_lab.heuristics.static import analyze_artifact

    t0 = time.time()
    return [i.to_dict() for i in analyze_artifact(path, "pypi")], time.time() - t0


def build_rows(out_path: Path = ROWS, workers: int = 3) -> None:
    from concurrent.futures import ProcessPoolExecutor

    from malregistry import indicator_cell  # same cell format as the malware rows

    dest = cache_dir()
    manifest = json.loads((dest / "manifest.json").read_text())
    head = ["name", "version", "path", "sha256", "family", "family_size", "label", "kind", "why",
            "incomplete", "seconds", "indicators", "evidence"]
    names = sorted(manifest)
    with ProcessPoolExecutor(workers) as pool:
        results = dict(zip(names, pool.map(_analyse, [dest / manifest[n]["file"] for n in names])))
    with out_path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=head)
        w.writeheader()
        for name in names:
            m = manifest[name]
            inds, seconds = results[name]
            w.writerow({"name": name, "version": m["version"], "path": os.path.basename(m["file"]), "sha256": m["sha256"],
                        "family": f"benign:{name}", "family_size": 1, "label": 0, "kind": "popular",
                        "why": BENIGN.get(name, ""), "incomplete": int(any(i["id"] == "incomplete_analysis" for i in inds)),
                        "seconds": round(seconds, 2), "indicators": indicator_cell(inds),
                        "evidence": json.dumps([i["evidence"][:160] for i in inds][:6])})
    print(f"wrote {len(manifest)} rows to {out_path.relative_to(ROOT)}", file=sys.stderr)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["fetch", "rows", "all"])
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE))
    if args.step in ("fetch", "all"):
        fetch(list(BENIGN))
    if args.step in ("rows", "all"):
        build_rows()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
