"""One requirement string -> Dependency, for PyPI (PEP 508 via `packaging`) and npm (name@range).

Used by every reader and by the command grammar, so "requests[socks]>=2" or "@scope/x@^2" mean
the same thing wherever they come from.
"""

from __future__ import annotations

import re

from .model import Dependency

URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git\+|hg\+|svn\+|bzr\+|git@|file:)", re.I)
NPM_NONREG_RE = re.compile(r"^(?:git\+|git:|github:|gitlab:|bitbucket:|gist:|https?:|file:|link:|portal:|patch:|workspace:|exec:)", re.I)
PATH_RE = re.compile(r"^(?:\.{1,2}[/\\]|[/\\~]|[A-Za-z]:[/\\])")
ARCHIVE_RE = re.compile(r"\.(?:whl|tar\.gz|tgz|zip|tar\.bz2|tar\.xz)$", re.I)
NPM_NAME_RE = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9._~-][a-z0-9._~-]*$", re.I)


def _exact(specifier) -> str | None:
    specs = list(specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def pypi_dependency(text: str, **where) -> Dependency:
    """A PEP 508 string (or URL/path) as a Dependency; unparseable names are kept, not checkable."""
    from packaging.requirements import InvalidRequirement, Requirement

    raw = text.strip()
    if URL_RE.match(raw) or PATH_RE.match(raw) or (ARCHIVE_RE.search(raw) and "@" not in raw):
        name = _egg_name(raw) or raw
        kind = "VCS reference" if re.match(r"^(?:git|hg|svn|bzr)\+|^git@", raw, re.I) else (
            "URL" if "://" in raw else "local path")
        return Dependency(name=name, ecosystem="pypi", checkable=False, url=raw,
                          note=f"{kind}: not checkable by name", **where)
    try:
        req = Requirement(raw)
    except InvalidRequirement as exc:
        return Dependency(name=raw, ecosystem="pypi", checkable=False,
                          note=f"not a valid requirement: {str(exc).splitlines()[0]}", **where)
    dep = Dependency(name=req.name, ecosystem="pypi", spec=str(req.specifier) or None,
                     version=_exact(req.specifier), extras=tuple(sorted(req.extras)), **where)
    if req.marker is not None:
        dep.note = f"marker: {req.marker}"
    if req.url:
        dep.url, dep.checkable = req.url, False
        dep.note = "direct URL reference: not checkable by name"
    return dep


def _egg_name(url: str) -> str | None:
    m = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", url)
    return m.group(1) if m else None


def split_npm(text: str) -> tuple[str, str | None]:
    """'@scope/x@^2' -> ('@scope/x', '^2'); 'x' -> ('x', None)."""
    at = text.find("@", 1)
    if at == -1:
        return text, None
    return text[:at], text[at + 1:] or None


def npm_dependency(text: str, range_: str | None = None, **where) -> Dependency:
    """'name', 'name@range', '@scope/name@range', aliases 'alias@npm:real@range', or a
    name plus a package.json range (`range_`). Git/URL/path ranges are not checkable."""
    raw = text.strip()
    if range_ is None:
        if NPM_NONREG_RE.match(raw) or PATH_RE.match(raw) or ARCHIVE_RE.search(raw) or (
                "/" in raw and not raw.startswith("@") and "@" not in raw):
            return Dependency(name=raw, ecosystem="npm", checkable=False, url=raw,
                              note="git/URL/path reference: not checkable by name", **where)
        name, range_ = split_npm(raw)
    else:
        name = raw
    note = None
    if range_ and range_.startswith("npm:"):  # alias: the real package is what gets installed
        note = f"alias {name} for {range_[4:]}"
        name, range_ = split_npm(range_[4:])
    if not NPM_NAME_RE.match(name):
        return Dependency(name=name, ecosystem="npm", spec=range_, checkable=False,
                          note="not a valid npm package name", **where)
    dep = Dependency(name=name, ecosystem="npm", spec=range_, note=note, **where)
    if range_ and (NPM_NONREG_RE.match(range_) or re.match(r"^(?:\.{1,2}/|/)", range_)
                   or re.match(r"^[\w.-]+/[\w.-]+(?:#.*)?$", range_)):  # git/url/path, or GitHub "user/repo"
        dep.checkable, dep.url = False, range_
        dep.note = "git/URL/path/workspace reference: not checkable by name"
    elif range_ and re.fullmatch(r"v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?", range_):
        dep.version = range_.lstrip("v")
    return dep
