"""The VM machinery with real guests (marker vm): copy in, run with a deadline, copy out; no network
from the guest; pinned host key; side-by-side scans; cleanup after SIGKILL of the scanner."""

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from slopspotter_lab.sandbox.base import SandboxJob

pytestmark = [pytest.mark.vm, pytest.mark.slow]


@pytest.fixture(scope="module")
def backend():
    from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend

    ok, why = LibvirtBackend.available()
    if not ok:
        pytest.skip(why) if "vm" not in os.environ.get("SLOPSPOTTER_REQUIRE", "") else pytest.fail(why)
    return LibvirtBackend()


def _job(tmp_path: Path, script: str, timeout: float = 60, scan_id: str = "t") -> SandboxJob:
    jobdir = tmp_path / "job"
    jobdir.mkdir()
    (jobdir / "hello.txt").write_text("hello from the host\n")
    (jobdir / "run.sh").write_text(script)
    return SandboxJob(image="python", jobdir=jobdir, command=["sh", "/in/run.sh"], timeout=timeout,
                      scan_id=scan_id, hostname="dev-laptop")


def test_copy_in_run_copy_out(backend, tmp_path):
    run = backend.run(_job(tmp_path, textwrap.dedent("""\
        cat /in/hello.txt > /out/got.txt
        touch /in/new 2>/dev/null; echo $? > /out/in_write_rc
        hostname > /out/hostname; id -un alex > /out/user
        python3 -c 'print(1+1)' > /out/py; node -e 'console.log(3)' > /out/node; npm --version > /out/npm
        strace -V | head -1 > /out/strace; echo to-stderr >&2; exit 7
        """)))
    assert run.error is None, run.error
    assert run.exit_code == 7 and not run.timed_out
    out = run.outdir
    assert (out / "got.txt").read_text() == "hello from the host\n"
    assert (out / "in_write_rc").read_text().strip() != "0", "/in must be read-only"
    assert (out / "hostname").read_text().strip() == "dev-laptop"
    assert (out / "user").read_text().strip() == "alex"
    assert (out / "py").read_text().strip() == "2" and (out / "node").read_text().strip() == "3"
    assert (out / "npm").read_text().strip()[:1].isdigit() and "strace" in (out / "strace").read_text()
    assert "to-stderr" in run.stderr_head
    assert run.details["start"] == "restore" and run.details["kvm"] in (True, False)


def test_deadline_is_enforced_and_out_still_copied(backend, tmp_path):
    t0 = time.monotonic()
    run = backend.run(_job(tmp_path, "echo started > /out/a; sleep 600\n", timeout=15))
    assert run.timed_out and run.exit_code is None
    assert (run.outdir / "a").read_text().strip() == "started"
    assert time.monotonic() - t0 < 60


