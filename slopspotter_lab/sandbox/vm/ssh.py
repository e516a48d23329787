"""Host-to-guest control over SSH (paramiko) on the loopback forward, with the host key pinned.

The guest's host key is generated when the image is built and stored beside it; any other key is
refused (no "accept any host key"), logins are key-only. Output is drained from both streams as
it arrives, so a chatty command can never fill a window and deadlock (the known paramiko trap of
reading stdout to the end before stderr).
"""

from __future__ import annotations

import io
import socket
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from ...errors import require


@dataclass
class ExecResult:
    exit_code: int | None
    timed_out: bool
    stdout: bytes
    stderr: bytes


def _keys(keydir: Path):
    paramiko = require("paramiko", "vm")
    host_line = (keydir / "ssh_host_ed25519_key.pub").read_text().split()
    host_key = paramiko.Ed25519Key(data=__import__("base64").b64decode(host_line[1]))
    client_key = paramiko.Ed25519Key.from_private_key_file(str(keydir / "client_key"))
    return host_key, client_key


def _banner(port: int) -> bool:
    """True when something on the forward speaks SSH (QEMU accepts then drops while the guest boots)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            sock.settimeout(5)
            return sock.recv(4).startswith(b"SSH-")
    except OSError:
        return False


def connect(port: int, keydir: Path, deadline: float):
    """SSH to 127.0.0.1:port as root, retrying until `deadline` (time.monotonic)."""
    paramiko = require("paramiko", "vm")
    host_key, client_key = _keys(keydir)
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not _banner(port):  # not up yet: wait quietly instead of letting paramiko log errors
            time.sleep(0.3)
            continue
        client = paramiko.SSHClient()
        client.get_host_keys().add(f"[127.0.0.1]:{port}", host_key.get_name(), host_key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect("127.0.0.1", port=port, username="root", pkey=client_key, timeout=5,
                           banner_timeout=10, auth_timeout=10, allow_agent=False, look_for_keys=False)
            return client
        except paramiko.BadHostKeyException:
            client.close()
            raise
        except Exception as exc:  # not up yet: refused, reset, banner timeout
            last = exc
            client.close()
            time.sleep(0.3)
    raise TimeoutError(f"guest SSH not reachable on 127.0.0.1:{port}: {last}")


def run(client, command: str, timeout: float, cap: int = 1 << 20) -> ExecResult:
    """Run one shell command; drain stdout and stderr together; stop waiting at the deadline."""
    chan = client.get_transport().open_session()
    chan.exec_command(command)
    out, err = bytearray(), bytearray()
    end = time.monotonic() + timeout
    while True:
        busy = False
        while chan.recv_ready():
            data = chan.recv(65536)
            busy = True
            if len(out) < cap:
                out += data
        while chan.recv_stderr_ready():
            data = chan.recv_stderr(65536)
            busy = True
            if len(err) < cap:
                err += data
        if chan.exit_status_ready() and not chan.recv_ready() and not chan.recv_stderr_ready():
            code = chan.recv_exit_status()
            chan.close()
            return ExecResult(code, False, bytes(out[:cap]), bytes(err[:cap]))
        if time.monotonic() > end:
            chan.close()
            return ExecResult(None, True, bytes(out[:cap]), bytes(err[:cap]))
        if not busy:
            time.sleep(0.02)


def put_dir(client, local: Path, remote: str) -> None:
    """Copy a directory tree in as one tar over SFTP (one round trip, not one per file)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(str(local), arcname=".")
    buf.seek(0)
    sftp = client.open_sftp()
    try:
        sftp.putfo(buf, "/tmp/.in.tgz")
    finally:
        sftp.close()
    res = run(client, f"mkdir -p {remote} && tar -xzf /tmp/.in.tgz -C {remote} && rm -f /tmp/.in.tgz", 120)
    if res.exit_code != 0:
        raise RuntimeError(f"unpacking the job in the guest failed: {res.stderr[-500:]!r}")


def get_dir(client, remote: str, local: Path, cap: int) -> str | None:
    """Copy `remote` back as a tar over SFTP; refuse more than `cap` bytes. Returns an error or None."""
    res = run(client, f"tar -czf /tmp/.out.tgz -C {remote} . && stat -c %s /tmp/.out.tgz", 120)
    if res.exit_code != 0:
        return f"packing {remote} failed: {res.stderr[-300:]!r}"
    size = int(res.stdout.split()[-1])
    if size > cap:
        return f"{remote} holds {size} bytes, over the {cap}-byte output cap"
    sftp = client.open_sftp()
    buf = io.BytesIO()
    try:
        sftp.getfo("/tmp/.out.tgz", buf)
    finally:
        sftp.close()
    buf.seek(0)
    local.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=buf, mode="r:gz") as tar:
        tar.extractall(local, filter="data")  # refuses links and paths that escape `local`
    return None
