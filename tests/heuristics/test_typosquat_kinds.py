"""Squat kinds attackers use, and legitimate neighbours that are not squats (issue 12).

Examples are made up in the style of real squats; the popular lists come from
$SLOPSPOTTER_DATA_DIR. Severity follows the strength of the match.
"""

from __future__ import annotations

import pytest

from slopspotter_lab.heuristics.popular import load_popular
from slopspotter_lab.heuristics.typosquat import match_typosquat, severity_of


@pytest.fixture(scope="module", autouse=True)
def _lists():
    if len(load_popular("pypi")) < 1000 or len(load_popular("npm")) < 1000:
        pytest.fail("popular lists missing: set SLOPSPOTTER_DATA_DIR (scripts/test.sh does)")


@pytest.mark.parametrize("name,eco,target,kind,severity", [
    ("pandos", "pypi", "pandas", "vowel-swap", "medium"),
    ("flaask", "pypi", "flask", "repetition", "high"),
    ("reqests", "pypi", "requests", "omission", "high"),
    ("aaiohttp", "pypi", "aiohttp", "repetition", "high"),  # a doubled first letter is a slip
    ("numoy", "pypi", "numpy", "replacement-keyboard", "high"),
    ("d1ango", "pypi", "django", "digit-for-letter", "high"),
    ("boto4", "pypi", "boto3", "version-bump", "medium"),
    ("boto33", "pypi", "boto3", "repetition", "high"),
    ("scikit-learns", "pypi", "scikit-learn", "plural", "medium"),
    ("tensoorflw", "pypi", "tensorflow", "two-edits", "medium"),
    ("tensrflwo", "pypi", "tensorflow", "two-edits", "medium"),  # a swap and a dropped letter
    ("playwrgith", "pypi", "playwright", "two-edits", "medium"),  # two swaps
    ("equests", "pypi", "requests", "omission", "high"),  # first letter dropped, top name
    ("urllib3-secure-lite", "pypi", "urllib3", "combosquat", "medium"),
    ("requests-latest", "pypi", "requests", "combosquat", "medium"),
    ("rnatplotlib", "pypi", "matplotlib", "homoglyph", "high"),
    ("scikitlearn", "pypi", "scikit-learn", "separator", "medium"),
    ("python-requests", "pypi", "requests", "py-affix", "medium"),
    ("lodahs", "npm", "lodash", "transposition", "high"),
    ("types-node", "npm", "@types/node", "scope-confusion", "high"),
    ("@typess/node", "npm", "@types/node", "scope-confusion", "high"),
    ("@type/node", "npm", "@types/node", "scope-confusion", "high"),  # short scope, exact sibling
    ("moment-latest", "npm", "moment", "combosquat", "medium"),
    ("rnoment", "npm", "moment", "homoglyph", "high"),
    ("colourama", "pypi", "colorama", "vowel-insertion", "high"),  # a vowel beside a vowel: same word
])
def test_squat_kinds(name, eco, target, kind, severity):
    match = match_typosquat(name, eco)[0]
    assert match is not None, name
    assert (match.target, match.kind, match.severity) == (target, kind, severity)
    assert severity_of(match.evidence) == severity
    assert repr(target) in match.evidence


@pytest.mark.parametrize("name,eco", [
    ("dash", "pypi"), ("dask", "pypi"), ("boto", "pypi"), ("pyshark", "pypi"),  # established neighbours
    ("msgpack-python", "pypi"), ("beautifulsoup", "pypi"),  # old names of renamed packages
    ("babel-core", "npm"), ("@types/lodash", "npm"), ("@sentry/node", "npm"),
])
def test_established_neighbours_and_old_names_as_check_runs(name, eco):
    assert match_typosquat(name, eco)[0] is None


@pytest.mark.parametrize("name,eco", [
    ("@types/reakt", "npm"), ("@sentry/nodee", "npm"), ("@babel/cor", "npm"),  # inside an owned scope
    ("babel-core", "npm"), ("babel-types", "npm"),  # the unscoped names the scope replaced
    ("future", "pypi"), ("websocket", "pypi"),  # singular of a popular plural
    ("elasticsearch8", "pypi"), ("pyside2", "pypi"),  # version siblings below the very top
    ("grequests", "pypi"), ("aiopath", "pypi"),  # a leading letter makes a sibling name
    ("django-filter-extra", "pypi"), ("pytest-cov-report", "pypi"),  # plugins add meaningful words
    ("etnsorflwo", "pypi"),  # a swap at the first letter is no slip of a long name
])
def test_not_squats_by_the_name_alone(name, eco):
    """Judged as unknown names (known=set()): these shapes are how legitimate names look."""
    assert match_typosquat(name, eco, known=set())[0] is None, name


