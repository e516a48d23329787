"""`check -r`, `check MANIFEST`, `check --text`: records with source, line, via; table grouped by
file and risk; CSV/JSON; progress only on a TTY; and an online check against a loopback index."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from slopspotter_lab.check_inputs import check_dependencies, format_grouped_table, progress_bar
from slopspotter_lab.inputs import Dependency, read_manifest

FIX = Path(__file__).parent / "fixtures"
ANS = Path(__file__).parent / "answers"


def cli(*args, stdin=None, env=None):
    env = {**(env or os.environ)}
    env.pop("SLOPSPOTTER_DATA_DIR", None)  # the bundled lists: works out of the box
    return subprocess.run([sys.executable, "-m", "slopspotter_lab", "check", *args], capture_output=True,
                          text=True, input=stdin, timeout=120, env=env)


def test_requirements_json_carries_source_line_and_unchecked_entries():
    out = cli("--offline", "-r", str(FIX / "py-req/requirements.txt"), "-f", "json")
    assert out.returncode == 0, out.stderr
    recs = {r["name"]: r for r in json.loads(out.stdout)}
    assert recs["reqeusts"]["risk"] == "high" and recs["reqeusts"]["typosquat_of"] == "requests"
    assert recs["reqeusts"]["source"].endswith("requirements.txt") and recs["reqeusts"]["line"] == 13
    assert recs["six"]["source"].endswith("requirements-common.txt")
    assert recs["internal-lib"]["checked"] is False and recs["internal-lib"]["risk"] is None
    assert "could not be checked" in out.stderr


def test_lockfile_as_argument_with_via_and_fail_on():
    out = cli("--offline", str(FIX / "pnpm9/pnpm-lock.yaml"), "-f", "json", "--fail-on", "high")
    assert out.returncode == 1  # loadsh is a typosquat of lodash
    recs = {r["name"]: r for r in json.loads(out.stdout)}
    assert recs["loadsh"]["risk"] == "high" and recs["loadsh"]["ecosystem"] == "npm"
    assert recs["delayed-stream"]["via"] == "axios"


def test_text_from_stdin_csv_has_source_and_line():
    out = cli("--offline", "--text", "-", "-f", "csv", stdin="Sure:\n\n    $ pip install numpyy colourama\n")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["name"], r["source"], r["line"]) for r in rows] == [("numpyy", "<stdin>", "3"), ("colourama", "<stdin>", "3")]
    assert {r["risk"] for r in rows} == {"high"}


def test_text_file_table_groups_by_file_then_risk():
    out = cli("--offline", "--text", str(ANS / "chat_markdown.md"), "-r", str(FIX / "py-req/requirements.txt"))
    assert out.returncode == 0, out.stderr
    blocks = out.stdout.split("\n\n")
    assert blocks[0].startswith("== " + str(ANS / "chat_markdown.md")) or any(
        b.startswith("== " + str(ANS / "chat_markdown.md")) for b in blocks)
    md = next(b for b in blocks if "chat_markdown.md" in b.splitlines()[0]).splitlines()
    assert "colourama" in md[2]  # the riskiest row first, under the header and column names
    assert "checking [" not in out.stderr  # no progress bar when stderr is not a terminal


def test_plain_names_still_work_and_missing_files_are_input_errors(tmp_path):
    assert cli("--offline", "requests", "-f", "json").returncode == 0
    out = cli("--offline", "-r", str(tmp_path / "nope.txt"))
    assert out.returncode == 2 and "no such file" in out.stderr


def test_progress_bar_only_on_a_tty():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert progress_bar(io.StringIO()) is None
    stream = Tty()
    bar = progress_bar(stream)
    bar(150, 300)
    assert "150/300" in stream.getvalue() and "#" in stream.getvalue()


def test_grouped_table_orders_risk_within_file():
    recs = [
        {"name": "a", "source": "x.txt", "line": 1, "risk": "low", "indicators": [], "via": None, "version": None},
        {"name": "b", "source": "x.txt", "line": 2, "risk": "high", "indicators": [{"id": "typosquat"}], "via": None, "version": None},
        {"name": "c", "source": "y.txt", "line": 1, "risk": None, "indicators": [], "error": "not checked: URL", "via": None, "version": None},
    ]
    text = format_grouped_table(recs)
    x, y = text.split("\n\n")
    assert x.splitlines()[0] == "== x.txt: 2 packages (1 high, 1 low)"
    assert x.splitlines()[2].split()[1] == "b"
    assert "unchecked" in y and "not checked: URL" in y


def test_online_check_of_a_lockfile_against_a_loopback_index(registry_env, pypi_json_server):
    """The recorded PyPI JSON documents answer; a name that is not there does not exist."""
    registry_env.setenv("SLOPSPOTTER_PYPI_URL", pypi_json_server.url)
    registry_env.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_json_server.url.rsplit("/", 1)[0] + "/simple")
    known = sorted(p.stem for p in (Path(__file__).parents[1] / "fixtures" / "pypi_json").glob("*.json"))[:2]
    deps = [Dependency(name=n, ecosystem="pypi", source="req.txt", line=i + 1) for i, n in enumerate(known)]
    deps.append(Dependency(name="slop-not-there-xyz", ecosystem="pypi", source="req.txt", line=9, via="x"))
    recs = check_dependencies(deps)
    assert [r["exists"] for r in recs] == [True, True, False]
    assert recs[2]["line"] == 9 and recs[2]["via"] == "x" and recs[2]["risk"] in ("medium", "high")


def test_positional_text_file_is_read_for_install_commands():
    out = cli("--offline", str(ANS / "transcript.txt"), "-f", "json")
    assert out.returncode == 0, out.stderr
    assert [(r["name"], r["line"]) for r in json.loads(out.stdout)] == [
        ("openpyxl", 3), ("pandas", 3), ("xlrd", 6), ("xlsx", 8), ("exceljs", 8)]
