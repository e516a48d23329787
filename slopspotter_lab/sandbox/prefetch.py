"""Host-side prefetch: put the target artifact and everything its install needs (its
dependencies, the build tools) into the job directory, so the sandbox installs with no network
at all. This is the home of dependency prefetching. Nothing here executes package code: PyPI
dependencies are fetched as wheels only (`pip download --only-binary=:all:`), an sdist comes
through the registry layer (hash-verified, size-capped), npm tarballs come from `npm pack` /
`npm install --ignore-scripts` into a cache directory that the sandbox copies.

A local Python artifact's declared dependencies (read statically by artifact_info, setup.py
through `ast`, never run) are fetched one requirement at a time, only for names on the bundled
popular PyPI list (the names are the artifact author's choice), as wheels, else as the raw sdist
of that well-known project (pip builds it inside the sandbox), cached on the host per index.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from .. import config
from ..ecosystems import PackageSpec
from ..errors import InputError, RegistryError
from .artifact_info import applies_in_sandbox, declared_dependencies, read_artifact
from .packing import pack_dir

log = logging.getLogger(__name__)

# The sandbox images run CPython 3.11 on x86_64 glibc (Debian bookworm).
PIP_TARGET = ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--abi", "abi3",
              "--abi", "none", "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
              "--platform", "linux_x86_64", "--platform", "any"]
BUILD_TOOLS = ["setuptools", "wheel"]


class Fetched(NamedTuple):
    """The target artifact put into the job directory, and the distribution it holds."""

    path: Path
    name: str
    version: str | None
    modules: tuple[str, ...] = ()  # top-level modules the artifact ships (the import phase's fallback)
    deps: tuple[dict, ...] = ()  # declared dependencies of a local artifact: fetched or not, and why


def _pip_download(reqs: list[str], dest: Path, no_deps: bool = False, timeout: float = 600) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--disable-pip-version-check",
            "--quiet", "--dest", str(dest), *PIP_TARGET]
    if no_deps:
        argv.append("--no-deps")
    index = os.environ.get("SLOPSPOTTER_PIP_INDEX_URL")
    if index:
        argv += ["--index-url", index]
    return subprocess.run([*argv, *reqs], capture_output=True, text=True, timeout=timeout)


def build_tools_dir() -> Path:
    """Wheels of the build backends an sdist needs (setuptools, wheel), fetched once and cached."""
    cache = config.cache_dir() / "build-wheels"
    if not any(cache.glob("setuptools-*.whl")) or not any(cache.glob("wheel-*.whl")):
        cache.mkdir(parents=True, exist_ok=True)
        res = _pip_download(BUILD_TOOLS, cache)
        if res.returncode != 0:
            raise RegistryError(f"cannot fetch build tools: {res.stderr.strip()[-300:]}")
    return cache


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def _pypi_sdist(spec: PackageSpec, meta, dest: Path) -> Fetched:
    """The sdist through the registry layer (hash-verified, size-capped), from the scan's metadata."""
    from ..registry import download_artifact, fetch_metadata

    meta = meta if meta is not None else fetch_metadata(spec)
    path = Path(download_artifact(meta, dest, kind="sdist"))
    return _identify(spec, path, meta.name or spec.name, meta.version or spec.version)


def _identify(spec: PackageSpec, target: Path, name: str | None = None, version: str | None = None) -> Fetched:
    """What the artifact's own metadata says it is (artifact_info), never its file name. A local
    file must say it (it is the only source); a registry download that cannot be read keeps the
    name and version the registry gave."""
    try:
        info = read_artifact(target, spec.ecosystem)
    except InputError:
        if spec.is_local:
            raise
        log.warning("cannot read the metadata of %s; using the registry's name", target.name)
        return Fetched(target, name or spec.name, version or spec.version)
    if spec.is_local:
        return Fetched(target, info.name, info.version, tuple(info.modules))
    return Fetched(target, name or spec.name, version or info.version, tuple(info.modules))


def _local_python(spec: PackageSpec, artifacts: Path) -> Fetched:
    """A local source dir (packed with our own code), wheel or sdist, and the wheels of the
    dependencies it declares (those that are well-known packages)."""
    path = Path(spec.path)
    if path.is_dir():
        fetched = _identify(spec, pack_dir(path, "pypi", artifacts))
    else:
        target = artifacts / path.name
        shutil.copy2(path, target)
        fetched = _identify(spec, target)
    return fetched._replace(deps=tuple(prefetch_declared(fetched.path, artifacts / "deps", fetched.name)))


