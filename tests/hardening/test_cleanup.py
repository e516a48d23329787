"""Stray reaping (issue #8.5): containers of crashed runs carry our label and are removed by
cleanup_strays / `slopspotter-lab cleanup`; containers of live owners are kept; stale gVisor
syscall logs are removed from the host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid

import pytest

from slopspotter_lab.sandbox.base import LABEL, NAME_PREFIX
from slopspotter_lab.sandbox.docker_backend import IMAGES, DockerBackend, boot_id


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _container(owner_pid: int):
    import docker

    labels = {LABEL: "1", f"{LABEL}.owner-pid": str(owner_pid), f"{LABEL}.boot-id": boot_id(),
              f"{LABEL}.host": socket.gethostname(), f"{LABEL}.scan-id": "test"}
    return docker.from_env(timeout=30).containers.create(
        IMAGES["python"], ["sleep", "120"], name=f"{NAME_PREFIX}test-{uuid.uuid4().hex[:10]}",
        labels=labels, network_mode="none")


def _exists(container) -> bool:
    import docker

    try:
        container.reload()
        return True
    except docker.errors.NotFound:
        return False


@pytest.mark.docker
def test_strays_of_dead_owners_are_reaped_live_ones_kept():
    stray, live = _container(_dead_pid()), _container(os.getpid())
    try:
        assert DockerBackend().cleanup_strays() >= 1
        assert not _exists(stray)
        assert _exists(live)
    finally:
        for c in (stray, live):
            if _exists(c):
                c.remove(force=True)


@pytest.mark.docker
def test_cli_cleanup_reaps_strays():
    stray = _container(_dead_pid())
    try:
        out = subprocess.run([sys.executable, "-m", "slopspotter_lab", "cleanup"], capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert not _exists(stray)
    finally:
        if _exists(stray):
            stray.remove(force=True)


@pytest.mark.gvisor
def test_gvisor_cleanup_removes_stale_syscall_logs():
    from slopspotter_lab.sandbox.gvisor_backend import RUNSC_LOGDIR, GVisorBackend

    if not os.access(RUNSC_LOGDIR, os.W_OK):
        pytest.skip(f"{RUNSC_LOGDIR} is not writable here")
    stale, fresh = RUNSC_LOGDIR / "runsc.log.20000101-000000.1.boot.txt", RUNSC_LOGDIR / "runsc.log.29990101-000000.1.boot.txt"
    stale.write_text("old")
    fresh.write_text("in use")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    try:
        GVisorBackend().cleanup_strays()
        assert not stale.exists() and fresh.exists()
    finally:
        stale.unlink(missing_ok=True)
        fresh.unlink(missing_ok=True)


@pytest.mark.docker
def test_strays_are_reaped_when_a_scan_starts(monkeypatch, tmp_path):
    import tempfile

    from slopspotter_lab.scan import scan
    from pathlib import Path

    monkeypatch.setattr(DockerBackend, "_reaped", set())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stray = _container(_dead_pid())
    try:
        corpus = Path(__file__).resolve().parents[1] / "corpus" / "pypi" / "slop-benign-pure"
        scan(str(corpus), ecosystem="pypi", backend="docker", timeout=60)
        assert not _exists(stray)
    finally:
        if _exists(stray):
            stray.remove(force=True)
