"""PyPI metadata from the JSON API ({base}/{name}/json), with the simple index (PEP 691 JSON or
PEP 503 HTML) as the fallback for mirrors and local registries that do not serve the JSON API.

Only documents are read; nothing from a package is run.
"""

from __future__ import annotations

import html.parser
import re
import threading
from datetime import datetime
from typing import Any
from urllib.parse import quote, urldefrag, urljoin, urlparse

from .. import config
from ..ecosystems import Ecosystem, PackageSpec, normalize_pypi
from ..errors import RegistryError
from . import http
from .base import Artifact, PackageMetadata, as_utc

REPO_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "sr.ht", "git.")
_SDIST_RE = re.compile(r"\.(tar\.gz|zip|tar\.bz2|tgz|tar)$", re.I)


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))


def _kind(filename: str, packagetype: str | None = None) -> str:
    if packagetype == "bdist_wheel" or filename.endswith(".whl"):
        return "wheel"
    return "sdist" if packagetype in (None, "sdist") and _SDIST_RE.search(filename) else (packagetype or "other")


def _artifact(f: dict[str, Any], base_url: str = "") -> Artifact:
    """Mirrors may give file URLs relative to the JSON document; resolve them against it."""
    return Artifact(url=urljoin(base_url, f["url"]) if base_url else f["url"], filename=f["filename"], kind=_kind(f["filename"], f.get("packagetype")),
                    sha256=(f.get("digests") or {}).get("sha256"), size=f.get("size"))


def find_repository(urls: dict[str, str], homepage: str | None) -> str | None:
    """The first project URL on a code host (labels vary: Source, Repository, Code, GitHub ...)."""
    candidates = list(urls.values()) + ([homepage] if homepage else [])
    for url in candidates:
        host = urlparse(url or "").netloc.lower()
        if any(h in host for h in REPO_HOSTS):
            return url
    return None


def url_dependencies(requires: list[str]) -> list[str]:
    """PEP 508 direct references (`name @ url`), which bypass the index; plain http is worse."""
    return [r for r in requires if " @ " in r.split(";")[0]]


def parse_json_api(doc: dict[str, Any], version: str | None = None, base_url: str = "") -> PackageMetadata:
    """Turn a PyPI JSON API document into PackageMetadata (version: a requested one or latest).

    `base_url`: the document's own URL, against which relative file URLs are resolved.
    """
    info = doc.get("info") or {}
    releases: dict[str, list] = doc.get("releases") or {}
    ver = version or info.get("version")
    if version and releases and version not in releases:
        raise KeyError(version)
    files = releases.get(ver) if releases and ver in releases else doc.get("urls") or []
    times = [_dt(f.get("upload_time_iso_8601") or f.get("upload_time")) for fs in releases.values() for f in fs]
    times = [t for t in times if t] or [t for t in (_dt(f.get("upload_time_iso_8601") or f.get("upload_time"))
                                                    for f in doc.get("urls") or []) if t]
    project_urls = {str(k): str(v) for k, v in (info.get("project_urls") or {}).items() if v}
    homepage = info.get("home_page") or project_urls.get("Homepage") or project_urls.get("homepage")
    requires = list(info.get("requires_dist") or [])
    people = lambda n, e: [{"name": info.get(n) or "", "email": info.get(e) or ""}] if (info.get(n) or info.get(e)) else []
    yanked, yanked_reason = _yanked(info, files, version is None)
    ver_times = [t for t in (_dt(f.get("upload_time_iso_8601") or f.get("upload_time")) for f in files) if t]
    return PackageMetadata(
        name=info.get("name") or "",
        ecosystem=Ecosystem.PYPI,
        exists=True,
        version=ver,
        versions=list(releases) or ([ver] if ver else []),
        first_upload=min(times) if times else None,
        latest_upload=max(times) if times else None,
        release_count=sum(1 for fs in releases.values() if fs) if releases else (1 if files else 0),
        authors=people("author", "author_email"),
        maintainers=people("maintainer", "maintainer_email"),
        homepage=homepage,
        repository=find_repository(project_urls, homepage),
        project_urls=project_urls,
        description_length=len((info.get("description") or "").strip()),
        summary=info.get("summary"),
        license=info.get("license_expression") or info.get("license") or _classifier_license(info),
        dependencies=requires,
        url_dependencies=url_dependencies(requires),
        artifacts=[_artifact(f, base_url) for f in files if f.get("url")],
        yanked=yanked, yanked_reason=yanked_reason,
        version_upload=min(ver_times) if ver_times else None,
    )


