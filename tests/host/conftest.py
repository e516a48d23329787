"""Drive the native host as a real subprocess over framed stdin/stdout."""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class HostProcess:
    def __init__(self, env_extra: dict | None = None, wrapper: str | None = None):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(ROOT), env.get("PYTHONPATH", "")])
        env.update(env_extra or {})
        cmd = [sys.executable, "-c", wrapper] if wrapper else [sys.executable, "-m", "slopspotter_lab.host.native"]
        self.started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=ROOT)

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj) -> None:
        body = json.dumps(obj).encode()
        self.send_raw(struct.pack("=I", len(body)) + body)

    def _read(self, n: int, timeout: float) -> bytes:
        out = b""
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while len(out) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError(f"no reply within {timeout}s (got {len(out)} of {n} bytes)")
            chunk = os.read(fd, n - len(out))
            if not chunk:
                raise EOFError("host closed stdout")
            out += chunk
        return out

    def recv_frame(self, timeout: float = 10.0) -> bytes:
        (length,) = struct.unpack("=I", self._read(4, timeout))
        return self._read(length, timeout)

    def recv(self, timeout: float = 10.0) -> dict:
        return json.loads(self.recv_frame(timeout))

    def close(self, timeout: float = 30.0) -> tuple[int, str]:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        rc = self.proc.wait(timeout=timeout)
        err = self.proc.stderr.read().decode(errors="replace")
        return rc, err


@pytest.fixture
def host_factory():
    made = []

    def make(**kw) -> HostProcess:
        h = HostProcess(**kw)
        made.append(h)
        return h

    yield make
    for h in made:
        if h.proc.poll() is None:
            h.proc.kill()
            h.proc.wait()
        for stream in (h.proc.stdout, h.proc.stderr, h.proc.stdin):
            if stream and not stream.closed:
                stream.close()


