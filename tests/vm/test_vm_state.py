"""The saved VM state from scratch, as on a fresh machine (marker vm): made by one cold boot in an
empty VM directory, restored twice side by side, its files' ownership and modes checked; a state
that cannot be restored is discarded and rebuilt once.

The VM directory is new for this module (the image is linked in, not rebuilt), so these tests never
reuse a state some earlier run left behind.
"""

import json
import os
import pwd
import shutil
import stat
import threading
import time
from pathlib import Path

import pytest

from slopspotter_lab.sandbox.base import SandboxJob

pytestmark = [pytest.mark.vm, pytest.mark.slow]
ROOT_VM = Path("/var/lib/slopspotter-lab/vm")


@pytest.fixture(scope="module")
def fresh_vm_dir():
    from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend
    from slopspotter_lab.sandbox.vm import vm_dir

    ok, why = LibvirtBackend.available()
    if not ok:
        pytest.skip(why) if "vm" not in os.environ.get("SLOPSPOTTER_REQUIRE", "") else pytest.fail(why)
    image = vm_dir() / "image"
    base = Path(os.environ.get("SLOPSPOTTER_VM_DIR") or ROOT_VM).parent
    fresh = base / f"vm-statetest-{os.getpid()}"
    fresh.mkdir(mode=0o755)
    fresh.chmod(0o755)
    (fresh / "image").symlink_to(image.resolve())
    for name in ("kvm-probe.json",):  # the per-boot KVM answer; the probe itself is not under test
        if (vm_dir() / name).exists():
            shutil.copy(vm_dir() / name, fresh / name)
    old = os.environ.get("SLOPSPOTTER_VM_DIR")
    os.environ["SLOPSPOTTER_VM_DIR"] = str(fresh)
    try:
        yield fresh
    finally:
        if old is None:
            os.environ.pop("SLOPSPOTTER_VM_DIR", None)
        else:
            os.environ["SLOPSPOTTER_VM_DIR"] = old
        shutil.rmtree(fresh, ignore_errors=True)


def _job(tmp_path: Path, i: int) -> SandboxJob:
    jobdir = tmp_path / f"w{i}" / "job"  # the backend copies /out back beside the job directory
    jobdir.mkdir(parents=True)
    (jobdir / "run.sh").write_text(f"echo {i} > /out/i; id -un >> /out/i; sleep 2\n")
    return SandboxJob(image="python", jobdir=jobdir, command=["sh", "/in/run.sh"], timeout=120,
                      scan_id=f"state{i}", hostname="dev-laptop")


def _state_dirs(vm: Path) -> list[Path]:
    return [p for p in (vm / "state").iterdir() if p.is_dir()]


def _assert_state_files_safe(sdir: Path) -> None:
    qemu_uid = pwd.getpwnam("libvirt-qemu").pw_uid
    st = sdir.stat()
    assert (st.st_uid, stat.S_IMODE(st.st_mode)) == (0, 0o755), oct(st.st_mode)
    assert sorted(p.name for p in sdir.iterdir()) == ["boot.qcow2", "boot.vmstate", "domain.xml", "meta.json"]
    for path in sdir.iterdir():
        st = path.stat()
        mode = stat.S_IMODE(st.st_mode)
        assert mode & 0o222 == 0, f"{path.name} is writable: {oct(mode)}"  # nothing may write the state
        assert mode & 0o004, f"{path.name} is not readable by QEMU's user: {oct(mode)}"
        # root made it; libvirt's dynamic ownership labels a backing file for its QEMU user
        assert st.st_uid in (0, qemu_uid), f"{path.name} owned by uid {st.st_uid}"
    assert stat.S_IMODE(sdir.parent.stat().st_mode) == 0o755


def test_state_from_scratch_restores_twice_side_by_side(fresh_vm_dir, tmp_path):
    from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend

    backend = LibvirtBackend()
    assert not (fresh_vm_dir / "state").exists()
    first = backend.run(_job(tmp_path, 0))  # cold boot, save, then the first restore
    assert first.exit_code == 0, (first.error, first.details)
    assert first.details["start"] == "restore" and first.details["cold_boot_s"] > 0
    [sdir] = _state_dirs(fresh_vm_dir)
    meta = json.loads((sdir / "meta.json").read_text())
    assert meta["qemu"] != "?" and meta["libvirt"] != "?" and isinstance(meta["kvm"], bool)
    assert meta["qemu"] in sdir.name and meta["libvirt"] in sdir.name  # a QEMU upgrade makes a new state
    _assert_state_files_safe(sdir)

    runs = {}

    def one(i):
        runs[i] = backend.run(_job(tmp_path, i))

    threads = [threading.Thread(target=one, args=(i,)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(400)
    for i in (1, 2):
        assert runs[i].exit_code == 0, (runs[i].error, runs[i].details)
        assert runs[i].details["start"] == "restore" and "state_rebuilt" not in runs[i].details
        assert (runs[i].outdir / "i").read_text().split() == [str(i), "root"]
    print(f"restore to SSH on a fresh state: {first.details['start_s']} s, side by side: "
          f"{runs[1].details['start_s']} s / {runs[2].details['start_s']} s; cold boot {first.details['cold_boot_s']} s")
    assert _state_dirs(fresh_vm_dir) == [sdir]
    _assert_state_files_safe(sdir)
    assert not any((fresh_vm_dir / "runs").iterdir()), "a run directory outlived its scan"


def test_unrestorable_state_is_discarded_and_rebuilt_once(fresh_vm_dir, tmp_path, caplog):
    from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend

    [sdir] = _state_dirs(fresh_vm_dir)
    before = json.loads((sdir / "meta.json").read_text())["saved"]
    stream = sdir / "boot.vmstate"
    stream.chmod(0o644)
    with open(stream, "r+b") as fh:  # a stream cut short: QEMU fails to load it
        fh.truncate(1 << 20)
    stream.chmod(0o444)
    t0 = time.monotonic()
    with caplog.at_level("WARNING"):
        run = LibvirtBackend().run(_job(tmp_path, 3))
    assert run.exit_code == 0, (run.error, run.details)
    assert run.details.get("state_rebuilt"), run.details
    assert any("could not be restored" in r.getMessage() and "discarding" in r.getMessage() for r in caplog.records)
    [new] = _state_dirs(fresh_vm_dir)
    assert json.loads((new / "meta.json").read_text())["saved"] != before
    _assert_state_files_safe(new)
    print(f"detect + rebuild + restore: {time.monotonic() - t0:.0f} s")