def _yanked(info: dict[str, Any], files: list[dict[str, Any]], latest: bool) -> tuple[bool, str | None]:
    """PEP 592: a release is yanked when all its files are; the version document also says it in info."""
    reasons = [f.get("yanked_reason") for f in files if f.get("yanked")]
    if files and len(reasons) == len(files):
        return True, next((r for r in reasons if r), None)
    if not latest and info.get("yanked"):  # info describes the requested version only in /{name}/{ver}/json
        return True, info.get("yanked_reason") or None
    return False, None


def _classifier_license(info: dict[str, Any]) -> str | None:
    for c in info.get("classifiers") or []:
        if c.startswith("License ::"):
            return c.split("::")[-1].strip()
    return None


class _LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[dict[str, str]] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a)
        elif tag == "meta" and a.get("name"):
            self.meta[a["name"]] = a.get("content") or ""


_LAST_STATUS = threading.local()  # (status, reason) of the last simple page this thread read


def _simple_files(base: str, name: str) -> list[dict[str, Any]] | None:
    """Files of a project from the simple index: PEP 691 JSON when offered, else PEP 503 HTML."""
    url = f"{base}/{quote(normalize_pypi(name))}/"
    status, text, ctype = http.get_text(
        url, accept="application/vnd.pypi.simple.v1+json, text/html;q=0.1")
    if status == 404:
        return None
    if "json" in ctype:
        import json
        doc = json.loads(text)
        status = doc.get("project-status") or {}
        _LAST_STATUS.value = (status.get("status"), status.get("reason"))
        return [{"filename": f["filename"], "url": urljoin(url, f["url"]),
                 "sha256": (f.get("hashes") or {}).get("sha256"), "size": f.get("size"),
                 "upload_time": f.get("upload-time"), "yanked": bool(f.get("yanked")),
                 "yanked_reason": f["yanked"] if isinstance(f.get("yanked"), str) else None}
                for f in doc.get("files", [])]
    parser = _LinkParser()
    parser.feed(text or "")
    _LAST_STATUS.value = (parser.meta.get("pypi:project-status"), parser.meta.get("pypi:project-status-reason"))
    files = []
    for a in parser.links:
        href, frag = urldefrag(urljoin(url, a["href"]))
        sha = frag.split("=", 1)[1] if frag.startswith("sha256=") else None
        files.append({"filename": urlparse(href).path.rsplit("/", 1)[-1], "url": href, "sha256": sha,
                      "size": None, "upload_time": None, "yanked": "data-yanked" in a,  # PEP 592
                      "yanked_reason": a.get("data-yanked") or None})
    return files


