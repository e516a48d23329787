"""Typosquat operators, both directions, against the popular lists (bundled, or the user copy)."""

from __future__ import annotations

import pytest

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.heuristics.popular import load_popular
from slopspotter_lab.heuristics.typosquat import classify_edit, find_typosquat, generate_variants


@pytest.fixture(scope="module", autouse=True)
def _lists():
    if len(load_popular("pypi")) < 1000 or len(load_popular("npm")) < 1000:
        pytest.fail("popular lists missing: the bundled copy in slopspotter_lab/data should always be there")


@pytest.mark.parametrize("name,eco,target,op", [
    ("reqeusts", "pypi", "requests", "transposition"),
    ("urlib3", "pypi", "urllib3", "omission"),
    ("numpyy", "pypi", "numpy", "repetition"),
    ("djang0", "pypi", "django", "homoglyph"),
    ("jeilyfish", "pypi", "jellyfish", "homoglyph"),
    ("setup-tools", "pypi", "setuptools", "separator"),
    ("python-requests", "pypi", "requests", "py affix"),
    ("python3-dateutil", "pypi", "python-dateutil", "py affix"),
    ("dateutil-python", "pypi", "python-dateutil", "word order"),
    ("reauests", "pypi", "requests", "replacement keyboard"),
    ("colourama", "pypi", "colorama", "insertion"),
    ("crossenv", "npm", "cross-env", "separator"),
    ("lodahs", "npm", "lodash", "transposition"),
    ("types-node", "npm", "@types/node", "scope confusion"),
    ("@typess/node", "npm", "@types/node", "scope confusion"),
])
def test_known_squat_shapes(name, eco, target, op):
    got, similar, evidence = find_typosquat(name, eco)
    assert got == target, evidence
    assert target in similar and evidence.endswith(op)


@pytest.mark.parametrize("name,eco", [
    ("requests", "pypi"), ("Python_Dateutil", "pypi"),  # PEP 503 spelling of a popular name
    ("boto", "pypi"), ("dask", "pypi"), ("dash", "pypi"),  # popular themselves
    ("@types/lodash", "npm"), ("@babel/core", "npm"), ("lodash", "npm"),
])
def test_popular_names_are_never_squats(name, eco):
    assert find_typosquat(name, eco)[0] is None


@pytest.mark.parametrize("name,target", [
    ("boto", "boto3"), ("nvidia-cublas-cu13", "nvidia-cublas-cu12"), ("dash", "dask"),
    ("future", "futures"), ("cookie", "cookies"),
])
def test_legitimate_neighbours_without_popularity_knowledge(name, target):
    """Judged by the name alone (known=set()): version digits, unrelated letters, plurals pass."""
    got, _, _ = find_typosquat(name, "pypi", reference=[target], known=set())
    assert got is None


def test_unrelated_name_has_no_match():
    assert find_typosquat("zzqxv-unrelated-tool", "pypi") == (None, [], "")


@pytest.mark.parametrize("a,b,op", [("reqests", "requests", "omission"), ("requessts", "requests", "repetition"),
                                    ("erquests", "requests", "transposition"), ("rpquests", "requests", None),
                                    ("reqyests", "requests", "replacement-keyboard"),
                                    ("requests2", "requests", None), ("reque5ts", "requests", "replacement-homoglyph")])
def test_classify_edit(a, b, op):
    assert classify_edit(a, b) == op


@pytest.mark.parametrize("popular,eco", [("requests", "pypi"), ("python-dateutil", "pypi"), ("cross-env", "npm"),
                                         ("@babel/core", "npm"), ("express", "npm")])
def test_generated_variants_are_valid_and_detected(popular, eco):
    variants = list(generate_variants(popular, eco))
    assert len(variants) > 20
    ops = {op for _, op in variants}
    expected = {"scope-confusion"} if popular.startswith("@") else {"omission", "repetition", "transposition", "replacement-keyboard"}
    assert expected <= ops
    missed = []
    for variant, op in variants:
        parse_spec(variant, eco)  # valid names only
        got, _, _ = find_typosquat(variant, eco, reference=[popular], known=set())
        if got is None:
            missed.append((variant, op))
    # digit/plural siblings and short results are deliberately not flagged; nothing else is missed
    assert len(missed) <= len(variants) * 0.15, missed[:20]


def test_generate_variants_ops_cover_structure():
    ops = {op for _, op in generate_variants("python-dateutil", "pypi")}
    assert {"separator", "word-order", "py-affix", "replacement-homoglyph"} <= ops
    assert ("@babel-core" not in dict(generate_variants("@babel/core", "npm")))
    assert "babel-core" in dict(generate_variants("@babel/core", "npm"))
