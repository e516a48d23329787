"""Ranked popular-package lists: the reference the typosquat detector compares names against.

Read from the user's data directory ($SLOPSPOTTER_DATA_DIR when set, else <cache>/data) when it
holds a list, else from the copy bundled in the package (slopspotter_lab/data, with its source,
date and licence in sources.json), so `check` works out of the box. `slopspotter-lab data
update` refreshes the user's copy from upstream:
- web: hugovk's top-pypi-packages (PyPI only);
- registry: the `guarddog` wheel from PyPI, downloaded (never installed) and read as a zip,
  for both lists - the fallback where only package registries can be reached.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import zipfile
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from .. import config
from ..ecosystems import Ecosystem, normalize_name
from ..errors import InputError, RegistryError

log = logging.getLogger(__name__)

FILES = {Ecosystem.PYPI: "top-pypi-packages.min.json", Ecosystem.NPM: "top-npm-packages.json"}
HUGOVK_URL = "https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json"
GUARDDOG_RESOURCES = "guarddog/analyzer/metadata/resources/"
GUARDDOG_FILES = {Ecosystem.PYPI: "top_pypi_packages.json", Ecosystem.NPM: "top_npm_packages.json"}


BUNDLED_DIR = Path(__file__).resolve().parent.parent / "data"
STALE_DAYS = 180  # `data info` suggests an update past this age


def list_path(ecosystem: Ecosystem) -> Path | None:
    """The file load_popular reads: the user's data dir, the user cache's refreshed copy, the bundled one."""
    for base in (config.data_dir(), config.cache_dir() / "data", BUNDLED_DIR):
        path = base / FILES[ecosystem]
        if path.is_file():
            return path
    return None


def list_date(doc) -> datetime | None:
    """When the list itself was made (hugovk `last_update`, guarddog-style `downloaded_timestamp`)."""
    if not isinstance(doc, dict):
        return None
    stamp = doc.get("downloaded_timestamp")
    if isinstance(stamp, (int, float)):
        return datetime.fromtimestamp(stamp, timezone.utc)
    text = doc.get("last_update")
    if isinstance(text, str):
        try:
            return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=timezone.utc)
        except ValueError:
            return None
    return None


def list_info(ecosystem) -> dict:
    """Which copy is in use, how many names, how old, and (bundled) source and licence."""
    eco = Ecosystem.parse(ecosystem)
    path = list_path(eco)
    if path is None:
        return {"ecosystem": eco.value, "path": None, "copy": None, "names": 0}
    doc = json.loads(path.read_text(encoding="utf-8"))
    made = list_date(doc)
    bundled = path.parent == BUNDLED_DIR
    info = {"ecosystem": eco.value, "path": str(path), "copy": "bundled" if bundled else "user",
            "names": len(parse_list(doc)), "as_of": made.date().isoformat() if made else None,
            "age_days": round((datetime.now(timezone.utc) - made).total_seconds() / 86400, 1) if made else None,
            "source": doc.get("source") if isinstance(doc, dict) else None, "licence": None}
    if bundled:
        meta = json.loads((BUNDLED_DIR / "sources.json").read_text(encoding="utf-8")).get(FILES[eco], {})
        info.update(source=meta.get("source"), licence=meta.get("licence"), as_of=info["as_of"] or meta.get("as_of"))
    return info


def parse_list(doc) -> list[str]:
    """Accept the known shapes: hugovk {"rows": [{project}]}, {"packages": [...]}, a plain list."""
    if isinstance(doc, dict):
        doc = doc.get("rows") or doc.get("packages") or []
    names = []
    for item in doc:
        name = item.get("project") or item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name:
            names.append(name)
    return names


@lru_cache(maxsize=None)
def _load(ecosystem: Ecosystem, path: str | None, mtime: float) -> tuple[tuple[str, ...], dict[str, int]]:
    """(names in rank order, normalised name -> 1-based rank) for one version of one file."""
    if path is None:
        log.warning("no popular %s list found; run `slopspotter-lab data update`", ecosystem.value)
        return (), {}
    with open(path, encoding="utf-8") as fh:
        names = tuple(parse_list(json.load(fh)))
    rank: dict[str, int] = {}
    for i, n in enumerate(names):
        rank.setdefault(normalize_name(n, ecosystem), i + 1)
    return names, rank


_LOOKED_UP: dict[tuple, tuple[float, str | None, float]] = {}
RECHECK_SECONDS = 5.0  # how often to stat the list file again (check runs thousands of names)


def list_version(ecosystem: Ecosystem) -> tuple[str | None, float]:
    """(path, mtime) of the list in force: what caches built from the list are keyed on."""
    import os
    import time

    key = (ecosystem, os.environ.get("SLOPSPOTTER_DATA_DIR"), os.environ.get("SLOPSPOTTER_CACHE_DIR"),
           os.environ.get("XDG_CACHE_HOME"))
    now = time.monotonic()
    seen = _LOOKED_UP.get(key)
    if seen is None or now - seen[0] > RECHECK_SECONDS:
        path = list_path(ecosystem)
        seen = (now, str(path) if path else None, path.stat().st_mtime if path else 0.0)
        _LOOKED_UP[key] = seen
    return seen[1], seen[2]


def _current(ecosystem: Ecosystem) -> tuple[tuple[str, ...], dict[str, int]]:
    return _load(ecosystem, *list_version(ecosystem))


def load_popular(ecosystem) -> list[str]:
    """Popular names, most popular first (as spelled upstream). Empty when no list is available."""
    return list(_current(Ecosystem.parse(ecosystem))[0])


def popular_names(ecosystem) -> tuple[str, ...]:
    """load_popular without the copy (for hot paths)."""
    return _current(Ecosystem.parse(ecosystem))[0]


def popular_rank(name: str, ecosystem) -> int | None:
    """1-based rank of a (normalised) name in the popular list, or None."""
    eco = Ecosystem.parse(ecosystem)
    return _current(eco)[1].get(normalize_name(name, eco))


# ----------------------------------------------------------------- refresh
def _write(ecosystem: Ecosystem, doc: dict) -> Path:
    """Into the user's data dir (atomically), where it takes precedence over the bundled copy."""
    target = config.data_dir() / FILES[ecosystem]
    tmp = target.with_suffix(".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(doc))
        tmp.replace(target)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror} (set SLOPSPOTTER_DATA_DIR to a writable folder)") from exc
    return target


