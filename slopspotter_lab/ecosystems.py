"""Ecosystems, package specs and the validation every name goes through before anything runs.

A name is hostile input: it may come from an LLM answer or a web page. Nothing here fetches or
executes anything; a spec that passes `parse_spec` is safe to put in a URL path (quoted) or an
argv list (never a shell: no code in this project builds shell strings from names).
"""

from __future__ import annotations

import enum
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

MAX_NAME_LEN = 214  # npm's limit; PyPI has none, but nothing real is longer
MAX_VERSION_LEN = 64


class Ecosystem(str, enum.Enum):
    PYPI = "pypi"
    NPM = "npm"

    @classmethod
    def parse(cls, value: "str | Ecosystem") -> "Ecosystem":
        """Accept 'pypi', 'PyPI', 'python', 'npm', 'javascript', 'node' ... ; anything else is exit 2."""
        if isinstance(value, Ecosystem):
            return value
        key = str(value).strip().lower()
        aliases = {
            "pypi": cls.PYPI, "python": cls.PYPI, "pip": cls.PYPI, "py": cls.PYPI,
            "npm": cls.NPM, "javascript": cls.NPM, "js": cls.NPM, "node": cls.NPM,
            "nodejs": cls.NPM, "typescript": cls.NPM,
        }
        if key not in aliases:
            raise InputError(f"unknown ecosystem {value!r}: use 'pypi' or 'npm'")
        return aliases[key]


_PYPI_NAME = re.compile(r"^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$")
_NPM_PART = r"[A-Za-z0-9~-][A-Za-z0-9._~-]*"
_NPM_NAME = re.compile(rf"^(?:@{_NPM_PART}/)?{_NPM_PART}$")
# PEP 440 (loose) and semver / dist-tags: letters, digits and . + ! _ - only.
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+!_-]*$")
_SHELL_META = set("`$;&|<>(){}[]*?\\\"'!#^,=:%")