def _version_of(filename: str, name: str) -> str | None:
    """Version from a distribution filename (packaging does the hard parts)."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidSdistFilename, InvalidWheelFilename, ValueError):
        stem = re.sub(r"\.(tar\.gz|zip|tar\.bz2|tgz)$", "", filename)
        prefix = re.sub(r"[-_.]+", "_", name).lower() + "-"
        norm = re.sub(r"[-_.]+", "_", stem).lower()
        return stem[len(prefix):] if norm.startswith(prefix) else None


def parse_simple(name: str, files: list[dict[str, Any]], version: str | None) -> PackageMetadata:
    """Metadata the simple index can give: versions, artifacts with hashes, upload times (PEP 700)."""
    from packaging.version import InvalidVersion, Version

    by_version: dict[str, list[dict[str, Any]]] = {}
    for f in files:
        v = _version_of(f["filename"], name)
        if v:
            by_version.setdefault(v, []).append(f)

    def key(v: str):
        try:
            return (1, Version(v))
        except InvalidVersion:
            return (0, Version("0"))

    ordered = sorted(by_version, key=key)
    ver = version or (ordered[-1] if ordered else None)
    if version and version not in by_version:
        raise KeyError(version)
    times = [t for t in (_dt(f.get("upload_time")) for f in files) if t]
    chosen = by_version.get(ver, [])
    ver_times = [t for t in (_dt(f.get("upload_time")) for f in chosen) if t]
    yanked = bool(chosen) and all(f.get("yanked") for f in chosen)
    return PackageMetadata(
        yanked=yanked, yanked_reason=next((f.get("yanked_reason") for f in chosen if f.get("yanked_reason")), None)
        if yanked else None, version_upload=min(ver_times) if ver_times else None,
        name=name, ecosystem=Ecosystem.PYPI, exists=True, version=ver, versions=ordered,
        first_upload=min(times) if times else None, latest_upload=max(times) if times else None,
        release_count=len(ordered),
        artifacts=[Artifact(url=f["url"], filename=f["filename"], kind=_kind(f["filename"]),
                            sha256=f.get("sha256"), size=f.get("size")) for f in by_version.get(ver, [])],
        error=None,
    )


def fetch(spec: PackageSpec) -> PackageMetadata:
    """Ask the JSON API, then the simple index. RegistryError only if neither could answer."""
    json_base, simple_base = config.pypi_json_url(), config.pypi_simple_url()
    name = spec.name
    json_error: RegistryError | None = None
    if json_base.lower() != "none":
        try:
            doc_url = f"{json_base}/{quote(name)}/json"
            status, doc = http.get_json(doc_url)
            if status == 200 and isinstance(doc, dict) and doc.get("info"):
                try:
                    meta = parse_json_api(doc, spec.version, doc_url)
                except KeyError:
                    return _missing_version(spec, list(doc.get("releases") or {}))
                if spec.version and spec.version != doc["info"].get("version"):
                    meta = _with_version_info(json_base, name, spec.version, meta)
                return meta
        except RegistryError as exc:
            json_error = exc
    try:
        _LAST_STATUS.value = (None, None)
        files = _simple_files(simple_base, name)
    except RegistryError:
        if json_error:
            raise json_error
        raise
    if files is None:  # the simple index is authoritative for existence
        return PackageMetadata(name=name, ecosystem=Ecosystem.PYPI, exists=False, version=spec.version)
    status, reason = _LAST_STATUS.value
    status = (status or "").strip().lower() or None
    if not files:
        # PyPI keeps an empty page for projects whose files were all deleted, that it quarantined
        # (PEP 792: no files offered), or names it blocks
        return PackageMetadata(name=name, ecosystem=Ecosystem.PYPI, exists=True, version=spec.version,
                               status=status if status != "active" else None, status_reason=reason,
                               error=None if status == "quarantined" else "the project has no files (deleted or reserved)")
    try:
        meta = parse_simple(name, files, spec.version)
    except KeyError:
        meta = _missing_version(spec, sorted({_version_of(f["filename"], name) or "" for f in files} - {""}))
    if status and status != "active":
        meta.status, meta.status_reason = status, reason
    return meta


def _with_version_info(base: str, name: str, version: str, meta: PackageMetadata) -> PackageMetadata:
    doc_url = f"{base}/{quote(name)}/{quote(version)}/json"
    status, doc = http.get_json(doc_url)
    if status == 200 and isinstance(doc, dict) and doc.get("info"):
        ver_meta = parse_json_api(doc, None, doc_url)
        ver_meta.versions, ver_meta.release_count = meta.versions, meta.release_count
        ver_meta.first_upload, ver_meta.latest_upload = meta.first_upload, meta.latest_upload
        return ver_meta
    return meta


def _missing_version(spec: PackageSpec, versions: list[str]) -> PackageMetadata:
    """The project exists but not that version: exists stays True, the error says so."""
    return PackageMetadata(name=spec.name, ecosystem=Ecosystem.PYPI, exists=True, version=spec.version,
                           versions=versions, release_count=len(versions),
                           error=f"version {spec.version} not found (has {len(versions)} versions)")
