"""Metadata detectors: what the registry says about a package that exists.

Each is small and explains itself; thresholds are module constants so a notebook can see them.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ..indicators import Indicator
from ..registry.base import PackageMetadata, as_utc

NEW_DAYS = 30
RECENT_DAYS = 90
MIN_DESCRIPTION = 10  # short one-line npm descriptions are normal; empty ones are not
JUMP_MAJOR = 90  # dependency-confusion uploads use 99.x, 100.x, 9000.x
DISPOSABLE_DOMAINS = {"mailinator.com", "guerrillamail.com", "10minutemail.com", "temp-mail.org",
                      "yopmail.com", "trashmail.com", "sharklasers.com", "getnada.com", "dispostable.com",
                      "maildrop.cc", "tempmail.com", "mintemail.com", "throwawaymail.com"}


def _age_days(meta: PackageMetadata, now: datetime) -> float | None:
    if not meta.first_upload:
        return None
    return (now - as_utc(meta.first_upload)).total_seconds() / 86400


def new_package(meta, now):
    age = _age_days(meta, now)
    if age is None:
        return None
    if age < NEW_DAYS:
        return Indicator("new_package", "medium", f"first upload {age:.0f} days ago")
    if age < RECENT_DAYS:
        return Indicator("new_package", "low", f"first upload {age:.0f} days ago")
    return None


def single_release(meta, now):
    if meta.release_count == 1:
        return Indicator("single_release", "low", "only one release")
    return None


def empty_description(meta, now):
    if meta.description_length < MIN_DESCRIPTION:
        return Indicator("empty_description", "low",
                         f"description is {meta.description_length} characters long")
    return None


def no_repository(meta, now):
    if not meta.repository:
        return Indicator("no_repository", "low", "no link to a source repository")
    return None


def maintainer_anomaly(meta, now):
    people = meta.authors + meta.maintainers
    emails = [p.get("email", "") for p in people if p.get("email")]
    domains = {e.rsplit("@", 1)[-1].strip(" >").lower() for e in emails if "@" in e}
    if domains & DISPOSABLE_DOMAINS:
        return Indicator("maintainer_anomaly", "medium",
                         f"disposable e-mail domain: {', '.join(sorted(domains & DISPOSABLE_DOMAINS))}")
    if not any(p.get("name") or p.get("email") for p in people) and not meta.repository:
        return Indicator("maintainer_anomaly", "low", "anonymous: no author, maintainer or repository")
    return None


ESTABLISHED_DAYS = 2 * 365  # squats are taken down within days of being reported; years of history are not a squat's
ESTABLISHED_RELEASES = 5
ESTABLISHED_SPAN_DAYS = 365  # releases spread over a year, not a burst (nor a name parked years ago)


def established(meta: PackageMetadata | None, now: datetime | None = None) -> str | None:
    """Why the registry shows a long-established project (first upload 2+ years ago, 5+ releases
    over 1+ year, no takedown status), or None. The upload dates are the index's, not the
    uploader's, so a fresh squat cannot claim them."""
    if (meta is None or meta.exists is not True or not meta.first_upload or not meta.latest_upload
            or meta.status in ("quarantined", "security-placeholder", "unpublished")):
        return None
    first, last = as_utc(meta.first_upload), as_utc(meta.latest_upload)
    if (_age_days(meta, now or datetime.now(timezone.utc)) < ESTABLISHED_DAYS
            or meta.release_count < ESTABLISHED_RELEASES or (last - first).days < ESTABLISHED_SPAN_DAYS):
        return None
    return (f"published since {first:%Y-%m} with {meta.release_count} releases "
            f"(the latest {last:%Y-%m})")


def _major(version: str) -> int | None:
    m = re.match(r"^v?(\d+)", version or "")
    return int(m.group(1)) if m else None


def _calver(major: int) -> bool:
    """2024.1 / 20240105 / 24.01: dates, not jumps."""
    text = str(major)
    return 1990 <= major <= 2100 or (len(text) == 8 and 1990 <= int(text[:4]) <= 2100)


def version_jump(meta, now):
    """A first or latest version at 90+ with little history is the dependency-confusion shape."""
    majors = [m for m in (_major(v) for v in meta.versions) if m is not None]
    latest = _major(meta.version or "")
    if latest is None or latest < JUMP_MAJOR or _calver(latest):
        return None
    below = [m for m in majors if m < JUMP_MAJOR]
    if meta.release_count <= 3 or (below and latest > 10 * max(below) + 10):
        return Indicator("version_jump", "high" if meta.release_count <= 3 else "medium",
                         f"version {meta.version} with {meta.release_count} release(s)"
                         + (f"; previous majors up to {max(below)}" if below else ""))
    return None


def url_dependency(meta, now):
    if not meta.url_dependencies:
        return None
    insecure = [d for d in meta.url_dependencies if re.search(r"(^|[@ +])(http|git)://", d)]
    return Indicator("url_dependency", "high" if insecure else "medium",
                     f"dependencies from outside the registry: {', '.join(meta.url_dependencies[:5])}"
                     + (" (not HTTPS)" if insecure else ""))


DETECTORS = (new_package, single_release, empty_description, no_repository, maintainer_anomaly,
             version_jump, url_dependency)  # install_scripts: heuristics.scripts, fed by analyze()

# status set by the registry (registry/pypi.py, registry/npm.py) -> (indicator id, what it means)
STATUS_IDS = {
    "quarantined": ("project_quarantined", "PyPI quarantined the project (PEP 792): considered unsafe, e.g. malware"),
    "archived": ("project_archived", "the project is archived (PEP 792): no further releases or fixes"),
    "security-placeholder": ("security_placeholder", "npm replaced the package with its security placeholder "
                                                     "(the published code was removed as malicious)"),
    "unpublished": ("unpublished", "every version was unpublished; anyone may register the name again"),
}


def registry_facts(meta: PackageMetadata) -> list[Indicator]:
    """What the registry itself says: project status (quarantined, archived, npm placeholder,
    unpublished) and a yanked resolved release. Facts, so they hold even when metadata is partial."""
    out = []
    if meta.status in STATUS_IDS:
        ind_id, meaning = STATUS_IDS[meta.status]
        from ..indicators import spec

        out.append(Indicator(ind_id, spec(ind_id).severity,
                             meaning + (f": {meta.status_reason}" if meta.status_reason else ""),
                             extra={"status": meta.status}))
    if meta.yanked:
        out.append(Indicator("yanked_release", "medium",
                             f"{meta.name} {meta.version} was yanked"
                             + (f": {meta.yanked_reason}" if meta.yanked_reason else " (no reason given)"),
                             extra={"reason": meta.yanked_reason}))
    return out


def analyze_metadata(meta: PackageMetadata, now: datetime | None = None) -> list[Indicator]:
    """Registry facts, then every metadata detector on a package that exists; [] otherwise."""
    if meta is None or meta.exists is not True:
        return []
    facts = registry_facts(meta)
    if meta.error:
        return facts
    now = now or datetime.now(timezone.utc)
    return facts + [ind for det in DETECTORS if (ind := det(meta, now)) is not None]
