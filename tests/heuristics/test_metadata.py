"""Metadata detectors, each on a positive and a negative PackageMetadata."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from slopspotter_lab.ecosystems import Ecosystem
from slopspotter_lab.heuristics.metadata import analyze_metadata
from slopspotter_lab.registry.base import PackageMetadata

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _meta(**kw):
    base = dict(name="p", ecosystem=Ecosystem.PYPI, exists=True, version="2.3.1",
                versions=["1.0", "2.0", "2.3.1"], release_count=3, first_upload=NOW - timedelta(days=900),
                latest_upload=NOW - timedelta(days=10), authors=[{"name": "A", "email": "a@example.test"}],
                repository="https://github.com/a/p", description_length=500)
    base.update(kw)
    return PackageMetadata(**base)


def _ids(meta):
    return {i.id: i for i in analyze_metadata(meta, NOW)}


def test_established_package_is_clean():
    assert _ids(_meta()) == {}


@pytest.mark.parametrize("kw,ind,sev", [
    ({"first_upload": NOW - timedelta(days=3)}, "new_package", "medium"),
    ({"first_upload": NOW - timedelta(days=60)}, "new_package", "low"),
    ({"release_count": 1, "versions": ["2.3.1"]}, "single_release", "low"),
    ({"description_length": 0}, "empty_description", "low"),
    ({"repository": None}, "no_repository", "low"),
    ({"authors": [], "repository": None}, "maintainer_anomaly", "low"),
    ({"authors": [{"name": "x", "email": "x@mailinator.com"}]}, "maintainer_anomaly", "medium"),
    ({"version": "99.0.0", "versions": ["99.0.0"], "release_count": 1}, "version_jump", "high"),
    ({"version": "100.0.0", "versions": [f"1.{i}" for i in range(6)] + ["100.0.0"], "release_count": 7}, "version_jump", "medium"),
    ({"url_dependencies": ["x @ https://example.test/x.tar.gz"]}, "url_dependency", "medium"),
    ({"url_dependencies": ["x@git://example.test/x.git"]}, "url_dependency", "high"),
])
def test_each_detector_fires(kw, ind, sev):
    found = _ids(_meta(**kw))
    assert ind in found and found[ind].severity == sev, found


def test_named_repository_is_enough_without_people():
    assert "maintainer_anomaly" not in _ids(_meta(authors=[]))


def test_calver_and_long_history_are_not_version_jumps():
    assert "version_jump" not in _ids(_meta(version="2024.1.0", versions=["2023.1", "2024.1.0"]))
    assert "version_jump" not in _ids(_meta(version="120.0", versions=[f"{i}.0" for i in range(80, 121)],
                                            release_count=41))


def test_missing_or_unknown_packages_get_no_metadata_findings():
    assert analyze_metadata(_meta(exists=False, repository=None), NOW) == []
    assert analyze_metadata(_meta(exists=None, error="unreachable", repository=None), NOW) == []


@pytest.mark.parametrize("kw,established", [
    ({"release_count": 12, "first_upload": NOW - timedelta(days=2000)}, True),
    ({"release_count": 12, "first_upload": NOW - timedelta(days=400)}, False),  # under two years old
    ({"release_count": 3, "first_upload": NOW - timedelta(days=2000)}, False),  # too few releases
    ({"release_count": 12, "first_upload": NOW - timedelta(days=2000),
      "latest_upload": NOW - timedelta(days=1900)}, False),  # a burst, then nothing: a parked name
    ({"release_count": 12, "first_upload": NOW - timedelta(days=2000), "status": "quarantined"}, False),
    ({"release_count": 12, "first_upload": NOW - timedelta(days=2000), "exists": None}, False),
    ({"release_count": 12, "first_upload": NOW - timedelta(days=2000), "latest_upload": None}, False),
    ({"release_count": 12, "first_upload": None}, False),  # no history given: nothing established
    ({"release_count": 12, "first_upload": (NOW - timedelta(days=2000)).replace(tzinfo=None)}, True),  # naive = UTC
])
def test_established_needs_years_of_spread_releases(kw, established):
    from slopspotter_lab.heuristics.metadata import established as why

    got = why(_meta(**kw), NOW)
    assert bool(got) is established
    if established:
        assert got.startswith("published since 2020-12 with 12 releases")
