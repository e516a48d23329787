"""What a package artifact says it is: name and version from its own metadata, and the top-level
modules it ships. A downloaded file's name is whatever the user saved it as
(`colorama-ext-1.0.4.tar.gz`, `download (1).tgz`), so it is never used.

  wheel        <name>.dist-info/METADATA
  sdist        <top>/PKG-INFO, else the static fields of <top>/pyproject.toml, setup.cfg, setup.py
  npm tarball  <top>/package.json
  source dir   the same files as an sdist, in the directory itself

Archives are read in memory, member by member, with a size cap; nothing is extracted or run.
The module list is the import phase's fallback when the installed distribution does not say
(no top_level.txt, no RECORD): package directories and modules the artifact contains.
"""

from __future__ import annotations

import configparser
import email.parser
import json
import posixpath
import re
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..ecosystems import Ecosystem, validate_name
from ..errors import InputError

MAX_META_BYTES = 4 * 1024 * 1024  # a metadata file larger than this is not metadata
# Files at the root of a source tree that are build or tooling scripts, not the package.
_NOT_MODULES = {"setup", "conftest", "noxfile", "fabfile", "tasks", "manage", "docs", "tests", "test",
                "examples", "build", "dist", "benchmarks", "scripts"}


@dataclass
class ArtifactInfo:
    name: str
    version: str | None
    modules: list[str] = field(default_factory=list)  # top-level importable names shipped (Python)
    source: str = ""  # which file the name came from, for messages


Reader = Callable[[str], "str | None"]  # relative path -> text, or None when absent


# ------------------------------------------------------------------------- static Python fields

