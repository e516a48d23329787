"""Host-side prefetch: put the target artifact and everything its install needs into the job
directory, so the sandbox installs with no network at all. Nothing here executes package code:
PyPI dependencies are fetched as wheels only (`pip download --only-binary=:all:`), sdists are
raw files from the registry API, npm tarballs come from `npm pack` / `npm install
--ignore-scripts` into a cache directory that the sandbox copies.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from .. import config
from ..ecosystems import PackageSpec
from ..errors import InputError, RegistryError
from .artifact_info import ArtifactInfo, read_artifact
from .packing import pack_dir

log = logging.getLogger(__name__)

# The sandbox images run CPython 3.11 on x86_64 glibc (Debian bookworm).
PIP_TARGET = ["--python-version", "3.11", "--implementation", "cp", "--abi", "cp311", "--abi", "abi3",
              "--abi", "none", "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
              "--platform", "linux_x86_64", "--platform", "any"]
BUILD_TOOLS = ["setuptools", "wheel"]


def _pip_download(reqs: list[str], dest: Path, no_deps: bool = False) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "pip", "download", "--only-binary=:all:", "--disable-pip-version-check",
            "--quiet", "--dest", str(dest), *PIP_TARGET]
    if no_deps:
        argv.append("--no-deps")
    index = os.environ.get("SLOPSPOTTER_PIP_INDEX_URL")
    if index:
        argv += ["--index-url", index]
    return subprocess.run([*argv, *reqs], capture_output=True, text=True, timeout=600)


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


def _pypi_sdist(name: str, version: str | None, dest: Path) -> Path:
    """Raw sdist file from the registry (foundation layer if present, else the JSON API)."""
    try:
        from ..registry import download_artifact, fetch_metadata

        meta = fetch_metadata(PackageSpec_from(name, "pypi", version))
        return Path(download_artifact(meta, dest, kind="sdist"))
    except ImportError:
        pass
    url = f"{config.pypi_json_url()}/{name}/{version + '/' if version else ''}json"
    with urllib.request.urlopen(url, timeout=30) as resp:
        info = json.load(resp)
    sdists = [u for u in info["urls"] if u["packagetype"] == "sdist"]
    if not sdists:
        raise RegistryError(f"{name}: no wheel for the sandbox and no sdist")
    target = dest / sdists[0]["filename"]
    with urllib.request.urlopen(sdists[0]["url"], timeout=120) as resp, open(target, "wb") as fh:
        shutil.copyfileobj(resp, fh)
    return target


def PackageSpec_from(name: str, eco: str, version: str | None):  # noqa: N802 - tiny adapter
    from ..ecosystems import parse_spec

    return parse_spec(name, eco, version=version, allow_path=False)


def artifact_identity(spec: PackageSpec, artifact: Path) -> ArtifactInfo:
    """What the artifact's own metadata says it is. A local file must say it (it is the only
    source); a registry download that cannot be read keeps the name that was asked for."""
    try:
        return read_artifact(artifact, spec.ecosystem)
    except InputError:
        if spec.is_local:
            raise
        log.warning("cannot read the metadata of %s; using the requested name", artifact.name)
        return ArtifactInfo(spec.name, spec.version, [], "request")


def prefetch_pypi(spec: PackageSpec, artifacts: Path) -> tuple[Path, ArtifactInfo]:
    """(artifact in artifacts/, what it is); deps and build tools go to artifacts/deps."""
    deps = artifacts / "deps"
    deps.mkdir(parents=True, exist_ok=True)
    for whl in build_tools_dir().glob("*.whl"):
        _link_or_copy(whl, deps / whl.name)
    if spec.is_local:
        path = Path(spec.path)
        if path.is_dir():
            target = pack_dir(path, "pypi", artifacts)
        else:
            target = artifacts / path.name
            shutil.copy2(path, target)
        return target, artifact_identity(spec, target)
    req = f"{spec.name}=={spec.version}" if spec.version else spec.name
    res = _pip_download([req], deps)
    if res.returncode == 0:
        norm = spec.normalized.replace("-", "_")
        for whl in deps.glob("*.whl"):
            if whl.name.lower().startswith(norm + "-"):
                target = artifacts / whl.name
                whl.rename(target)
                return target, artifact_identity(spec, target)
    log.info("no installable wheel set for %s (%s); using the sdist", req, res.stderr.strip()[-200:])
    target = _pypi_sdist(spec.name, spec.version, artifacts)
    return target, artifact_identity(spec, target)


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


def prefetch_npm(spec: PackageSpec, artifacts: Path) -> tuple[Path, ArtifactInfo, Path]:
    """(tarball, what it is, npm cache dir holding every dependency tarball)."""
    artifacts.mkdir(parents=True, exist_ok=True)
    if spec.is_local and Path(spec.path).is_dir():
        tarball = pack_dir(Path(spec.path), "npm", artifacts)
    elif spec.is_local:
        tarball = artifacts / Path(spec.path).name
        shutil.copy2(spec.path, tarball)
    else:
        ref = f"{spec.name}@{spec.version}" if spec.version else spec.name
        res = _npm(["pack", ref, "--json", "--pack-destination", str(artifacts)], artifacts)
        if res.returncode != 0:
            raise RegistryError(f"npm pack {ref} failed: {res.stderr.strip()[-300:]}")
        tarball = artifacts / json.loads(res.stdout)[0]["filename"]
    info = artifact_identity(spec, tarball)
    cache = artifacts / "npm-cache"
    scratch = artifacts.parent / "npm-prefetch"
    scratch.mkdir(exist_ok=True)
    (scratch / "package.json").write_text('{"name": "prefetch", "version": "1.0.0", "private": true}')
    res = _npm(["install", "--cache", str(cache), "--prefer-online", str(tarball)], scratch, sandbox_release=True)
    shutil.rmtree(scratch, ignore_errors=True)
    if res.returncode != 0:
        log.warning("npm dependency prefetch failed: %s", res.stderr.strip()[-300:])
    return tarball, info, cache
