"""What the registry layer hands to everything else: metadata, never package code.

`exists` is tri-state: True, False (the registry said 404), None (we could not tell: network
error, timeout, garbage answer). Callers must keep None apart from False.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..ecosystems import Ecosystem


def as_utc(dt: datetime | None) -> datetime | None:
    """A registry time made timezone-aware: naive times (old caches, some indexes) are UTC."""
    return dt if dt is None or dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@dataclass
class Artifact:
    """One downloadable file of a release."""

    url: str
    filename: str
    kind: str  # "sdist" | "wheel" | "tarball"
    sha256: str | None = None
    sha512_integrity: str | None = None  # npm "dist.integrity" (sha512-<base64>)
    sha1: str | None = None  # npm "dist.shasum"
    size: int | None = None


@dataclass
class PackageMetadata:
    name: str
    ecosystem: Ecosystem
    exists: bool | None
    version: str | None = None  # the resolved version (requested or latest)
    versions: list[str] = field(default_factory=list)
    first_upload: datetime | None = None
    latest_upload: datetime | None = None
    release_count: int = 0
    authors: list[dict[str, str]] = field(default_factory=list)  # [{name, email}]
    maintainers: list[dict[str, str]] = field(default_factory=list)
    homepage: str | None = None
    repository: str | None = None
    project_urls: dict[str, str] = field(default_factory=dict)
    description_length: int = 0
    summary: str | None = None
    license: str | None = None
    install_scripts: dict[str, str] = field(default_factory=dict)  # npm lifecycle scripts
    dependencies: list[str] = field(default_factory=list)
    url_dependencies: list[str] = field(default_factory=list)  # direct URL / git / non-HTTPS
    artifacts: list[Artifact] = field(default_factory=list)  # of `version`
    error: str | None = None  # why exists is None
    fetched_at: datetime | None = None
    # what the registry itself says about the project / the resolved release
    status: str | None = None  # PEP 792 "quarantined" | "archived" | "deprecated"; npm "unpublished" | "security-placeholder"
    status_reason: str | None = None
    yanked: bool = False  # the resolved release was yanked (PEP 592)
    yanked_reason: str | None = None
    version_upload: datetime | None = None  # when the resolved release was published (min-age)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ecosystem"] = self.ecosystem.value
        for key in DATE_FIELDS:
            if d[key] is not None:
                d[key] = d[key].isoformat()
        return d


DATE_FIELDS = ("first_upload", "latest_upload", "fetched_at", "version_upload")


def _parse_dt(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def metadata_from_dict(d: dict[str, Any]) -> PackageMetadata:
    """Inverse of PackageMetadata.to_dict (the cache stores that form)."""
    data = dict(d)
    data["ecosystem"] = Ecosystem.parse(data["ecosystem"])
    for key in DATE_FIELDS:
        data[key] = _parse_dt(data.get(key))
    data["artifacts"] = [a if isinstance(a, Artifact) else Artifact(**a) for a in data.get("artifacts") or []]
    known = PackageMetadata.__dataclass_fields__
    return PackageMetadata(**{k: v for k, v in data.items() if k in known})


PackageMetadata.from_dict = staticmethod(metadata_from_dict)  # type: ignore[attr-defined]