def _ranked(name: str, rank: int) -> tuple[str, ...]:
    """A made-up reference list where `name` sits at `rank`."""
    return ("zzpadding",) * (rank - 1) + (name,)


def test_weak_edits_below_the_top_1000_must_still_read_as_the_name():
    far = _ranked("somelibrary", 1501)
    # a vowel for a vowel, any letter inside the name: the same name misspelt
    assert match_typosquat("somelibrery", "pypi", reference=far, known=set())[0].kind == "vowel-swap"
    assert match_typosquat("somelibrxry", "pypi", reference=far, known=set())[0].kind == "substitution"
    # another letter at an end makes a sibling name below the top 1,000 (jaxlib/jaxlie) ...
    assert match_typosquat("somelibrarx", "pypi", reference=far, known=set())[0] is None
    assert match_typosquat("sxmelibrary", "pypi", reference=far, known=set())[0] is None
    # ... and a plausible slip of a very popular one
    assert match_typosquat("somelibrarx", "pypi", reference=("somelibrary",), known=set())[0].kind == "substitution"
    # a sound-alike letter at an end is deliberate (pycerial)
    assert match_typosquat("somelibrark", "pypi", reference=_ranked("somelibrarc", 1501), known=set())[0].kind == "substitution"
    # the first or last letter of a long name dropped
    assert match_typosquat("omelibrary", "pypi", reference=far, known=set())[0].kind == "omission"


def test_an_english_word_is_another_word_not_a_slip():
    """unicorn/uvicorn, identity/identify: the neighbour is a word, the squat is not."""
    ref = ("identitu",)  # made up: y and u are keyboard neighbours
    assert match_typosquat("identity", "pypi", reference=ref, known=set())[0] is None
    assert match_typosquat("identiti", "pypi", reference=ref, known=set())[0].kind == "replacement-keyboard"
    # py + a word names a binding (pylast); words inside many-word names still count (scikit-lean)
    assert match_typosquat("pylast", "pypi", reference=("pykast",), known=set())[0] is None
    assert match_typosquat("scikit-lean", "pypi", known=set())[0].target == "scikit-learn"


def test_four_letter_names_only_slips_inside_the_name():
    ref = ("qvtz",)
    assert match_typosquat("qtvz", "pypi", reference=ref, known=set())[0].kind == "transposition"
    assert match_typosquat("qvtzz", "pypi", reference=ref, known=set())[0].kind == "repetition"
    assert match_typosquat("vqtz", "pypi", reference=ref, known=set())[0] is None  # first letter moved
    assert match_typosquat("qqvtz", "pypi", reference=ref, known=set())[0] is None  # first letter doubled
    assert match_typosquat("qvtx", "pypi", reference=ref, known=set())[0] is None  # a letter replaced: another name


def test_sibling_shapes_below_the_top_1000():
    # a letter added at the end (behave/behavex) or dropped from a short name (djlint/dlint)
    assert match_typosquat("behavox", "pypi", reference=_ranked("behavo", 1501), known=set())[0] is None
    assert match_typosquat("behavox", "pypi", reference=("behavo",), known=set())[0].kind == "insertion"
    assert match_typosquat("dlinq", "pypi", reference=_ranked("djlinq", 1501), known=set())[0] is None
    # a letter dropped inside a long name is still a slip at any rank
    assert match_typosquat("somelibary", "pypi", reference=_ranked("somelibrary", 1501), known=set())[0].kind == "omission"
    # another first letter: a sibling below the top 100 (asgiref/wsgiref), a slip above
    assert match_typosquat("asgiqef", "pypi", reference=_ranked("wsgiqef", 150), known=set())[0] is None
    assert match_typosquat("asgiqef", "pypi", reference=("wsgiqef",), known=set())[0].kind == "replacement-keyboard"


def test_npm_separators_count_only_when_dropped():
    """crossenv imitates cross-env; json-pointer and jsonpointer are both real packages."""
    assert match_typosquat("crossenv", "npm", reference=("cross-env",), known=set())[0].kind == "separator"
    assert match_typosquat("json-pointer", "npm", reference=("jsonpointer",), known=set())[0] is None


