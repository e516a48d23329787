"""slopspotter-lab: is this package name safe to install?

Top-level names are imported lazily so that `import slopspotter_lab` (and the native host)
stays cheap: pandas, docker and libvirt load only when the function that needs them runs.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "check": "slopspotter_lab.check",
    "scan": "slopspotter_lab.scan",
    "ScanResult": "slopspotter_lab.scan",
    "scan_many": "slopspotter_lab.batch",
    "Ecosystem": "slopspotter_lab.ecosystems",
    "parse_spec": "slopspotter_lab.ecosystems",
    "Indicator": "slopspotter_lab.indicators",
    "load_model": "slopspotter_lab.model.scoring",
}

_SUBMODULES = ("viz", "report", "datasets", "compat")  # `slopspotter_lab.viz` works without its own import

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'slopspotter_lab' has no attribute {name!r}")


def __dir__() -> list[str]:
    """What tab completion offers: the lazy names (check, scan, scan_many, ...) too."""
    return sorted({*globals(), *_LAZY, *_SUBMODULES})
