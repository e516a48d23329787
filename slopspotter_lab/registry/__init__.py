"""Registry access for PyPI and npm: metadata, artifact download, safe extraction.

Never runs package code. `exists` stays tri-state: a 404 is False, trouble reaching the
registry is None with `error` set (the heuristics turn that into `registry_unreachable`).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ..ecosystems import Ecosystem, PackageSpec
from ..errors import InputError, RegistryError
from . import cache
from .base import Artifact, PackageMetadata, metadata_from_dict

OFFLINE_ERROR = "offline: not looked up"


def _fetcher(ecosystem: Ecosystem):
    if ecosystem is Ecosystem.PYPI:
        from .pypi import fetch
    else:
        from .npm import fetch
    return fetch


def fetch_metadata(spec: PackageSpec, *, offline: bool = False) -> PackageMetadata:
    """Metadata for a registry name (cached on disk). Offline: the cache only, stale answers too."""
    if spec.is_local:
        raise InputError(f"{spec.path} is a local artifact; it has no registry metadata")
    eco, key = spec.ecosystem.value, spec.normalized
    cached = cache.load(eco, key, spec.version, allow_stale=offline)
    if cached is not None:
        return metadata_from_dict(cached)
    if offline:
        return PackageMetadata(name=spec.name, ecosystem=spec.ecosystem, exists=None,
                               version=spec.version, error=OFFLINE_ERROR)
    try:
        meta = _fetcher(spec.ecosystem)(spec)
    except RegistryError as exc:
        return PackageMetadata(name=spec.name, ecosystem=spec.ecosystem, exists=None,
                               version=spec.version, error=str(exc))
    meta.name = meta.name or spec.name
    meta.fetched_at = datetime.now(timezone.utc)
    cache.store(eco, key, spec.version, meta.to_dict())
    return meta


def download_artifact(meta: PackageMetadata, dest, kind: str | None = None):
    """Download one artifact of `meta` into `dest` (hash-verified, size-capped); see download.py."""
    from .download import download_artifact as _download

    return _download(meta, dest, kind)


__all__ = ["fetch_metadata", "download_artifact", "PackageMetadata", "Artifact", "OFFLINE_ERROR"]