@pytest.mark.parametrize("name,target,kind", [
    ("statsmodel", "statsmodels", "omission"),  # the final s of a long name dropped
    ("xsetuptools", "setuptools", "insertion"),  # a letter in front of a long name
    ("fastapi-toolkit", "fastapi", "combosquat"),
    ("setup-tools", "setuptools", "separator"),  # an added separator, top-100 name
    ("pycryptography", "cryptography", "py-affix"),  # py glued to a long top-200 name
])
def test_more_squat_shapes(name, target, kind):
    match = match_typosquat(name, "pypi", known=set())[0]
    assert match is not None and (match.target, match.kind) == (target, kind), match


@pytest.mark.parametrize("name", [
    "pytest-csv", "faiss-gpu", "httpx-oauth",  # a short word of a many-word name changed
    "pyshark", "pylink", "pyjdbc",  # py + a short word, one letter replaced
    "names", "dlint",  # short names below the top 1,000: a letter replaced or dropped
    "unicorn", "identity", "scheduler",  # English words one letter from a popular name
    "behavex", "pystack",  # a letter added at the end of a name below the top 1,000
    "jaxlie", "spglib",  # another letter at an end of a name below the top 1,000 (no vowel, no sound-alike)
    "config-parser", "json-diff",  # a separator added to a name below the top 100
    "slugify", "kafka",  # an affix dropped: how import names and short names look
    "aliyun-python-sdk-core-v3",  # a version tag: legitimate major-version packages look like this
    "pyredis", "pyboto3",  # py glued to a short name: the usual way to name a binding
    "beautifulsoup",  # a dropped trailing digit is a version sibling
    "aresponses", "cchardet",  # async / C variants
    "py-redis", "py-bcrypt",  # `py-` + a name: how old bindings were named
    "user-agent",  # the singular of the last word of a many-word name
    "fasta2a", "google-cloud-dns", "pytest-cover",  # two edits: only in long one-word names
])
def test_legitimate_neighbours_judged_as_unknown(name):
    """Real packages ranked 5,001-15,000 that an earlier detector flagged (dev false alarms)."""
    assert match_typosquat(name, "pypi", known=set())[0] is None, name


def test_swap_editops_count_a_swap_as_one_edit():
    from slopspotter_lab.heuristics.typosquat import _swap_editops

    assert _swap_editops("tensorflow", "tensrflwo") == [("delete", 4, 4), ("swap", 8, 7)]
    assert _swap_editops("playwright", "playwrgith") == [("swap", 6, 6), ("swap", 8, 8)]
    assert _swap_editops("tensorflow", "tensoorflw") is None  # no swap: Levenshtein's alignment


@pytest.mark.parametrize("name,target,kind", [
    ("beatuifulsoup", "beautifulsoup", "transposition"),  # a slip of a listed name beats two of beautifulsoup4
    ("bitcionlib", "bitcoinlib", "transposition"),
    ("bbitcoinlib", "bitcoinlib", "repetition"),
])
def test_slips_of_names_below_the_reference_count(name, target, kind):
    """Names on the popular list below the top 5,000 are squatted for their fame (the tail)."""
    match = match_typosquat(name, "pypi", known=set())[0]
    assert match is not None and (match.target, match.kind, match.severity) == (target, kind, "high")
    assert "popular rank" in match.evidence and f"rank {_rank(target)})" in match.evidence


def _rank(name: str) -> int:
    return list(dict.fromkeys(load_popular("pypi"))).index(name) + 1


@pytest.mark.parametrize("name", ["bitcoinleb", "bitcoinlibs"])  # a vowel swap, a plural: weak moves
def test_weak_changes_of_names_below_the_reference_do_not_count(name):
    assert _rank("bitcoinlib") > 5000
    assert match_typosquat(name, "pypi", known=set())[0] is None


def test_tail_of_an_explicit_reference():
    ref = ("zzpadding",)
    match = match_typosquat("parsnipcaek", "pypi", reference=ref, tail=("parsnipcake",), known=set())[0]
    assert (match.target, match.kind) == ("parsnipcake", "transposition") and "(popular rank 2)" in match.evidence
    assert match_typosquat("parsnipcaek", "pypi", reference=ref, known=set())[0] is None  # no tail given
    assert match_typosquat("carort", "pypi", reference=ref, tail=("carrot",), known=set())[0] is None  # < 7 letters
    assert match_typosquat("parsnipcake", "pypi", reference=ref, tail=("parsnipcake",), known=set())[0] is None
