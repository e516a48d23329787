"""Shared test configuration.

Tests that need a real engine carry a marker (docker, gvisor, vm). Where the engine is missing
they skip with the reason - unless SLOPSPOTTER_REQUIRE lists that engine (CI sets it), in which
case a missing engine is a failure, so CI can never pass by skipping every real scan.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

pytest_plugins = ["tests.fixtures.registries"]

# Nothing a test does may reach the live OSV API: tests that want OSV start one on loopback.
os.environ.setdefault("SLOPSPOTTER_OSV_URL", "none")
os.environ.setdefault("SLOPSPOTTER_OSV_EXPORT_URL", "http://127.0.0.1:9")

ENGINE_MARKERS = ("docker", "gvisor", "vm", "chromium", "firefox")


def _required() -> set[str]:
    return {x.strip() for x in os.environ.get("SLOPSPOTTER_REQUIRE", "").split(",") if x.strip()}


def _docker_ok() -> tuple[bool, str]:
    try:
        import docker  # noqa: F401
    except ImportError:
        return False, "the docker SDK is not installed"
    if not shutil.which("docker") and not os.path.exists("/var/run/docker.sock"):
        return False, "no Docker engine socket"
    try:
        import docker as d
        d.from_env(timeout=5).ping()
        return True, "ok"
    except Exception as exc:  # pragma: no cover - environment dependent
        return False, f"Docker engine not reachable: {exc}"


def _gvisor_ok() -> tuple[bool, str]:
    ok, why = _docker_ok()
    if not ok:
        return ok, why
    import docker as d
    runtimes = d.from_env(timeout=5).info().get("Runtimes", {})
    return ("runsc" in runtimes, "ok" if "runsc" in runtimes else "runsc runtime not registered with Docker")


def _vm_ok() -> tuple[bool, str]:
    try:
        import libvirt  # noqa: F401
    except ImportError:
        return False, "libvirt-python is not installed"
    try:
        out = subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True, timeout=15)
        return (out.returncode == 0, "ok" if out.returncode == 0 else out.stderr.decode(errors="replace")[:200])
    except Exception as exc:  # pragma: no cover
        return False, str(exc)


def _browser_ok(name: str) -> tuple[bool, str]:
    from tests.e2e.browsers import browsers_missing

    why = browsers_missing().get(name)
    return (why is None, why or "ok")


_PROBES = {"docker": _docker_ok, "gvisor": _gvisor_ok, "vm": _vm_ok,
           "chromium": lambda: _browser_ok("chromium"), "firefox": lambda: _browser_ok("firefox")}
_CACHE: dict[str, tuple[bool, str]] = {}


def engine_status(name: str) -> tuple[bool, str]:
    if name not in _CACHE:
        _CACHE[name] = _PROBES[name]()
    return _CACHE[name]


def pytest_runtest_setup(item):
    for marker in ENGINE_MARKERS:
        if item.get_closest_marker(marker):
            ok, why = engine_status(marker)
            if not ok:
                if marker in _required():
                    pytest.fail(f"{marker} is required here (SLOPSPOTTER_REQUIRE) but unavailable: {why}")
                pytest.skip(f"{marker} unavailable: {why}")
    if item.get_closest_marker("live") and os.environ.get("SLOPSPOTTER_LIVE", "1") == "0":
        pytest.skip("live registry tests disabled (SLOPSPOTTER_LIVE=0)")