def prefetch_declared(artifact: Path, deps: Path, own_name: str | None = None, sdists: int = 2) -> list[dict]:
    """Wheels of the dependencies a local artifact declares (read statically, artifact_info), one
    requirement at a time, into deps/; one record per requirement: status fetched | skipped | failed
    and why. The names are the artifact author's choice (an attacker's, for malware), so only a
    name on the bundled popular PyPI list is ever asked of a registry."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    try:
        declared = declared_dependencies(artifact)
    except InputError as exc:
        return [{"requirement": None, "status": "failed", "reason": f"declared dependencies unreadable: {exc}"}]
    popular = _bundled_popular()
    out, seen = [], set()
    for dep in declared:
        rec = {"requirement": dep.requirement, "origin": dep.origin}
        if not applies_in_sandbox(dep.requirement):
            continue  # extras-only, a marker false on Linux/CPython 3.11, a URL or unparsable
        name = canonicalize_name(Requirement(dep.requirement).name)
        if name in seen or name == canonicalize_name(own_name or ""):
            continue
        seen.add(name)
        if name in _BUILD_TOOL_NAMES:
            out.append({**rec, "status": "fetched", "reason": "build tool, always prefetched"})
            continue
        if name not in popular:
            out.append({**rec, "status": "skipped", "reason": "not prefetched: not a well-known package"})
            continue
        out.append({**rec, **_fetch_cached(dep.requirement, deps, sdists)})
    return out


_BUILD_TOOL_NAMES = {"setuptools", "wheel"}


@lru_cache(maxsize=1)
def _bundled_popular() -> frozenset[str]:
    """Canonical names of the popular PyPI list that ships inside the package (never a user copy:
    which names may be fetched must not depend on a writable data directory)."""
    from packaging.utils import canonicalize_name

    from ..ecosystems import Ecosystem
    from ..heuristics.popular import BUNDLED_DIR, FILES, parse_list

    doc = json.loads((BUNDLED_DIR / FILES[Ecosystem.PYPI]).read_text())
    return frozenset(canonicalize_name(n) for n in parse_list(doc))


def _fetch_cached(requirement: str, deps: Path, sdists: int = 2) -> dict:
    """The wheels of one requirement (with its own dependencies), fetched once per index into the
    host cache and linked into deps/. A failure is recorded, not raised: the others still come."""
    import hashlib

    index = os.environ.get("SLOPSPOTTER_PIP_INDEX_URL") or "default"
    key = hashlib.sha256(f"{index}\n{requirement}\n{sdists}".encode()).hexdigest()[:20]
    cache = config.cache_dir() / "dep-wheels" / key
    done = cache / "done.json"
    if not done.exists():
        scratch = cache.with_name(key + f".part-{os.getpid()}")
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        try:
            res = _pip_download([requirement], scratch, timeout=180)
        except subprocess.TimeoutExpired:
            shutil.rmtree(scratch, ignore_errors=True)
            return {"status": "failed", "reason": "pip download timed out"}
        note = None
        if res.returncode != 0:
            why = _pip_reason(res.stderr)
            note = _sdist_instead(requirement, scratch, sdists) if sdists > 0 and "No matching distribution" in why else None
            if note is None:
                shutil.rmtree(scratch, ignore_errors=True)
                return {"status": "failed", "reason": why}
        files = sorted(p.name for p in scratch.iterdir() if p.name.endswith((".whl", ".tar.gz", ".zip")))
        (scratch / "done.json").write_text(json.dumps({"files": files, "note": note}))
        try:
            scratch.rename(cache)
        except OSError:  # a concurrent scan cached it first
            shutil.rmtree(scratch, ignore_errors=True)
    record = json.loads(done.read_text())
    for name in record["files"]:
        if not (deps / name).exists():
            _link_or_copy(cache / name, deps / name)
    return {"status": "fetched", "reason": record["note"], "files": record["files"]}


def _sdist_instead(requirement: str, dest: Path, sdists: int) -> str | None:
    """A well-known dependency with no wheel for CPython 3.11 / Linux (fernet ships only an sdist):
    its raw sdist through the registry layer (hash-verified, size-capped, never built or run here;
    pip builds it inside the sandbox, offline), plus the well-known names it declares (`sdists`
    bounds how deep sdists are followed: fernet's sdist needs pyaes, which ships only an sdist too).
    None when the registry has no sdist that satisfies the requirement."""
    from packaging.requirements import Requirement

    from ..ecosystems import Ecosystem
    from ..registry import download_artifact, fetch_metadata

    req = Requirement(requirement)
    try:
        meta = fetch_metadata(PackageSpec(name=req.name, ecosystem=Ecosystem.PYPI))
        if not meta.version or (req.specifier and not req.specifier.contains(meta.version, prereleases=True)):
            return None
        sdist = Path(download_artifact(meta, dest, kind="sdist"))
    except (InputError, RegistryError) as exc:
        log.info("no sdist for %s either: %s", requirement, exc)
        return None
    for dep in prefetch_declared(sdist, dest, meta.name, sdists=sdists - 1):  # its well-known deps (fernet -> pyaes)
        if dep.get("status") != "fetched":
            log.info("%s needs %s: %s", req.name, dep.get("requirement"), dep.get("reason"))
    return f"no wheel for CPython 3.11 / Linux: the sdist {sdist.name}, built in the sandbox"


def _pip_reason(stderr: str) -> str:
    """pip's reason in one line (no wheel for CPython 3.11 / Linux, no such version, ...)."""
    for line in stderr.splitlines():
        line = line.strip()
        if line.startswith("ERROR:") and "from versions" not in line:
            return line[6:].strip()[:200]
    return (stderr.strip().splitlines() or ["pip download failed"])[-1][:200]


def prefetch_pypi(spec: PackageSpec, artifacts: Path, meta=None) -> Fetched:
    """The target artifact in artifacts/; deps and build tools go to artifacts/deps.

    `meta` is the scan's registry metadata (fetched once, by the scan); a wheel set pip can
    install offline is preferred, else the raw sdist."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    deps = artifacts / "deps"
    deps.mkdir(parents=True, exist_ok=True)
    for whl in build_tools_dir().glob("*.whl"):
        _link_or_copy(whl, deps / whl.name)
    if spec.is_local:
        return _local_python(spec, artifacts)
    req = f"{spec.name}=={spec.version}" if spec.version else spec.name
    res = _pip_download([req], deps)
    if res.returncode == 0:
        for whl in deps.glob("*.whl"):
            name, version = parse_wheel_filename(whl.name)[:2]
            if name == canonicalize_name(spec.name):
                target = artifacts / whl.name
                whl.rename(target)
                return _identify(spec, target, spec.name, str(version))
    log.info("no installable wheel set for %s (%s); using the sdist", req, res.stderr.strip()[-200:])
    return _pypi_sdist(spec, meta, artifacts)


# npm's cache entries are keyed on the request headers of the npm that wrote them, so the cache
# the sandbox installs from is filled by the same npm release the image ships (Debian bookworm).
SANDBOX_NPM = os.environ.get("SLOPSPOTTER_SANDBOX_NPM", "9.2.0")


def sandbox_npm_cli() -> list[str]:
    """argv prefix running the sandbox's npm release on the host (fetched once with npm pack)."""
    home = config.cache_dir() / f"npm-{SANDBOX_NPM}"
    cli = home / "package" / "bin" / "npm-cli.js"
    if not cli.exists():
        home.mkdir(parents=True, exist_ok=True)
        res = subprocess.run(["npm", "pack", f"npm@{SANDBOX_NPM}", "--ignore-scripts", "--json",
                              "--pack-destination", str(home), "--registry", config.npm_url()],
                             cwd=home, capture_output=True, text=True, timeout=300)
        if res.returncode != 0:
            raise RegistryError(f"cannot fetch npm@{SANDBOX_NPM}: {res.stderr.strip()[-300:]}")
        from ..registry.archive import safe_extract  # the same safety rules as any artifact

        safe_extract(home / json.loads(res.stdout)[0]["filename"], home)
    return ["node", str(cli)]


def _npm(argv: list[str], cwd: Path, sandbox_release: bool = False) -> subprocess.CompletedProcess:
    registry = ["--registry", config.npm_url()]
    npm = sandbox_npm_cli() if sandbox_release else ["npm"]
    return subprocess.run([*npm, *argv, "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", *registry],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def prefetch_npm(spec: PackageSpec, artifacts: Path) -> tuple[Fetched, Path]:
    """(the tarball, the npm cache dir holding every dependency tarball)."""
    artifacts.mkdir(parents=True, exist_ok=True)
    if spec.is_local and Path(spec.path).is_dir():
        fetched = _identify(spec, pack_dir(Path(spec.path), "npm", artifacts))
    elif spec.is_local:
        tarball = artifacts / Path(spec.path).name
        shutil.copy2(spec.path, tarball)
        fetched = _identify(spec, tarball)
    else:
        ref = f"{spec.name}@{spec.version}" if spec.version else spec.name
        res = _npm(["pack", ref, "--json", "--pack-destination", str(artifacts)], artifacts)
        if res.returncode != 0:
            raise RegistryError(f"npm pack {ref} failed: {res.stderr.strip()[-300:]}")
        packed = json.loads(res.stdout)[0]
        fetched = Fetched(artifacts / packed["filename"], packed.get("name") or spec.name, packed.get("version"))
    cache = artifacts / "npm-cache"
    scratch = artifacts.parent / "npm-prefetch"
    scratch.mkdir(exist_ok=True)
    (scratch / "package.json").write_text('{"name": "prefetch", "version": "1.0.0", "private": true}')
    res = _npm(["install", "--cache", str(cache), "--prefer-online", str(fetched.path)], scratch, sandbox_release=True)
    shutil.rmtree(scratch, ignore_errors=True)
    if res.returncode != 0:
        log.warning("npm dependency prefetch failed: %s", res.stderr.strip()[-300:])
    return fetched, cache
