"""OSV malware advisories (ids `MAL-...`), online and offline.

Online: `POST {SLOPSPOTTER_OSV_URL}/querybatch` (default https://api.osv.dev/v1; `none` turns it
off) with one query per package, answered with advisory ids only, in input order, paginated by
`next_page_token`. `prefetch` asks for every name of a check in one request; a name whose
version was not pinned is asked again with the resolved version only when the name had a hit,
so a hit is always about the exact version.

Offline: `update_export(eco)` downloads `{SLOPSPOTTER_OSV_EXPORT_URL}/{PyPI|npm}/all.zip` (one
OSV JSON per advisory) and keeps only malware advisories, by name, in
`<cache>/osv/<eco>.json`; lookups there need no network and also run with `--offline`.
Trouble reaching OSV is logged and never turns into a verdict either way.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
import time
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .. import config
from ..ecosystems import Ecosystem, normalize_name
from ..errors import InputError, RegistryError
from ..indicators import Indicator

log = logging.getLogger(__name__)
DEFAULT_API = "https://api.osv.dev/v1"
DEFAULT_EXPORT = "https://osv-vulnerabilities.storage.googleapis.com"
OSV_ECOSYSTEM = {"pypi": "PyPI", "npm": "npm"}
BATCH = 1000  # the API's limit of queries per request
BACKOFF_S = 300.0  # after a failed request, no more online lookups for this long (one timeout, not one per name)
_lock = threading.Lock()
_online: dict[tuple[str, str, str | None], list[str]] = {}  # (eco, name, version) -> MAL ids
_offline: dict[str, tuple[float, dict[str, list[dict]]]] = {}  # eco -> (mtime, advisories by name)
_down_until = 0.0  # monotonic time before which OSV is taken to be unreachable


def api_url() -> str | None:
    url = os.environ.get("SLOPSPOTTER_OSV_URL", "").strip() or DEFAULT_API
    return None if url.lower() in ("none", "off", "0") else url.rstrip("/")


def export_url() -> str:
    return (os.environ.get("SLOPSPOTTER_OSV_EXPORT_URL", "").strip() or DEFAULT_EXPORT).rstrip("/")


def store_path(ecosystem: str) -> Path:
    return config.cache_dir() / "osv" / f"{ecosystem}.json"


def is_malware(adv: dict[str, Any]) -> bool:
    """OSV marks malicious-package reports with the MAL- prefix (also as an alias)."""
    return str(adv.get("id", "")).startswith("MAL-") or any(str(a).startswith("MAL-") for a in adv.get("aliases") or [])


# ------------------------------------------------------------------------------- online
def _query(eco: str, name: str, version: str | None) -> dict[str, Any]:
    q: dict[str, Any] = {"package": {"name": name, "ecosystem": OSV_ECOSYSTEM[eco]}}
    if version:
        q["version"] = version
    return q


def querybatch(items: list[tuple[str, str, str | None]]) -> list[list[str]]:
    """MAL- ids per (ecosystem, name, version), in input order; follows next_page_token.

    A failure makes further calls fail fast for BACKOFF_S seconds, so an unreachable OSV costs
    one timeout per check, not one per name."""
    global _down_until

    url = api_url()
    if url is None:
        raise RegistryError("OSV lookups are off (SLOPSPOTTER_OSV_URL=none)")
    if time.monotonic() < _down_until:
        raise RegistryError("OSV was unreachable moments ago; not asking again yet")
    try:
        return _querybatch(url, items)
    except RegistryError:
        _down_until = time.monotonic() + BACKOFF_S
        raise


def _querybatch(url: str, items: list[tuple[str, str, str | None]]) -> list[list[str]]:
    from ..registry import http

    out: list[list[str]] = [[] for _ in items]
    for start in range(0, len(items), BATCH):
        pending = [(i, _query(*items[i])) for i in range(start, min(start + BATCH, len(items)))]
        for _ in range(20):  # pages
            doc = http.post_json(f"{url}/querybatch", {"queries": [q for _, q in pending]})
            results = doc.get("results") if isinstance(doc, dict) else None
            if not isinstance(results, list) or len(results) != len(pending):
                raise RegistryError("OSV answered querybatch with a malformed document")
            nxt = []
            for (i, q), res in zip(pending, results):
                res = res or {}
                out[i] += [v["id"] for v in res.get("vulns") or [] if str(v.get("id", "")).startswith("MAL-")]
                if res.get("next_page_token"):
                    nxt.append((i, {**q, "page_token": res["next_page_token"]}))
            if not nxt:
                break
            pending = nxt
    return out


def prefetch(specs: Iterable, *, offline: bool = False) -> None:
    """Ask OSV once for every registry name of a check (a no-op offline or when OSV is off)."""
    if offline or api_url() is None:
        return
    keys = list(dict.fromkeys((s.ecosystem.value, s.name, s.version) for s in specs
                              if not s.is_local and (s.ecosystem.value, s.name, s.version) not in _online))
    if not keys:
        return
    try:
        found = querybatch(keys)
    except RegistryError as exc:
        log.warning("OSV malware lookup failed: %s", exc)
        return
    with _lock:
        _online.update(zip(keys, found))


def _online_ids(eco: str, name: str, version: str | None) -> list[str]:
    key = (eco, name, version)
    if key not in _online:
        try:
            ids = querybatch([key])[0]
        except RegistryError as exc:
            log.warning("OSV malware lookup failed: %s", exc)
            return []
        with _lock:
            _online[key] = ids
    return _online[key]


def clear() -> None:
    """Forget cached answers and a past failure (tests, long-lived hosts after a feed update)."""
    global _down_until

    _down_until = 0.0
    with _lock:
        _online.clear()
        _offline.clear()


# ------------------------------------------------------------------------------- offline export
def _offline_db(eco: str) -> dict[str, list[dict]]:
    path = store_path(eco)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    cached = _offline.get(eco)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        db = doc["advisories"]
    except (OSError, ValueError, KeyError) as exc:
        log.warning("unreadable OSV export %s: %s", path, exc)
        return {}
    with _lock:
        _offline[eco] = (mtime, db)
    return db


def _version_key(v: str):
    from packaging.version import InvalidVersion, Version

    try:
        return Version(v)
    except InvalidVersion:
        return None


def affects(entry: dict[str, Any], version: str | None) -> bool:
    """Does an advisory's `affected` entry cover `version` (None: any version of the name)?"""
    if version is None:
        return True
    if version in (entry.get("versions") or []):
        return True
    v = _version_key(version)
    for rng in entry.get("ranges") or []:
        if rng.get("type") == "GIT" or v is None:
            continue
        inside = False
        for ev in rng.get("events") or []:  # events in order: introduced opens, fixed / last_affected close
            if "introduced" in ev:
                lo = ev["introduced"]
                inside = lo == "0" or (_version_key(lo) is not None and v >= _version_key(lo))
            elif "fixed" in ev and inside and _version_key(ev["fixed"]) is not None and v >= _version_key(ev["fixed"]):
                inside = False
            elif "last_affected" in ev and inside and _version_key(ev["last_affected"]) is not None \
                    and v > _version_key(ev["last_affected"]):
                inside = False
        if inside:
            return True
    return not entry.get("versions") and not entry.get("ranges")  # no bounds: the whole package


