"""guard against real loopback registries: a typosquat blocks the install with nothing installed,
an unreachable registry fails closed, a clean set (with its transitive dependency) installs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.registries import require_verdaccio, run_pypiserver, run_verdaccio

from .conftest import make_npm_package, make_wheel

ROOT = Path(__file__).resolve().parents[2]


def guard(*argv, env=None, cwd=None, timeout=240):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", "guard", *argv], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


@pytest.fixture(scope="module")
def pypi_server(tmp_path_factory):
    """Our own index: the typosquats published here must not leak into other tests' look-ups."""
    with run_pypiserver(tmp_path_factory.mktemp("guard-pypiserver")) as server:
        yield server


@pytest.fixture(scope="module")
def npm_registry(tmp_path_factory):
    require_verdaccio()
    with run_verdaccio(tmp_path_factory.mktemp("guard-verdaccio")) as registry:
        yield registry


@pytest.fixture(scope="module")
def pypi_index(pypi_server, tmp_path_factory):
    built = tmp_path_factory.mktemp("wheels")
    for args in [("reqeusts", "2.31.0"), ("slopclean-beta", "1.0.0"),
                 ("slopclean-alpha", "1.0.0", ["slopclean-beta>=1"]), ("slopclean-gamma", "0.3.0", ["reqeusts"])]:
        pypi_server.publish(make_wheel(built, *args))
    src = built / "slopclean-beta-src"  # an sdist as well, for --deep (the sandbox scans sdists)
    (src / "slopclean_beta").mkdir(parents=True)
    (src / "slopclean_beta" / "__init__.py").write_text("VERSION = '1.0.0'\n")
    (src / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
                                        '[project]\nname = "slopclean-beta"\nversion = "1.0.0"\n')
    pypi_server.publish_dir(src, "slopclean-beta", "1.0.0")
    return pypi_server


@pytest.fixture
def py_env(pypi_index, tmp_path):
    env = {**os.environ, "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache"), "SLOPSPOTTER_PYPI_URL": "none",
           "SLOPSPOTTER_PYPI_SIMPLE_URL": pypi_index.simple_url, "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9",
           "SLOPSPOTTER_HTTP_TIMEOUT": "5", "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1",
           "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": ""}  # only the loopback index, whatever the machine's pip config
    env.pop("SLOPSPOTTER_DATA_DIR", None)  # the bundled popular lists are enough
    return env


def pip_cmd(index: str, target: Path, *pkgs: str) -> list[str]:
    return ["--", sys.executable, "-m", "pip", "install", "--index-url", index, "--target", str(target), *pkgs]


def test_typosquat_blocks_the_install_and_nothing_is_installed(py_env, pypi_index, tmp_path):
    target = tmp_path / "site"
    out = guard(*pip_cmd(pypi_index.simple_url, target, "reqeusts"), env=py_env)
    assert out.returncode == 1, out.stderr
    assert "BLOCKED reqeusts" in out.stderr and "did you mean requests" in out.stderr
    assert not target.exists() or not any(target.iterdir())


def test_transitive_typosquat_is_found_through_the_resolver(py_env, pypi_index, tmp_path):
    target = tmp_path / "site"
    out = guard("--format", "json", *pip_cmd(pypi_index.simple_url, target, "slopclean-gamma"), env=py_env)
    assert out.returncode == 1, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["blocked"] == ["reqeusts"]
    rec = {r["name"]: r for r in verdict["records"]}
    assert rec["reqeusts"]["via"] == "slopclean-gamma" and rec["reqeusts"]["version"] == "2.31.0"
    assert not target.exists() or not any(target.iterdir())


def test_clean_set_installs_with_its_dependency(py_env, pypi_index, tmp_path):
    target = tmp_path / "site"
    out = guard("--format", "json", *pip_cmd(pypi_index.simple_url, target, "slopclean-alpha"), env=py_env)
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)
    assert {r["name"] for r in verdict["records"]} == {"slopclean-alpha", "slopclean-beta"}
    assert {r["name"]: r["via"] for r in verdict["records"]}["slopclean-beta"] == "slopclean-alpha"
    assert (target / "slopclean_alpha" / "__init__.py").is_file() and (target / "slopclean_beta").is_dir()


