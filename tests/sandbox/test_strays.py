"""One rule for leftovers of crashed runs (owner_alive), one reaper by age, one reap per backend
class and process: the pieces Docker, gVisor and libvirt share (no engine or VM needed)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from slopspotter_lab.sandbox.base import Backend, boot_id, owner_alive, remove_older_than


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_owner_alive_needs_this_boot_this_host_and_a_live_pid():
    me, boot = os.getpid(), boot_id()
    assert owner_alive(me, boot) and owner_alive(str(me), boot, socket.gethostname())
    assert not owner_alive(me, "another-boot") and not owner_alive(me, boot, "another-host")
    assert not owner_alive(_dead_pid(), boot)
    for junk in (0, None, "", "x", -1):  # never "alive" by accident (os.kill(0, 0) would succeed)
        assert not owner_alive(junk, boot)


def test_remove_older_than_keeps_fresh_paths(tmp_path):
    old_dir, old_file, fresh = tmp_path / "old", tmp_path / "old.log", tmp_path / "fresh.log"
    old_dir.mkdir()
    (old_dir / "x").write_text("x")
    old_file.write_text("x")
    fresh.write_text("x")
    past = time.time() - 7200
    for p in (old_dir, old_file):
        os.utime(p, (past, past))
    assert remove_older_than([old_dir, old_file, fresh, tmp_path / "gone"], 3600) == 2
    assert fresh.exists() and not old_dir.exists() and not old_file.exists()


def test_libvirt_run_dirs_of_dead_owners_and_abandoned_half_made_ones_go(tmp_path, monkeypatch):
    from slopspotter_lab.sandbox.libvirt_backend import _reap_run_dirs

    monkeypatch.setenv("SLOPSPOTTER_VM_DIR", str(tmp_path))
    runs = tmp_path / "runs"
    dirs = {name: runs / name for name in ("dead", "live", "half-old", "half-new")}
    for d in dirs.values():
        d.mkdir(parents=True)
    (dirs["dead"] / "owner.json").write_text(json.dumps({"pid": _dead_pid(), "boot": boot_id()}))
    (dirs["live"] / "owner.json").write_text(json.dumps({"pid": os.getpid(), "boot": boot_id()}))
    past = time.time() - 600
    os.utime(dirs["half-old"], (past, past))
    assert _reap_run_dirs(lambda pid, boot: not owner_alive(pid, boot)) == 2
    assert sorted(p.name for p in runs.iterdir()) == ["half-new", "live"]


def test_reap_once_per_backend_class_and_never_fatal(monkeypatch):
    calls = []

    class Flaky(Backend):
        name = "flaky"

        @classmethod
        def available(cls):
            return True, "test"

        def run(self, job):
            raise NotImplementedError

        def cleanup_strays(self, all_owners=False):
            calls.append(all_owners)
            raise RuntimeError("engine went away")

    monkeypatch.setattr(Backend, "_reaped", set())
    Flaky().reap_once()
    Flaky().reap_once()
    assert calls == [False]