def _offline_hits(eco: str, name: str, version: str | None) -> list[dict]:
    entries = _offline_db(eco).get(normalize_name(name, eco)) or []
    return [e for e in entries if affects(e, version)]


def reduce_advisory(adv: dict[str, Any], eco: str) -> list[tuple[str, dict[str, Any]]]:
    """(normalised name, compact entry) for each affected package of this ecosystem."""
    out = []
    for aff in adv.get("affected") or []:
        pkg = aff.get("package") or {}
        if str(pkg.get("ecosystem", "")).lower() != OSV_ECOSYSTEM[eco].lower() or not pkg.get("name"):
            continue
        out.append((normalize_name(pkg["name"], eco), {
            "id": adv["id"], "summary": (adv.get("summary") or "")[:200], "modified": adv.get("modified"),
            "versions": list(aff.get("versions") or []), "ranges": list(aff.get("ranges") or [])}))
    return out


def build_store(zip_path: Path, eco: str, source: str) -> dict[str, Any]:
    """Keep only the malware advisories of an OSV all.zip, indexed by normalised name."""
    by_name: dict[str, list[dict]] = {}
    total = kept = 0
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".json") or info.file_size > 16 * 1024 * 1024:
                continue
            total += 1
            try:
                adv = json.loads(zf.read(info))
            except ValueError:
                continue
            if not isinstance(adv, dict) or not is_malware(adv):
                continue
            kept += 1
            for key, entry in reduce_advisory(adv, eco):
                by_name.setdefault(key, []).append(entry)
    return {"format": "slopspotter-osv-malware", "ecosystem": eco, "source": source,
            "downloaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "advisories_read": total, "malware_advisories": kept, "advisories": by_name}


def update_export(ecosystem: str, progress=None) -> tuple[Path, dict[str, Any]]:
    """Download the ecosystem's all.zip, keep the malware advisories, write the store atomically."""
    from ..registry import http

    eco = Ecosystem.parse(ecosystem).value
    url = f"{export_url()}/{OSV_ECOSYSTEM[eco]}/all.zip"
    dest = store_path(eco)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        zpath = Path(tmp) / "all.zip"
        with open(zpath, "wb") as fh:
            http.download(url, fh, progress=progress)
        try:
            doc = build_store(zpath, eco, url)
        except zipfile.BadZipFile as exc:
            raise RegistryError(f"{url} is not a zip archive: {exc}") from exc
        part = Path(tmp) / "store.json"
        part.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
        os.replace(part, dest)
    with _lock:
        _offline.pop(eco, None)
    return dest, doc


def store_info() -> list[str]:
    """One line per ecosystem for `data info`: the offline malware store, its size and age."""
    lines = []
    for eco in OSV_ECOSYSTEM:
        path = store_path(eco)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lines.append(f"osv {eco}: no offline malware store (`slopspotter-lab data update --osv {eco}`)")
            continue
        lines.append(f"osv {eco}: {doc.get('malware_advisories')} malware advisories for "
                     f"{len(doc.get('advisories') or {})} names, downloaded {doc.get('downloaded_at')}: {path}")
    online = api_url()
    lines.append(f"osv online: {online + '/querybatch' if online else 'off (SLOPSPOTTER_OSV_URL=none)'}")
    return lines


def cli_update(ecosystems: list[str]) -> int:
    """`data update --osv ECOSYSTEM`: fetch and reduce each export, with progress on stderr."""
    for eco in ecosystems:
        try:
            Ecosystem.parse(eco)
        except (InputError, ValueError):
            raise InputError(f"--osv: unknown ecosystem {eco!r} (pypi or npm)") from None

        def progress(done, total, eco=eco):
            if sys.stderr.isatty():
                shown = f"/{total / 1e6:.0f}" if total else ""
                print(f"\r[osv {eco}] {done / 1e6:.1f}{shown} MB", end="", file=sys.stderr, flush=True)

        path, doc = update_export(eco, progress=progress)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        print(f"osv {doc['ecosystem']}: {doc['malware_advisories']} malware advisories "
              f"(of {doc['advisories_read']}) for {len(doc['advisories'])} names -> {path}")
    return 0


# ------------------------------------------------------------------------------- the signal
def known_malicious(spec, meta=None, *, offline: bool = False) -> list[Indicator]:
    """`known_malicious` (critical) when OSV lists the name at the resolved or pinned version."""
    if getattr(spec, "is_local", False):
        return []
    eco, name = spec.ecosystem.value, spec.name
    version = spec.version or (meta.version if meta is not None and meta.exists else None)
    hits = {e["id"]: e.get("summary") or "" for e in _offline_hits(eco, name, version)}
    if not offline and api_url() is not None:
        ids = _online_ids(eco, name, spec.version)
        if ids and not spec.version and version:  # a name-level hit: confirm for the resolved version
            ids = _online_ids(eco, name, version)
        hits.update({i: hits.get(i, "") for i in ids})
    if not hits:
        return []
    ids = sorted(hits)
    what = f"{name} {version}" if version else name
    detail = "; ".join(f"{i}{': ' + hits[i] if hits[i] else ''}" for i in ids[:3])
    return [Indicator("known_malicious", "critical", f"OSV lists {what} as malicious: {detail}",
                      extra={"advisories": ids})]