def test_requirement_file_is_read_and_resolved(py_env, pypi_index, tmp_path):
    (tmp_path / "requirements.txt").write_text("slopclean-alpha==1.0.0\nslopclean-gamma\n")
    target = tmp_path / "site"
    out = guard("--format", "json", "--", sys.executable, "-m", "pip", "install", "--index-url", pypi_index.simple_url,
                "--target", str(target), "-r", "requirements.txt", env=py_env, cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["blocked"] == ["reqeusts"]
    assert {r["name"] for r in verdict["records"]} >= {"slopclean-alpha", "slopclean-beta", "slopclean-gamma", "reqeusts"}
    assert not target.exists()


def test_unreachable_registry_fails_closed(py_env, tmp_path):
    env = {**py_env, "SLOPSPOTTER_PYPI_SIMPLE_URL": "http://127.0.0.1:9/simple"}
    target = tmp_path / "site"
    out = guard(*pip_cmd("http://127.0.0.1:9/simple", target, "slopclean-alpha"), env=env)
    assert out.returncode == 4, out.stderr
    assert "UNVERIFIED" in out.stderr and "nothing was run" in out.stderr
    assert not target.exists()


def test_allow_unverified_runs_but_never_exits_zero(py_env, pypi_index, tmp_path):
    # the index answers pip, but the checker's registry is down: unverified, run on request, exit 5
    env = {**py_env, "SLOPSPOTTER_PYPI_SIMPLE_URL": "http://127.0.0.1:9/simple"}
    target = tmp_path / "site"
    out = guard("--allow-unverified", *pip_cmd(pypi_index.simple_url, target, "slopclean-beta"), env=env)
    assert out.returncode == 5, out.stderr
    assert (target / "slopclean_beta").is_dir()


def test_url_packages_are_unverified_not_waved_through(py_env, tmp_path):
    out = guard("--dry-run", "--", "pip", "install", "git+https://git.example.invalid/x.git#egg=x", env=py_env)
    assert out.returncode == 4, out.stderr
    assert "not checkable" in out.stderr


def test_not_an_install_command_is_a_usage_error(py_env):
    out = guard("--", "pip", "list", env=py_env)
    assert out.returncode == 2 and "not an install command" in out.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_print_alias_defines_functions_that_route_installs(shell, tmp_path):
    if not shutil.which(shell):
        pytest.skip(f"{shell} not installed (scripts/setup.d/10-system.sh installs it)")
    out = guard("--print-alias", shell)
    assert out.returncode == 0
    # a stub `slopspotter-lab` on PATH records what the function would run
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "slopspotter-lab").write_text("#!/bin/sh\necho \"GUARD $*\"\n")
    (bindir / "slopspotter-lab").chmod(0o755)
    plain = "pip --version >/dev/null; and echo PLAIN" if shell == "fish" else "pip --version >/dev/null && echo PLAIN"
    script = out.stdout + f"\npip install reqeusts\nnpm i -D lodahs\nuv pip install x\nyarn add q\n{plain}\n"
    run = subprocess.run([shell, "-c", script], capture_output=True, text=True,
                         env={**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}, timeout=30)
    assert "GUARD guard -- pip install reqeusts" in run.stdout, run.stderr
    assert "GUARD guard -- npm i -D lodahs" in run.stdout
    assert "GUARD guard -- uv pip install x" in run.stdout
    assert "GUARD guard -- yarn add q" in run.stdout
    assert "PLAIN" in run.stdout  # other subcommands go to the real tool


# ------------------------------------------------------------------ npm through verdaccio
@pytest.fixture(scope="module")
def npm_index(npm_registry, tmp_path_factory):
    built = tmp_path_factory.mktemp("npmpkgs")
    for name, version, deps in [("lodahs", "4.17.21", {}), ("slopclean-npm-b", "1.0.0", {}),
                                ("slopclean-npm-a", "1.0.0", {"slopclean-npm-b": "^1.0.0"})]:
        npm_registry.publish(make_npm_package(built, name, version, deps))
    return npm_registry