def _pkg_info(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    msg = email.parser.Parser().parsestr(text, headersonly=True)
    return (msg.get("Name") or "").strip() or None, (msg.get("Version") or "").strip() or None


def _pyproject(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    try:
        project = tomllib.loads(text).get("project", {})
    except tomllib.TOMLDecodeError:
        return None, None
    version = project.get("version")
    return project.get("name") or None, str(version) if version else None


def _setup_cfg(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string(text)
    except configparser.Error:
        return None, None
    name = cfg.get("metadata", "name", fallback="").strip() or None
    version = cfg.get("metadata", "version", fallback="").strip() or None
    if version and (version.startswith(("attr:", "file:")) or not re.match(r"^[\w.!+-]+$", version)):
        version = None  # computed at build time: not read statically
    return name, version


def _setup_py(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    name = re.search(r"""\bname\s*=\s*["']([^"']+)["']""", text)
    version = re.search(r"""\bversion\s*=\s*["']([^"']+)["']""", text)
    return name and name.group(1), version and version.group(1)


PYTHON_SOURCES = (("PKG-INFO", _pkg_info), ("pyproject.toml", _pyproject), ("setup.cfg", _setup_cfg),
                  ("setup.py", _setup_py))


def python_source_identity(read: Reader, where: str) -> tuple[str, str | None, str]:
    """(name, version or None, file the name came from) of a Python source tree, read statically.
    The first file naming the package wins; the version comes from the first file that has one."""
    name = version = origin = None
    for fname, parse in PYTHON_SOURCES:
        n, v = parse(read(fname))
        if n and not name:
            name, origin = n, fname
        version = version or v
        if name and version:
            break
    if not name:
        raise InputError(f"{where}: no static package name in PKG-INFO, pyproject.toml, setup.cfg or setup.py")
    return name, version, origin


# ------------------------------------------------------------------------------- archive access

class _Archive:
    """Names and small-file reads of a tar (any compression) or zip archive, without extracting."""

    def __init__(self, path: Path):
        self.path = path
        self._zip = self._tar = None
        try:
            if zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
                raw = [i.filename for i in self._zip.infolist() if not i.is_dir()]
            else:
                self._tar = tarfile.open(path, "r:*")
                raw = [m.name for m in self._tar.getmembers() if m.isfile()]
        except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"{path.name}: not a readable archive ({exc})") from exc
        # "./package/x" and "package/x" are the same member; keep the stored name for reading
        self._stored = {posixpath.normpath(n): n for n in raw if posixpath.normpath(n) not in (".", "")}
        self.names = list(self._stored)

    def read(self, name: str) -> str | None:
        stored = self._stored.get(name)
        if stored is None:
            return None
        try:
            if self._zip is not None:
                info = self._zip.getinfo(stored)
                if info.file_size > MAX_META_BYTES:
                    return None
                return self._zip.read(info).decode("utf-8", errors="replace")
            member = self._tar.getmember(stored)
            if not member.isfile() or member.size > MAX_META_BYTES:
                return None
            fh = self._tar.extractfile(member)
            return fh.read(MAX_META_BYTES).decode("utf-8", errors="replace") if fh else None
        except (KeyError, tarfile.TarError, zipfile.BadZipFile, OSError, EOFError):
            return None

    def top_dir(self) -> str | None:
        """The single top-level directory every member lives in (sdists, npm tarballs), or None."""
        tops = {n.split("/", 1)[0] for n in self.names if "/" in n}
        loose = [n for n in self.names if "/" not in n]
        return tops.pop() if len(tops) == 1 and not loose else None

    def close(self) -> None:
        for handle in (self._zip, self._tar):
            if handle is not None:
                handle.close()


# ------------------------------------------------------------------------------- module lists

def shipped_modules(relnames: list[str]) -> list[str]:
    """Top-level packages (a dir with __init__.py) and modules of a source tree or a wheel,
    looking in the root and in src/; tooling scripts and metadata dirs are left out."""
    found = set()
    for rel in relnames:
        parts = rel.split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        if parts[0].endswith((".dist-info", ".egg-info", ".data")):
            continue
        if len(parts) == 2 and parts[1] == "__init__.py":
            found.add(parts[0])
        elif len(parts) == 1 and parts[0].endswith(".py"):
            found.add(parts[0][:-3])
    return sorted(m for m in found if m.isidentifier() and m not in _NOT_MODULES)


def _wheel_modules(arch: _Archive, distinfo: str) -> list[str]:
    top = arch.read(f"{distinfo}/top_level.txt")
    if top:
        return sorted({m.strip() for m in top.splitlines() if m.strip().isidentifier()})
    return shipped_modules(arch.names)


# ------------------------------------------------------------------------------- entry points

def _checked(name: str, version: str | None, eco: Ecosystem, where: str) -> tuple[str, str | None]:
    """The artifact's own claims are untrusted input: the name must be a valid registry name."""
    try:
        validate_name(name, eco)
    except InputError as exc:
        raise InputError(f"{where}: its metadata names an invalid package: {exc}") from exc
    if version is not None and not re.match(r"^[\w.!+-]{1,128}$", version):
        version = None
    return name, version


def read_artifact(path: Path, ecosystem: "Ecosystem | str") -> ArtifactInfo:
    """Name, version and shipped modules of an sdist, wheel or npm tarball, from its own metadata."""
    eco = Ecosystem.parse(ecosystem)
    path = Path(path)
    arch = _Archive(path)
    try:
        if eco is Ecosystem.NPM:
            top = arch.top_dir()
            text = arch.read(f"{top}/package.json") if top else None
            try:
                meta = json.loads(text) if text else None
            except ValueError:
                meta = None
            if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
                raise InputError(f"{path.name}: no readable package.json at the top of the tarball")
            version = meta.get("version") if isinstance(meta.get("version"), str) else None
            name, version = _checked(meta["name"], version, eco, path.name)
            return ArtifactInfo(name, version, [], f"{top}/package.json")
        distinfos = sorted({n.split("/", 1)[0] for n in arch.names
                            if n.count("/") == 1 and n.endswith(".dist-info/METADATA")})
        if distinfos:  # a wheel
            name, version = _pkg_info(arch.read(f"{distinfos[0]}/METADATA"))
            if not name:
                raise InputError(f"{path.name}: {distinfos[0]}/METADATA has no Name")
            name, version = _checked(name, version, eco, path.name)
            return ArtifactInfo(name, version, _wheel_modules(arch, distinfos[0]), f"{distinfos[0]}/METADATA")
        top = arch.top_dir()
        if top is None:
            raise InputError(f"{path.name}: neither a wheel (no .dist-info/METADATA) nor an sdist "
                             "(no single top-level directory)")
        name, version, origin = python_source_identity(lambda f: arch.read(f"{top}/{f}"), path.name)
        name, version = _checked(name, version, eco, path.name)
        rel = [n[len(top) + 1:] for n in arch.names if n.startswith(top + "/")]
        return ArtifactInfo(name, version, shipped_modules(rel), f"{top}/{origin}")
    finally:
        arch.close()


def read_source_dir(src: Path, ecosystem: "Ecosystem | str") -> ArtifactInfo:
    """Name, version and modules of a package source directory, read statically."""
    eco = Ecosystem.parse(ecosystem)
    src = Path(src)

    read = lambda fname: _read_small(src / fname)  # noqa: E731

    if eco is Ecosystem.NPM:
        try:
            meta = json.loads(read("package.json") or "")
            name, version = meta["name"], meta.get("version")
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{src}: unreadable package.json ({exc})") from exc
        name, version = _checked(name, version if isinstance(version, str) else None, eco, str(src))
        return ArtifactInfo(name, version, [], "package.json")
    name, version, origin = python_source_identity(read, str(src))
    name, version = _checked(name, version, eco, str(src))
    rel = [p.relative_to(src).as_posix() for p in sorted(src.glob("*.py")) + sorted(src.glob("*/__init__.py"))
           + sorted(src.glob("src/*.py")) + sorted(src.glob("src/*/__init__.py"))]
    return ArtifactInfo(name, version, shipped_modules(rel), origin)


# ------------------------------------------------------------------------------- declared deps

# The sandbox images: CPython 3.11 on x86_64 Linux. A requirement whose marker is false here (or
# that only an extra asks for) is not needed to install the package there.
SANDBOX_MARKERS = {"python_version": "3.11", "python_full_version": "3.11.2", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "implementation_version": "3.11.2",
                   "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                   "platform_machine": "x86_64", "platform_release": "", "platform_version": "", "extra": ""}


@dataclass(frozen=True)
class Declared:
    """One dependency an artifact declares, as written, and the file that declares it."""

    requirement: str
    origin: str


def _requires_dist(text: str | None) -> list[str]:
    if not text:
        return []
    return [r.strip() for r in email.parser.Parser().parsestr(text, headersonly=True).get_all("Requires-Dist") or []]


def _requires_txt(text: str | None) -> list[str]:
    """egg-info/requires.txt: the base section, and `[:marker]` sections (not `[extra]` ones)."""
    out, marker = [], None
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            marker = section[1:] if section.startswith(":") else False  # False: an extra's section
            continue
        if marker is False:
            continue
        out.append(f"{line}; {marker}" if marker else line)
    return out


def _cfg_requires(text: str | None) -> list[str]:
    if not text:
        return []
    cfg = configparser.ConfigParser(interpolation=None)
    try:
        cfg.read_string(text)
    except configparser.Error:
        return []
    out = []
    for key in ("setup_requires", "install_requires"):
        value = cfg.get("options", key, fallback="")
        out += [r.split(" #", 1)[0].strip() for r in value.splitlines() if r.strip() and not r.strip().startswith("#")]
    return [r for r in out if not r.startswith(("file:", "attr:"))]


def _pyproject_requires(text: str | None) -> list[str]:
    if not text:
        return []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    reqs = [*(data.get("build-system") or {}).get("requires", []), *(data.get("project") or {}).get("dependencies", [])]
    poetry = ((data.get("tool") or {}).get("poetry") or {}).get("dependencies") or {}
    reqs += [r for name, value in poetry.items() if name.lower() != "python" and (r := _poetry_requirement(name, value))]
    return [r for r in reqs if isinstance(r, str)]


def _poetry_requirement(name: str, value) -> str | None:
    """Poetry's `^1.2` / `~1.2` / `*` / `>=1,<2` / {version = ...} as a PEP 508 requirement; None
    for optional, git, path and url dependencies (nothing to fetch by name)."""
    if isinstance(value, list):
        value = value[0] if value else "*"
    if isinstance(value, dict):
        if value.get("optional") or any(k in value for k in ("git", "path", "url")):
            return None
        value = value.get("version", "*")
    spec = str(value or "*").strip()
    m = re.fullmatch(r"([\^~])\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?", spec)
    if m:
        major, minor = int(m.group(2)), int(m.group(3) or 0)
        if m.group(1) == "^":
            upper = f"{major + 1}" if major else f"0.{minor + 1}"
        else:
            upper = f"{major}.{minor + 1}" if m.group(3) else f"{major + 1}"
        spec = f">={spec[1:].strip()},<{upper}"
    elif spec == "*":
        spec = ""
    elif re.fullmatch(r"\d[\w.]*", spec):
        spec = f"=={spec}"
    return f"{name}{spec}"


def _literal_strings(node, names: dict) -> list[str] | None:
    """A list/tuple of string constants, or a module-level name bound to one (never evaluated)."""
    import ast

    if isinstance(node, ast.Name):
        node = names.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _setup_py_requires(text: str | None) -> list[str]:
    """Literal install_requires / setup_requires of a setup() call in setup.py, read with `ast`.
    Anything computed (read from a file, built in a loop) is not read: setup.py is never run."""
    import ast

    if not text:
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):  # Python 2 era setup.py: nothing literal to read with ast
        return []
    names = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)}
    out: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if func != "setup":
            continue
        for kw in node.keywords:
            if kw.arg in ("setup_requires", "install_requires"):
                out += _literal_strings(kw.value, names) or []
    return out


def applies_in_sandbox(requirement: str) -> bool:
    """Whether pip in the sandbox would want it: a valid requirement, no URL, not extras-only,
    its marker true for CPython 3.11 on Linux."""
    from packaging.markers import InvalidMarker, UndefinedEnvironmentName
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(requirement)
    except InvalidRequirement:
        return False
    if req.url:
        return False
    try:
        return req.marker is None or req.marker.evaluate(dict(SANDBOX_MARKERS))
    except (InvalidMarker, UndefinedEnvironmentName):
        return False


def _declared(read: Reader, names: list[str], top: str) -> list[Declared]:
    """Requirements from every file that states them; duplicates (the same string) once."""
    pre = f"{top}/" if top else ""
    sources = [("PKG-INFO", _requires_dist), ("pyproject.toml", _pyproject_requires), ("setup.cfg", _cfg_requires),
               ("setup.py", _setup_py_requires)]
    eggs = sorted(n[len(pre):] for n in names if n.startswith(pre) and n.endswith(".egg-info/requires.txt")
                  and n[len(pre):].count("/") <= 2)
    sources += [(e, _requires_txt) for e in eggs[:1]]
    seen, out = set(), []
    for fname, parse in sources:
        for req in parse(read(f"{pre}{fname}")):
            if req not in seen:
                seen.add(req)
                out.append(Declared(req, fname))
    return out


def declared_dependencies(path: Path) -> list[Declared]:
    """What a Python wheel, sdist or source directory says it needs, read statically (METADATA /
    PKG-INFO Requires-Dist, egg-info requires.txt, setup.cfg, pyproject.toml dependencies and
    build requires, literal lists in setup.py). Unfiltered: see `applies_in_sandbox`."""
    path = Path(path)
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in path.glob("*.egg-info/requires.txt")]
        names += [p.relative_to(path).as_posix() for p in path.glob("src/*.egg-info/requires.txt")]
        read = lambda f: _read_small(path / f)  # noqa: E731
        return _declared(read, names, "")
    arch = _Archive(path)
    try:
        distinfos = sorted({n.split("/", 1)[0] for n in arch.names
                            if n.count("/") == 1 and n.endswith(".dist-info/METADATA")})
        if distinfos:
            return [Declared(r, "METADATA") for r in _requires_dist(arch.read(f"{distinfos[0]}/METADATA"))]
        top = arch.top_dir()
        return _declared(arch.read, arch.names, top) if top else []
    finally:
        arch.close()


def _read_small(p: Path) -> str | None:
    try:
        return p.read_text(errors="replace") if p.is_file() and p.stat().st_size <= MAX_META_BYTES else None
    except OSError:
        return None
