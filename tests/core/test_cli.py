import subprocess
import sys


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", *args], capture_output=True, text=True, timeout=60)


def test_trace_mode_needs_the_gvisor_backend(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "setup.py").write_text("from setuptools import setup\nsetup(name='pkg')\n")
    out = _cli("scan", str(pkg), "--backend", "docker", "--trace-mode", "gvisor")
    assert out.returncode == 2
    assert "--trace-mode applies to --backend gvisor" in out.stderr


def test_no_command_is_a_usage_error():
    out = _cli()
    assert out.returncode == 2 and "COMMAND" in out.stderr


def test_option_injection_as_a_name_is_refused():
    out = _cli("check", "--offline", "--", "--index-url=https://evil.invalid/simple")
    assert out.returncode == 2
    assert "looks like a command-line option" in out.stderr