@pytest.fixture
def npm_env(npm_index, tmp_path):
    env = {**os.environ, "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache"), "SLOPSPOTTER_NPM_URL": npm_index.url,
           "SLOPSPOTTER_PYPI_URL": "http://127.0.0.1:9/pypi", "SLOPSPOTTER_PYPI_SIMPLE_URL": "http://127.0.0.1:9/simple",
           "SLOPSPOTTER_HTTP_TIMEOUT": "5", "npm_config_userconfig": str(npm_index.npmrc),
           "npm_config_cache": str(tmp_path / "npm-cache"), "npm_config_audit": "false", "npm_config_fund": "false"}
    env.pop("SLOPSPOTTER_DATA_DIR", None)
    return env


def test_npm_typosquat_blocks(npm_env, npm_index, tmp_path):
    project = tmp_path / "app"
    project.mkdir()
    out = guard("--", "npm", "install", "--registry", npm_index.url + "/", "lodahs", env=npm_env, cwd=project)
    assert out.returncode == 1, out.stderr
    assert "BLOCKED lodahs" in out.stderr
    assert not (project / "node_modules").exists() and not (project / "package-lock.json").exists()


def test_npm_clean_set_installs_with_transitive(npm_env, npm_index, tmp_path):
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "version": "1.0.0", "private": true}')
    out = guard("--format", "json", "--", "npm", "install", "--registry", npm_index.url + "/", "slopclean-npm-a",
                env=npm_env, cwd=project)
    assert out.returncode == 0, out.stderr
    rec = {r["name"]: r for r in json.loads(out.stdout)["records"]}
    assert rec["slopclean-npm-b"]["via"] == "slopclean-npm-a"
    assert (project / "node_modules" / "slopclean-npm-a" / "index.js").is_file()


def test_npm_unreachable_registry_fails_closed(npm_env, tmp_path):
    project = tmp_path / "app"
    project.mkdir()
    env = {**npm_env, "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9", "npm_config_fetch_retries": "0"}
    out = guard("--", "npm", "install", "--registry", "http://127.0.0.1:9/", "slopclean-npm-a", env=env, cwd=project)
    assert out.returncode == 4, out.stderr
    assert not (project / "node_modules").exists()


@pytest.mark.docker
def test_deep_scans_unpopular_packages_before_installing(py_env, pypi_index, tmp_path):
    out = guard("--deep", "--dry-run", "--format", "json", *pip_cmd(pypi_index.simple_url, tmp_path / "site", "slopclean-beta"),
                env=py_env, timeout=600)
    assert out.returncode == 0, out.stderr
    (rec,) = json.loads(out.stdout)["records"]
    assert rec["deep_backend"] in ("docker", "gvisor", "libvirt") and rec["deep_risk"] in ("low", "medium")


def test_deep_without_a_scannable_artifact_fails_closed(py_env, pypi_index, tmp_path):
    # slopclean-alpha has a wheel only: nothing the sandbox can scan, so it is unverified, not waved through
    out = guard("--deep", "--dry-run", *pip_cmd(pypi_index.simple_url, tmp_path / "site", "slopclean-alpha"),
                env=py_env, timeout=600)
    assert out.returncode in (3, 4), out.stderr
    assert "UNVERIFIED slopclean-alpha: deep scan" in out.stderr


@pytest.mark.parametrize("tool", [["pnpm", "add"], ["yarn", "add"]])
def test_pnpm_and_yarn_installs_are_resolved_and_blocked(npm_env, npm_index, tmp_path, tool):
    project = tmp_path / "app"
    project.mkdir()
    out = guard("--dry-run", "--format", "json", "--", *tool, "slopclean-npm-a", "lodahs", "--registry", npm_index.url + "/",
                env=npm_env, cwd=project)
    assert out.returncode == 1, out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["blocked"] == ["lodahs"]
    assert {r["name"] for r in verdict["records"]} == {"slopclean-npm-a", "slopclean-npm-b", "lodahs"}
    assert not (project / "node_modules").exists()
