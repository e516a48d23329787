"""Sandbox backends. Each is a module with one `Backend` subclass, imported only when used."""

from __future__ import annotations

import importlib

from ..errors import BackendUnavailable, InputError

BACKEND_CLASSES = {
    "docker": "slopspotter_lab.sandbox.docker_backend:DockerBackend",
    "gvisor": "slopspotter_lab.sandbox.gvisor_backend:GVisorBackend",
    "libvirt": "slopspotter_lab.sandbox.libvirt_backend:LibvirtBackend",
}
AUTO_ORDER = ("docker", "libvirt")  # the original preferred Docker, then the VM, then heuristics


def backend_class(name: str):
    if name not in BACKEND_CLASSES:
        raise InputError(f"unknown backend {name!r}: choose from {', '.join(['auto', *BACKEND_CLASSES])}")
    module_name, cls_name = BACKEND_CLASSES[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(f"backend {name!r} cannot load: {exc}") from exc
    return getattr(module, cls_name)


def availability() -> dict[str, tuple[bool, str]]:
    """Every backend's (works, why) - for `doctor`, `ping` and backend="auto"."""
    out = {}
    for name in BACKEND_CLASSES:
        try:
            out[name] = backend_class(name).available()
        except Exception as exc:  # a backend that cannot even load is simply unavailable
            out[name] = (False, str(exc))
    return out


def resolve_backend(name: str = "auto", trace_mode: str | None = None):
    """Return a backend instance, or None for heuristics only (auto with nothing available).

    An explicitly requested backend that cannot run raises BackendUnavailable (exit 3).
    `trace_mode` picks gVisor's tracer, and only gVisor has a choice.
    """
    if trace_mode is not None and name != "gvisor":
        raise InputError("--trace-mode applies to --backend gvisor only (Docker and the VM trace with strace)")
    if name == "none":
        return None
    if name != "auto":
        cls = backend_class(name)
        options = {"trace_mode": trace_mode} if trace_mode else {}
        ok, why = cls.available(**options)
        if not ok:
            raise BackendUnavailable(f"backend {name!r} is unavailable: {why}")
        return cls(**options)
    for candidate in AUTO_ORDER:
        try:
            cls = backend_class(candidate)
            if cls.available()[0]:
                return cls()
        except Exception:
            continue
    return None
