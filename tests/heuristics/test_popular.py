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
    monkeypatch.delenv("SLOPSPOTTER_DATA_DIR", raising=False)
    assert popular.cli_data(SimpleNamespace(data_command="update", source="registry")) == 0
    out = capsys.readouterr().out
    assert "pypi: 2 names" in out and "npm: 3 names" in out
    assert popular.load_popular("npm") == ["syn-x", "syn-y", "syn-z"]
    assert popular.load_popular("pypi") == ["synthetic-a", "synthetic-b"]
    assert popular.cli_data(SimpleNamespace(data_command="info")) == 0
    out = capsys.readouterr().out
    assert "3 names, user copy" in out and "days old" in out


def test_without_a_user_copy_the_bundled_lists_are_used(registry_env, monkeypatch, capsys):
    monkeypatch.setenv("SLOPSPOTTER_DATA_DIR", str(registry_env and "/nonexistent-slop-dir"))
    assert popular.list_path(popular.Ecosystem.NPM).parent == popular.BUNDLED_DIR
    assert len(popular.load_popular("pypi")) >= 10_000 and "lodash" in popular.load_popular("npm")[:50]
    info = popular.list_info("pypi")
    assert info["copy"] == "bundled" and info["as_of"] == "2026-04-01" and info["licence"]
    assert popular.cli_data(SimpleNamespace(data_command="info")) == 0
    out = capsys.readouterr().out
    assert "bundled copy" in out and "as of 2026-04-01" in out and "licence" in out


def test_bundled_data_records_source_date_and_licence():
    meta = json.loads((popular.BUNDLED_DIR / "sources.json").read_text())
    for fname in [*popular.FILES.values(), "import_names.csv"]:
        assert (popular.BUNDLED_DIR / fname).is_file()
        assert {"source", "as_of", "licence"} <= set(meta[fname]), fname


def test_no_list_means_empty_not_crash(registry_env, monkeypatch, tmp_path):
    monkeypatch.setenv("SLOPSPOTTER_DATA_DIR", str(registry_env and "/nonexistent-slop-dir"))
    monkeypatch.setattr(popular, "BUNDLED_DIR", tmp_path / "none")
    popular._LOOKED_UP.clear()
    assert popular.load_popular("npm") == []
    popular._LOOKED_UP.clear()