def test_guest_has_no_network(backend, tmp_path):
    """A host listener on loopback, reachable from the guest only via the user-net gateway 10.0.2.2,
    must see nothing; the guest has no default route; DNS to QEMU's resolver gets no answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    accepted: list = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    probe = textwrap.dedent(f"""\
        import socket
        res = {{}}
        for host, port in (("10.0.2.2", {port}), ("10.0.2.2", 22), ("1.1.1.1", 443), ("10.0.2.3", 53)):
            try:
                socket.create_connection((host, port), timeout=4).close(); res[host + ":" + str(port)] = "connected"
            except OSError as exc:
                res[host + ":" + str(port)] = type(exc).__name__
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
        u.sendto(b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01", ("10.0.2.3", 53))
        try:
            u.recv(512); res["dns"] = "answered"
        except OSError as exc:
            res["dns"] = type(exc).__name__
        print(res)
        """)
    jobdir_script = f"ip route > /out/routes; python3 /in/probe.py > /out/probe 2>&1\n"
    job = _job(tmp_path, jobdir_script)
    (job.jobdir / "probe.py").write_text(probe)
    try:
        run = backend.run(job)
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert run.error is None, run.error
    routes = (run.outdir / "routes").read_text()
    assert "default" not in routes, routes
    result = (run.outdir / "probe").read_text()
    assert "connected" not in result and "answered" not in result, result
    assert not accepted, "the guest reached a host loopback listener"


def test_pinned_host_key_refuses_another_key(backend, tmp_path):
    import paramiko

    from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend  # noqa: F401
    from slopspotter_lab.sandbox.vm import ssh
    from slopspotter_lab.sandbox.vm.image import image_dir, make_keys

    wrong = tmp_path / "keys"
    make_keys(wrong)  # a different host key, but the real client key so auth is not what fails
    (wrong / "client_key").write_bytes((image_dir() / "keys" / "client_key").read_bytes())
    seen = {}

    class Probe(LibvirtBackend):
        def _run_in_guest(self, client, job, outdir, facts, t0):
            port = client.get_transport().getpeername()[1]
            with pytest.raises(paramiko.BadHostKeyException):
                ssh.connect(port, wrong, time.monotonic() + 20)
            seen["checked"] = True
            return super()._run_in_guest(client, job, outdir, facts, t0)

    run = Probe().run(_job(tmp_path, "true\n"))
    assert seen.get("checked") and run.exit_code == 0, run.error


def test_two_scans_side_by_side(backend, tmp_path):
    runs = {}

    def one(i):
        d = tmp_path / str(i)
        d.mkdir()
        runs[i] = backend.run(_job(d, f"echo {i} > /out/i; sleep 3\n", scan_id=f"par{i}"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert all(runs[i].exit_code == 0 for i in range(2)), [runs[i].error for i in range(2)]
    assert [(runs[i].outdir / "i").read_text().strip() for i in range(2)] == ["0", "1"]


def test_sigkill_of_scanner_leaves_nothing_after_cleanup(backend, tmp_path):
    import libvirt

    from slopspotter_lab.sandbox.vm import libvirt_uri, vm_dir

    job = _job(tmp_path, "sleep 600\n", timeout=300, scan_id="killme")
    code = textwrap.dedent(f"""\
        from pathlib import Path
        from slopspotter_lab.sandbox.base import SandboxJob
        from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend
        LibvirtBackend().run(SandboxJob(image="python", jobdir=Path({str(job.jobdir)!r}), command=["sh", "/in/run.sh"],
                                        timeout=300, scan_id="killme"))
        """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    name = f"slopspotter-vm-killme-{proc.pid}"
    conn = libvirt.open(libvirt_uri())
    try:
        deadline = time.monotonic() + 120
        while name not in [d.name() for d in conn.listAllDomains()]:
            assert time.monotonic() < deadline and proc.poll() is None, "the scan VM never started"
            time.sleep(0.5)
        time.sleep(2)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 30
        while name in [d.name() for d in conn.listAllDomains()]:
            assert time.monotonic() < deadline, "the VM outlived its SIGKILLed owner"
            time.sleep(0.5)
    finally:
        conn.close()
    run_dir = vm_dir() / "runs" / name
    assert run_dir.exists(), "expected the killed scan's overlay to be left for the reaper"
    assert backend.cleanup_strays() >= 1
    assert not run_dir.exists()


def test_control_channel_needs_no_firewall_exemption(backend, tmp_path):
    """The harness's REDIRECT of every outgoing TCP flow goes in, the SSH control channel survives
    it (the run returns, /out comes back), and no rule exempts the channel (no `--sport 22`)."""
    run = backend.run(_job(tmp_path, textwrap.dedent("""\
        iptables -w -t nat -A OUTPUT -p tcp ! -d 127.0.0.0/8 -j REDIRECT --to-ports 18080
        iptables -w -S > /out/filter; iptables -w -t nat -S > /out/nat
        echo alive > /out/alive
        """)))
    assert run.error is None, run.error
    assert (run.outdir / "alive").read_text().strip() == "alive"
    rules = (run.outdir / "filter").read_text() + (run.outdir / "nat").read_text()
    assert "REDIRECT" in rules and "--sport 22" not in rules and "-j RETURN" not in rules, rules
