"""Popular lists: reading, shapes, and `data update` through the registry-only fallback."""

from __future__ import annotations

import io
import json
import zipfile
from types import SimpleNamespace

import pytest

from slopspotter_lab.heuristics import popular


def test_reads_shared_lists_in_rank_order():
    pypi = popular.load_popular("pypi")
    npm = popular.load_popular("npm")
    assert len(pypi) >= 10_000 and pypi[0] == "boto3"
    assert len(npm) >= 5_000 and "lodash" in npm[:50]
    assert popular.popular_rank("Typing_Extensions", "pypi") == 6


def test_parse_list_shapes():
    assert popular.parse_list({"rows": [{"project": "a"}, {"project": "b"}]}) == ["a", "b"]
    assert popular.parse_list({"packages": ["x", "y"]}) == ["x", "y"]
    assert popular.parse_list(["p", {"name": "q"}, 3]) == ["p", "q"]


def _guarddog_wheel(tmp_path):
    whl = tmp_path / "guarddog-9.9.9-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr(popular.GUARDDOG_RESOURCES + "top_pypi_packages.json",
                    json.dumps({"rows": [{"project": "synthetic-a", "download_count": 2}, {"project": "synthetic-b"}]}))
        zf.writestr(popular.GUARDDOG_RESOURCES + "top_npm_packages.json", json.dumps(["syn-x", "syn-y", "syn-z"]))
        zf.writestr("guarddog/__init__.py", "raise SystemExit('never imported')\n")
    return whl


def test_data_update_from_registry_reads_the_wheel_as_zip(registry_env, pypi_server, tmp_path, monkeypatch, capsys):
    pypi_server.publish(_guarddog_wheel(tmp_path))
    monkeypatch.setenv("SLOPSPOTTER_PYPI_URL", "none")  # simple index only
    monkeypatch.setenv("SLOPSPOTTER_PYPI_SIMPLE_URL", pypi_server.simple_url)
    monkeypatch.delenv("SLOPSPOTTER_DATA_DIR")
    assert popular.cli_data(SimpleNamespace(data_command="update", source="registry")) == 0
    out = capsys.readouterr().out
    assert "pypi: 2 names" in out and "npm: 3 names" in out
    assert popular.load_popular("npm") == ["syn-x", "syn-y", "syn-z"]
    assert popular.load_popular("pypi") == ["synthetic-a", "synthetic-b"]
    assert popular.cli_data(SimpleNamespace(data_command="info")) == 0
    assert "3 names" in capsys.readouterr().out


def test_no_list_means_empty_not_crash(registry_env, monkeypatch):
    monkeypatch.setenv("SLOPSPOTTER_DATA_DIR", str(registry_env and "/nonexistent-slop-dir"))
    assert popular.load_popular("npm") == []
