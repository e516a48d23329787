"""npm metadata from the registry's full packument ({base}/{name}, scoped names as @s%2Fn).

The full document (not the abbreviated one) is needed for publish times, maintainers and the
lifecycle scripts of the manifest. Nothing from the package is run.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import quote

from .. import config
from ..ecosystems import Ecosystem, PackageSpec
from . import http
from .base import Artifact, PackageMetadata
from .pypi import find_repository

LIFECYCLE = ("preinstall", "install", "postinstall", "preprepare", "prepare", "postprepare",
             "prepublish", "preuninstall", "uninstall", "postuninstall")
_URL_DEP = re.compile(r"^(git\+|git:|https?:|file:|github:|gitlab:|bitbucket:|gist:|link:)|^[\w.-]+/[\w.-]+(#.*)?$", re.I)


def package_url(base: str, name: str) -> str:
    """Scoped names keep the @ and encode the slash, as the registry expects."""
    return f"{base}/{quote(name, safe='@')}"


def _dt(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _person(p: Any) -> dict[str, str]:
    if isinstance(p, str):  # "Name <email> (url)"
        m = re.match(r"^\s*([^<(]*?)\s*(?:<([^>]*)>)?\s*(?:\(([^)]*)\))?\s*$", p)
        return {"name": (m.group(1) if m else p) or "", "email": (m.group(2) if m else "") or ""}
    if isinstance(p, dict):
        return {"name": str(p.get("name") or ""), "email": str(p.get("email") or "")}
    return {"name": "", "email": ""}


def _repo_url(repo: Any) -> str | None:
    if isinstance(repo, dict):
        repo = repo.get("url")
    return str(repo) if repo else None


def url_dependencies(deps: dict[str, str]) -> list[str]:
    """Dependencies that bypass the registry: git, tarball URLs, files, GitHub shorthands."""
    return [f"{k}@{v}" for k, v in deps.items() if isinstance(v, str) and _URL_DEP.match(v.strip())]


def parse_packument(doc: dict[str, Any], version: str | None = None) -> PackageMetadata:
    """Turn a full packument into PackageMetadata for `version` (a version, a dist-tag, or latest)."""
    versions: dict[str, Any] = doc.get("versions") or {}
    tags = doc.get("dist-tags") or {}
    ver = tags.get(version, version) if version else tags.get("latest") or (list(versions)[-1] if versions else None)
    if version and ver not in versions:
        raise KeyError(version)
    manifest = versions.get(ver) or {}
    times = doc.get("time") or {}
    stamps = [_dt(v) for k, v in times.items() if k in versions]
    stamps = [t for t in stamps if t] or [t for t in (_dt(times.get("created")),) if t]
    deps = {**(manifest.get("dependencies") or {}), **(manifest.get("optionalDependencies") or {})}
    repo = _repo_url(manifest.get("repository") or doc.get("repository"))
    homepage = manifest.get("homepage") or doc.get("homepage")
    author = manifest.get("author") or doc.get("author")
    dist = manifest.get("dist") or {}
    scripts = {k: str(v) for k, v in (manifest.get("scripts") or {}).items() if k in LIFECYCLE}
    if manifest.get("gypfile") and "install" not in scripts:
        scripts["install"] = "node-gyp rebuild"  # implicit, as npm runs it for binding.gyp
    readme = doc.get("readme") or manifest.get("readme") or ""
    description = manifest.get("description") or doc.get("description") or ""
    artifacts = []
    if dist.get("tarball"):
        artifacts.append(Artifact(url=dist["tarball"], filename=dist["tarball"].rsplit("/", 1)[-1],
                                  kind="tarball", sha512_integrity=dist.get("integrity"),
                                  sha1=dist.get("shasum"), size=dist.get("unpackedSize")))
    placeholder = is_security_placeholder(ver, manifest, doc)
    return PackageMetadata(
        status="security-placeholder" if placeholder else None,
        status_reason=(description or None) if placeholder else None,
        version_upload=_dt(times.get(ver)) if ver else None,
        name=doc.get("name") or manifest.get("name") or "",
        ecosystem=Ecosystem.NPM,
        exists=True,
        version=ver,
        versions=list(versions),
        first_upload=min(stamps) if stamps else None,
        latest_upload=max(stamps) if stamps else None,
        release_count=len(versions),
        authors=[_person(author)] if author else [],
        maintainers=[_person(m) for m in (manifest.get("maintainers") or doc.get("maintainers") or [])],
        homepage=homepage,
        repository=repo or find_repository({}, homepage),
        project_urls={k: v for k, v in (("homepage", homepage), ("repository", repo),
                                        ("bugs", _repo_url(manifest.get("bugs")))) if v},
        description_length=max(len(readme.strip()), len(description.strip())) if readme != "ERROR: No README data found!" else len(description.strip()),
        summary=description or None,
        license=_license(manifest.get("license") or doc.get("license")),
        install_scripts=scripts,
        dependencies=[f"{k}@{v}" for k, v in deps.items()],
        url_dependencies=url_dependencies(deps),
        artifacts=artifacts,
    )


def is_security_placeholder(version: str | None, manifest: dict[str, Any], doc: dict[str, Any]) -> bool:
    """npm replaces removed malware with `0.0.1-security`, "security holding package", npm/security-holder."""
    if version and version.endswith("-security"):
        return True
    repo = (_repo_url(manifest.get("repository") or doc.get("repository")) or "").lower()
    text = f"{manifest.get('description') or ''} {doc.get('description') or ''}".lower()
    return "security-holder" in repo or "security holding package" in text


def _license(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("type")
    return str(value) if value else None


def fetch(spec: PackageSpec) -> PackageMetadata:
    """One GET of the full packument; 404 is "does not exist", network trouble is RegistryError."""
    status, doc = http.get_json(package_url(config.npm_url(), spec.name), accept="application/json")
    if status == 404 or not isinstance(doc, dict):
        return PackageMetadata(name=spec.name, ecosystem=Ecosystem.NPM, exists=False, version=spec.version)
    unpublished = (doc.get("time") or {}).get("unpublished")
    if not doc.get("versions") and unpublished:
        when = unpublished.get("time") if isinstance(unpublished, dict) else None
        return PackageMetadata(name=spec.name, ecosystem=Ecosystem.NPM, exists=True, version=spec.version,
                               status="unpublished", status_reason=f"unpublished {when}" if when else None,
                               error="every version was unpublished (name may be re-registered)")
    try:
        return parse_packument(doc, spec.version)
    except KeyError:
        versions = list(doc.get("versions") or {})
        return PackageMetadata(name=spec.name, ecosystem=Ecosystem.NPM, exists=True, version=spec.version,
                               versions=versions, release_count=len(versions),
                               error=f"version {spec.version} not found (has {len(versions)} versions)")