def normalize_pypi(name: str) -> str:
    """PEP 503 normalisation: runs of '-', '_', '.' become '-', lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


def normalize_name(name: str, ecosystem: "Ecosystem | str") -> str:
    eco = Ecosystem.parse(ecosystem)
    return normalize_pypi(name) if eco is Ecosystem.PYPI else name.lower()


@dataclass(frozen=True)
class PackageSpec:
    """A validated package reference: a registry name (+ optional version) or a local artifact."""

    name: str
    ecosystem: Ecosystem
    version: str | None = None
    path: Path | None = None  # set for local artifacts (sdist, wheel, npm tarball, directory)

    @property
    def is_local(self) -> bool:
        return self.path is not None

    @property
    def normalized(self) -> str:
        return normalize_name(self.name, self.ecosystem)

    def __str__(self) -> str:
        if self.path is not None:
            return str(self.path)
        if not self.version:
            return self.name
        sep = "==" if self.ecosystem is Ecosystem.PYPI else "@"
        return f"{self.name}{sep}{self.version}"


def _describe_char(ch: str) -> str:
    try:
        uname = unicodedata.name(ch)
    except ValueError:
        uname = "unnamed"
    return f"U+{ord(ch):04X} {uname}"


def _reject_hostile(text: str, what: str) -> None:
    """Checks shared by names and versions: options, whitespace, control, non-ASCII, shell."""
    if not text:
        raise InputError(f"empty {what}")
    if text.startswith("-"):
        raise InputError(
            f"{what} {text!r} looks like a command-line option, not a package; refusing it"
        )
    if len(text) > MAX_NAME_LEN:
        raise InputError(f"{what} is {len(text)} characters long (limit {MAX_NAME_LEN})")
    for ch in text:
        if ord(ch) > 127:
            raise InputError(
                f"{what} {text!r} contains the non-ASCII character {_describe_char(ch)}; "
                "registry names are ASCII, so this is a confusable or a typo"
            )
        if ch.isspace() or ord(ch) < 32 or ord(ch) == 127:
            raise InputError(f"{what} {text!r} contains whitespace or a control character")
    if "://" in text:
        raise InputError(f"{what} {text!r} is a URL; give a package name (or a local path)")


def validate_name(name: str, ecosystem: "Ecosystem | str") -> str:
    """Return `name` unchanged if it is a valid registry name for `ecosystem`, else InputError."""
    eco = Ecosystem.parse(ecosystem)
    _reject_hostile(name, "package name")
    bad = sorted({c for c in name if c in _SHELL_META})
    if bad and not (eco is Ecosystem.NPM and bad == ["@"]):
        raise InputError(
            f"package name {name!r} contains {''.join(bad)!r}, which no {eco.value} name may hold"
        )
    pattern = _PYPI_NAME if eco is Ecosystem.PYPI else _NPM_NAME
    if not pattern.match(name):
        if eco is Ecosystem.NPM and name[0] in "._":
            raise InputError(f"npm name {name!r} may not start with '.' or '_'")
        raise InputError(f"{name!r} is not a valid {eco.value} package name")
    if eco is Ecosystem.NPM and name.lower() in {"node_modules", "favicon.ico"}:
        raise InputError(f"{name!r} is a reserved npm name")
    return name


def validate_version(version: str) -> str:
    _reject_hostile(version, "version")
    if len(version) > MAX_VERSION_LEN or not _VERSION.match(version):
        raise InputError(
            f"version {version!r} is not an exact version or tag "
            "(letters, digits and . + ! _ - only; no ranges)"
        )
    return version


_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar")


def looks_like_path(text: str) -> bool:
    """True for things meant as local artifacts: ./x, ../x, /x, ~/x, dir/x, or an existing file.

    A bare name is a name even with an archive-like suffix (`lodash.zip`, `toastr.tar` are npm
    packages) unless a file of that name exists here."""
    if text.startswith(("./", "../", "/", "~", ".\\")):
        return True
    if ("/" in text or os.sep in text) and not text.startswith("@"):
        return True
    return text.lower().endswith(_ARCHIVE_SUFFIXES) and os.path.lexists(text)


def split_version(text: str, ecosystem: Ecosystem) -> tuple[str, str | None]:
    """'requests==2.32.3' -> ('requests', '2.32.3'); '@s/p@1.0' -> ('@s/p', '1.0')."""
    if ecosystem is Ecosystem.PYPI:
        if "==" in text:
            name, _, version = text.partition("==")
            if version.startswith("="):  # '===' arbitrary equality
                version = version[1:]
            return name, version
        for op in (">=", "<=", "~=", "!=", ">", "<"):
            if op in text:
                raise InputError(
                    f"{text!r} gives a version range; give an exact version (name==1.2.3) or none"
                )
        return text, None
    at = text.rfind("@")
    if at > 0:
        return text[:at], text[at + 1:]
    return text, None


MAX_PATH_LEN = 4096
_MANIFESTS = {Ecosystem.PYPI: ("pyproject.toml", "setup.py", "setup.cfg"), Ecosystem.NPM: ("package.json",)}


def _local_artifact(text: str, eco: Ecosystem) -> Path:
    """Resolve a local artifact path, or InputError: only archives and package source trees pass,
    so a "name" like /etc/passwd, ~root or /proc/self/environ is never handed to an installer.
    Messages quote the text with repr() so control characters cannot reach the terminal raw."""
    if len(text) > MAX_PATH_LEN or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InputError(f"path {text[:80]!r} is overlong or contains control characters")
    try:
        path = Path(text).expanduser().resolve(strict=True)
    except (OSError, RuntimeError, ValueError) as exc:  # missing, too long, unknown ~user, loops
        raise InputError(f"no such file or directory (and not a valid package name): {text!r}") from exc
    if path.is_file():
        if not path.name.lower().endswith(_ARCHIVE_SUFFIXES):
            raise InputError(f"{text!r} is not a package archive ({', '.join(_ARCHIVE_SUFFIXES)})")
        return path
    if path.is_dir():
        if not any((path / m).is_file() for m in _MANIFESTS[eco]):
            raise InputError(
                f"{text!r} is a directory without {' or '.join(_MANIFESTS[eco])}: not a {eco.value} package"
            )
        return path
    raise InputError(f"{text!r} is neither a regular file nor a directory")


def parse_spec(text: str, ecosystem: "Ecosystem | str" = Ecosystem.PYPI,
               version: str | None = None, allow_path: bool = True) -> PackageSpec:
    """Validate a user-supplied package reference; raise InputError (exit 2) on anything odd.

    Accepts `name`, `name==ver` (PyPI), `name@ver` / `@scope/name@ver` (npm), or, when
    `allow_path`, a local sdist, wheel, npm tarball or source directory.
    """
    eco = Ecosystem.parse(ecosystem)
    if not isinstance(text, str):
        raise InputError(f"package reference must be a string, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise InputError("empty package name")
    if allow_path and not text.startswith("-") and looks_like_path(text):
        path = _local_artifact(text, eco)
        return PackageSpec(name=path.name, ecosystem=eco, version=version, path=path)
    _reject_hostile(text, "package name")
    name, inline_version = split_version(text, eco)
    if inline_version is not None and version is not None and inline_version != version:
        raise InputError(f"{text!r} names version {inline_version} but --version says {version}")
    validate_name(name, eco)
    ver = inline_version if inline_version is not None else version
    if ver is not None:
        validate_version(ver)
    return PackageSpec(name=name, ecosystem=eco, version=ver)
