"""Where things live and which registries to ask, all overridable by environment variables.

Tests point every URL at servers on loopback; users point them at mirrors.
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_PYPI_JSON = "https://pypi.org/pypi"  # {base}/{name}/json
DEFAULT_PYPI_SIMPLE = "https://pypi.org/simple"
DEFAULT_NPM = "https://registry.npmjs.org"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def cache_dir() -> Path:
    """Registry cache, downloaded artifacts, refreshed popular lists. $SLOPSPOTTER_CACHE_DIR."""
    base = os.environ.get("SLOPSPOTTER_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "slopspotter-lab"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Popular-package lists: $SLOPSPOTTER_DATA_DIR when set, else <cache>/data."""
    env = os.environ.get("SLOPSPOTTER_DATA_DIR")
    return Path(env) if env else cache_dir() / "data"


def config_dir() -> Path:
    """User config: the installed model file lives here ($SLOPSPOTTER_CONFIG_DIR)."""
    base = os.environ.get("SLOPSPOTTER_CONFIG_DIR") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "slopspotter-lab"
    )
    return Path(base)


def pypi_json_url() -> str:
    return _env("SLOPSPOTTER_PYPI_URL", DEFAULT_PYPI_JSON).rstrip("/")


def pypi_simple_url() -> str:
    return _env("SLOPSPOTTER_PYPI_SIMPLE_URL", DEFAULT_PYPI_SIMPLE).rstrip("/")


def npm_url() -> str:
    return _env("SLOPSPOTTER_NPM_URL", DEFAULT_NPM).rstrip("/")


def offline() -> bool:
    return os.environ.get("SLOPSPOTTER_OFFLINE", "").lower() in {"1", "true", "yes"}


def cache_ttl_seconds() -> int:
    return int(_env("SLOPSPOTTER_CACHE_TTL", str(24 * 3600)))