def fetch_from_web() -> dict[Ecosystem, dict]:
    from ..registry.http import get_json

    status, doc = get_json(HUGOVK_URL)
    if status != 200 or not parse_list(doc):
        raise RegistryError(f"{HUGOVK_URL} gave no list")
    return {Ecosystem.PYPI: doc}


def fetch_from_registry() -> dict[Ecosystem, dict]:
    """Both lists out of the latest guarddog wheel (read as a zip; nothing is installed or run)."""
    from ..ecosystems import parse_spec
    from ..registry import download_artifact, fetch_metadata
    import tempfile

    meta = fetch_metadata(parse_spec("guarddog"))
    if meta.exists is not True:
        raise RegistryError(f"could not get guarddog's metadata from PyPI: {meta.error or 'not found'}")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_artifact(meta, Path(tmp), kind="wheel")
        with zipfile.ZipFile(wheel) as zf:
            out = {}
            for eco, fname in GUARDDOG_FILES.items():
                with zf.open(GUARDDOG_RESOURCES + fname) as fh:
                    names = parse_list(json.load(io.TextIOWrapper(fh, encoding="utf-8")))
                out[eco] = {"packages": names, "source": f"guarddog {meta.version} wheel ({fname})",
                            "downloaded_timestamp": int(datetime.now(timezone.utc).timestamp())}
    return out


def update(source: str = "auto") -> dict[Ecosystem, Path]:
    """Refresh the lists into the user cache; auto = web for PyPI, the registry for the rest."""
    got: dict[Ecosystem, dict] = {}
    if source in ("auto", "web"):
        try:
            got.update(fetch_from_web())
        except RegistryError as exc:
            if source == "web":
                raise
            log.warning("web source failed (%s); using the registry fallback", exc)
    if source in ("auto", "registry") and len(got) < len(FILES):
        got = {**fetch_from_registry(), **got}
    return {eco: _write(eco, doc) for eco, doc in got.items()}


def cli_data(args) -> int:
    """`slopspotter-lab data update|info`."""
    action = getattr(args, "data_command", None)
    if action == "update" and getattr(args, "osv", None):
        from ..advisories.osv import cli_update

        return cli_update(args.osv)
    if action == "update":
        for eco, path in update(args.source).items():
            print(f"{eco.value}: {len(parse_list(json.loads(path.read_text())))} names -> {path}")
        _load.cache_clear()
        _LOOKED_UP.clear()
        return 0
    if action in (None, "info"):
        for eco in FILES:
            info = list_info(eco)
            if info["path"] is None:
                print(f"{eco.value}: no list (run `slopspotter-lab data update`)")
                continue
            copy = "bundled copy" if info["copy"] == "bundled" else "user copy (takes precedence over the bundled one)"
            age = f"list as of {info['as_of']}, {info['age_days']:.0f} days old" if info["age_days"] is not None else "date unknown"
            print(f"{eco.value}: {info['names']} names, {copy}: {info['path']} ({age})")
            if info.get("source"):
                print(f"  source: {info['source']}" + (f"; licence: {info['licence']}" if info.get("licence") else ""))
            if info["age_days"] is not None and info["age_days"] > STALE_DAYS:
                print(f"  older than {STALE_DAYS} days: `slopspotter-lab data update` refreshes it")
        from ..advisories.osv import store_info

        for line in store_info():
            print(line)
        return 0
    raise InputError(f"unknown data action {action!r}: use update or info")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli_data(type("A", (), {"data_command": "info"})()))
