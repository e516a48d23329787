"""Typosquatting: is this name a deliberate near-miss of a popular package?

One set of named operators serves both directions: `generate_variants(popular)` produces the
squats an attacker would register (the batch candidate generator uses it) and
`find_typosquat(name)` explains a name as one operator applied to a popular name.

Why not "Levenshtein distance 1 to any popular name": legitimate neighbours differ in ways a
typo does not - a version digit (boto/boto3, nvidia-*-cu12/-cu13) or an unrelated letter
(dash/dask). Here an edit only counts when it is a plausible slip or disguise: a dropped,
doubled or swapped letter, a keyboard-neighbour or look-alike replacement, a changed
separator, reordered words, a py/python affix, a wrong npm scope. Edits that only touch
digits are version siblings, and names already on the popular list are never squats.
Names are compared after PEP 503 normalisation (PyPI) or lower-casing (npm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from ..ecosystems import Ecosystem, normalize_name, validate_name
from ..errors import InputError
from .popular import load_popular, popular_names

REFERENCE_SIZE = {Ecosystem.PYPI: 5000, Ecosystem.NPM: 5000}  # popular names squats aim at
MIN_EDIT_LEN = 5  # below this, only a swapped, doubled or dropped letter inside the name (_short_slip)
SHORT_EDIT_LEN = 4
LONG_NAME = 6  # from this length any added letter is a plausible slip, not only a neighbour key  # shorter popular names have too many legitimate one-letter neighbours

_ROWS = ["1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
KEYBOARD: dict[str, set[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        near = KEYBOARD.setdefault(_ch, set())
        for dr, dc in ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, -1), (1, 0)):
            rr, cc = _r + dr, _c + dc
            if 0 <= rr < len(_ROWS) and 0 <= cc < len(_ROWS[rr]):
                near.add(_ROWS[rr][cc])
HOMOGLYPHS = [("l", "1"), ("l", "i"), ("i", "1"), ("o", "0"), ("rn", "m"), ("vv", "w"), ("cl", "d"),
              ("s", "5"), ("e", "3"), ("a", "4"), ("g", "9"), ("b", "6")]
_HOMO_CHARS = {frozenset(p) for p in HOMOGLYPHS if len(p[0]) == len(p[1]) == 1}
SEPARATORS = "-_."
VOWELS = "aeiou"
PY_AFFIXES = {
    Ecosystem.PYPI: (["python-", "py-", "python3-", "py3-", "python"], ["-python", "-py", "-python3"]),  # bare "py" is a naming habit
    Ecosystem.NPM: (["node-", "js-", "node"], ["-js", ".js", "js", "-node", "-npm"]),
}
STRONG_OPS = {"omission", "repetition", "transposition", "replacement-keyboard",
              "replacement-homoglyph", "homoglyph", "insertion-keyboard", "vowel-insertion"}
"""Deliberate one-letter slips and disguises: the only moves that count against the tail."""
TAIL_MIN_LEN = 7
"""The tail is the rest of the popular list below the reference: names squatted for their fame
more than their downloads (beautifulsoup, pytorch, py-cord). Against it only a STRONG_OPS slip of
a name of 7+ letters counts, and only where the reference offers no slip of its own."""


def _collapse(name: str) -> str:
    return re.sub(r"[-_.]+", "", name)


def _separators(name: str) -> int:
    return sum(1 for c in _split_scope(name)[1] if c in SEPARATORS)


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[-_.]+", name) if t]


def _skeleton(name: str) -> str:
    """Look-alikes mapped to one form, so 'reqvests' style disguises meet their target."""
    s = _collapse(name)
    for a, b in (("rn", "m"), ("vv", "w"), ("cl", "d")):
        s = s.replace(a, b)
    return s.translate(_SKELETON_TABLE)


_SKELETON_TABLE = {ord("1"): "l", ord("i"): "l", ord("0"): "o"}


def _split_scope(name: str) -> tuple[str | None, str]:
    if name.startswith("@") and "/" in name:
        scope, _, rest = name[1:].partition("/")
        return scope, rest
    return None, name


# --------------------------------------------------------------------------- generation
def _edits(core: str) -> Iterator[tuple[str, str]]:
    """Character-level slips of one name part."""
    n = len(core)
    for i in range(n):
        if core[i] not in SEPARATORS:
            yield core[:i] + core[i + 1:], "omission"
            yield core[:i + 1] + core[i] + core[i + 1:], "repetition"
        for near in sorted(KEYBOARD.get(core[i], ())):
            if near.isalpha() == core[i].isalpha():
                yield core[:i] + near + core[i + 1:], "replacement-keyboard"
        if i + 1 < n and core[i] != core[i + 1]:
            yield core[:i] + core[i + 1] + core[i] + core[i + 2:], "transposition"
    for a, b in HOMOGLYPHS:
        for src, dst in ((a, b), (b, a)):
            start = core.find(src)
            while start != -1:
                yield core[:start] + dst + core[start + len(src):], "replacement-homoglyph"
                start = core.find(src, start + 1)


def _structural(core: str, eco: Ecosystem) -> Iterator[tuple[str, str]]:
    toks = _tokens(core)
    if len(toks) > 1:
        for sep in ("", "-", "_", ".") if eco is Ecosystem.NPM else ("",):
            yield sep.join(toks), "separator"
        yield "-".join(reversed(toks)), "word-order"
    elif len(core) >= 6:  # split a compound word: 'dateutil' -> 'date-util'
        for i in range(3, len(core) - 2):
            yield f"{core[:i]}-{core[i:]}", "separator"
    prefixes, suffixes = PY_AFFIXES[eco]
    stripped = False
    for p in prefixes:
        if core.startswith(p) and len(core) - len(p) >= 4:
            yield core[len(p):], "py-affix"
            stripped = True
    for s in suffixes:
        if core.endswith(s) and len(core) - len(s) >= 4:
            yield core[: -len(s)], "py-affix"
            stripped = True
    if not stripped:
        for p in prefixes:
            yield p + core, "py-affix"
        for s in suffixes:
            yield core + s, "py-affix"


def generate_variants(name: str, ecosystem) -> Iterator[tuple[str, str]]:
    """Names an attacker could register to catch typos of `name`, each with its operator.

    Every variant is a valid name for the ecosystem and differs from `name` after
    normalisation; the same operators drive `find_typosquat`.
    """
    eco = Ecosystem.parse(ecosystem)
    norm = normalize_name(name, eco)
    scope, core = _split_scope(norm)
    seen = {norm}

    def emit(variant: str, op: str):
        full = f"@{scope}/{variant}" if scope else variant
        key = normalize_name(full, eco) if full else ""
        if not variant or key in seen:
            return None
        try:
            validate_name(full, eco)
        except InputError:
            return None
        seen.add(key)
        return full, op

    if scope:  # only the owner publishes inside a scope: squats imitate the scope itself
        for variant, _ in _edits(scope):
            full = f"@{variant}/{core}"
            if full not in seen and len(variant) >= 5:
                seen.add(full)
                yield full, "scope-confusion"
    else:
        for variant, op in (*_edits(core), *_structural(core, eco)):
            if (out := emit(variant, op)):
                yield out
    if eco is Ecosystem.NPM:
        for variant in _scope_variants(norm):
            if variant not in seen:
                seen.add(variant)
                try:
                    validate_name(variant, eco)
                    yield variant, "scope-confusion"
                except InputError:
                    pass


def _scope_variants(norm: str) -> list[str]:
    scope, core = _split_scope(norm)
    if scope:
        return [f"{scope}-{core}", f"{scope}{core}", f"{scope}.{core}"]
    return [f"@{core}/{core}", f"@{core}js/{core}", f"@types-{core}/{core}"]


# --------------------------------------------------------------------------- detection
def _digit_only(a: str, b: str) -> bool:
    """True when a and b differ only in digits (boto/boto3, cu12/cu13, v2/v3)."""
    return re.sub(r"\d+", "#", a) == re.sub(r"\d+", "#", b) or (
        re.sub(r"\d", "", a) == re.sub(r"\d", "", b))


def _plural_pair(a: str, b: str) -> bool:
    """future/futures, cookie/cookies: singular and plural are usually both legitimate."""
    short, long_ = sorted((a, b), key=len)
    return long_ == short + "s" and not long_.endswith("ss")


def classify_edit(name: str, target: str) -> str | None:
    """The slip that turns `target` into `name` (one edit), or None if it is not a plausible typo."""
    if name == target or _digit_only(name, target) or _plural_pair(name, target):
        return None
    a, b = name, target
    if len(a) == len(b) - 1:  # omission: a char of target dropped
        for i in range(len(b)):
            if b[:i] + b[i + 1:] == a:
                if b[i] in SEPARATORS:
                    return "separator"
                # a dropped first or last letter often reads as another name (gunicorn/unicorn,
                # whisperx): _weak_edit admits it as weak evidence (medium)
                return "omission" if 0 < i < len(b) - 1 else None
    elif len(a) == len(b) + 1:  # a char added
        for i in range(len(a)):
            if a[:i] + a[i + 1:] == b:
                c = a[i]
                if c in SEPARATORS:
                    return "separator"
                if i == 0 and (c != a[1] or c == "c"):  # a leading letter makes a sibling name:
                    return None  # grequests, aiopath; cchardet is the C version of chardet
                if (i > 0 and a[i - 1] == c) or (i + 1 < len(a) and a[i + 1] == c):
                    return "repetition"
                neighbours = {a[i - 1] if i > 0 else "", a[i + 1] if i + 1 < len(a) else ""}
                if KEYBOARD.get(c, set()) & neighbours:
                    return "insertion-keyboard"
                if c in VOWELS and neighbours & set(VOWELS):
                    return "vowel-insertion"  # reads as the same word: colourama, reaquests
                return "insertion" if c.isalpha() and len(b) >= LONG_NAME else None
    elif len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
            return "transposition"
        if len(diff) == 1:
            x, y = a[diff[0]], b[diff[0]]
            if frozenset((x, y)) in _HOMO_CHARS:
                return "replacement-homoglyph"
            if x in SEPARATORS and y in SEPARATORS:
                return "separator"
            if y in KEYBOARD.get(x, ()) and x.isalpha() and y.isalpha():
                return "replacement-keyboard"
    return None


def _edit_op(q: str, cand: str) -> str | None:
    """classify_edit on the name parts when both share a scope, else on the whole names."""
    (qs, qc), (cs, cc) = _split_scope(q), _split_scope(cand)
    return classify_edit(qc, cc) if qs == cs else classify_edit(q, cand)


class _Reference:
    """Lookup structures over the reference names, built once per list."""

    def __init__(self, names: Sequence[str], eco: Ecosystem, first_rank: int = 1):
        self.eco = eco
        self.names = [normalize_name(n, eco) for n in names]
        self.rank = {}
        for i, n in enumerate(self.names):
            self.rank.setdefault(n, i + first_rank)
        self.by_collapse: dict[str, str] = {}
        self.by_tokens: dict[tuple, str] = {}
        self.by_skeleton: dict[str, str] = {}
        self.by_core: dict[str, str] = {}
        self.scoped: dict[str, str] = {}
        self.scopes = {_split_scope(n)[0] for n in self.names} - {None}
        self.unscoped_prefixes: dict[str, int] = {}
        for n in self.names:
            if not n.startswith("@") and "-" in n:
                head = n.split("-", 1)[0]
                self.unscoped_prefixes[head] = self.unscoped_prefixes.get(head, 0) + 1
        for n in self.names:
            scope, core = _split_scope(n)
            self.by_collapse.setdefault(_collapse(n), n)
            if len(_tokens(core)) > 1:
                self.by_tokens.setdefault((scope, tuple(sorted(_tokens(core)))), n)
            if len(core) >= MIN_EDIT_LEN:
                self.by_skeleton.setdefault(_skeleton(n), n)
            for variant, op in _structural(core, eco):
                if op == "py-affix" and len(variant) >= 4 and not scope:
                    self.by_core.setdefault(variant, n)
            if scope:
                for v in _scope_variants(n):
                    self.scoped.setdefault(v, n)
            elif len(core) >= MIN_EDIT_LEN:
                self.scoped.setdefault(core, n)
        self.edit_targets = [n for n in self.names if len(_split_scope(n)[1]) >= SHORT_EDIT_LEN]
        self._by_len: dict[int, list[str]] = {}

    def near_length(self, q: str) -> list[str]:
        """Edit targets within two characters of len(q): nothing else can be two edits away,
        and scoring 5,000 names per check is what made check slow."""
        n = len(q)
        hit = self._by_len.get(n)
        if hit is None:
            hit = self._by_len[n] = [t for t in self.edit_targets if abs(len(t) - n) <= 2]
        return hit


@lru_cache(maxsize=16)
def _reference(eco: Ecosystem, names: tuple[str, ...], first_rank: int = 1) -> _Reference:
    """The index of an explicit reference list (small lists: tests, notebooks, benchmarks)."""
    return _Reference(names, eco, first_rank)


@lru_cache(maxsize=8)
def _popular_reference(eco: Ecosystem, size: int, version: tuple) -> _Reference:
    """The index of the top `size` popular names, built once per version of the popular list."""
    return _Reference(reference_names(eco, size), eco)


@lru_cache(maxsize=4)
def _tail_reference(eco: Ecosystem, version: tuple) -> _Reference:
    """The index of the popular list below the reference, ranked as on the list."""
    size = REFERENCE_SIZE[eco]
    return _Reference(popular_names(eco)[size:], eco, first_rank=size + 1)


def reference_names(ecosystem, size: int | None = None) -> tuple[str, ...]:
    eco = Ecosystem.parse(ecosystem)
    return popular_names(eco)[:size or REFERENCE_SIZE[eco]]


def _structural_match(q: str, ref: _Reference) -> tuple[str, str] | None:
    scope, core = _split_scope(q)
    hit = ref.by_collapse.get(_collapse(q))
    if hit and hit != q:
        return hit, "separator"
    toks = _tokens(core)
    if len(toks) > 1:
        hit = ref.by_tokens.get((scope, tuple(sorted(toks))))
        if hit and hit != q:
            return hit, "word-order"
    if scope and scope in ref.scopes:
        return None  # a scope is owned on npm: only its owner can publish under a known scope
    if not scope:  # an affix added or swapped; dropping one is how import names look (slugify)
        for variant, op in _structural(core, ref.eco):
            if op != "py-affix" or len(variant) >= len(core) or core == "py-" + variant:
                continue
            hit = variant if variant in ref.rank else (
                ref.by_core.get(variant) if ref.eco is Ecosystem.PYPI else None)
            if hit and hit != q:
                return hit, "py-affix"
    if ref.eco is Ecosystem.NPM:
        if scope:
            return _scope_typo(scope, core, ref)
        hit = ref.scoped.get(q)
        if hit and hit != q:
            return hit, "scope-confusion"
    if len(core) >= MIN_EDIT_LEN:
        hit = ref.by_skeleton.get(_skeleton(q))
        if hit and hit != q and not _digit_only(q, hit):
            return hit, "homoglyph"
    return None


def _scope_typo(scope: str, core: str, ref: _Reference) -> tuple[str, str] | None:
    """An unknown scope that imitates an owner: a near-miss of a known scope, or '@x/x'."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    near = process.extractOne(scope, ref.scopes, scorer=OSA.distance, score_cutoff=1 if len(scope) < 8 else 2)
    target = f"@{near[0]}/{core}" if near else None
    if near and (len(scope) >= 5 or target in ref.rank):  # short scopes: only an exact sibling (@type/node)
        best = target if target in ref.rank else next(
            (n for n in ref.names if n.startswith(f"@{near[0]}/")), None)
        if best:
            return best, "scope-confusion"
    if scope == core and core in ref.rank:
        return core, "scope-confusion"
    return None


ATTACK_WORDS = frozenset("""
    new latest beta update updated upgrade upgraded install installer free secure lite fast faster
    fixed patched official real safe premium module pkg package advanced req sys os https toolkit server
    2021 2022 2023 2024 2025 2026
""".split())
"""Words an attacker adds to a popular name to make it look official or improved (combosquats).
Plugins add *meaningful* words (django-filter, pytest-cov); these add nothing."""
LOOSE_KINDS = {"separator", "word-order", "py-affix"}
# forks, ports and renamed packages look like separator, word-order and affix changes: only
# imitations of the very top count
LOOSE_RANK = {Ecosystem.PYPI: 500, Ecosystem.NPM: 1000}
WEAK_RANK = 1000
TWO_EDIT_LEN = 8
SHORT_WORD = 5  # a change inside a word this short makes another word (cov/csv, cpu/gpu, auth/oauth)
LONG_PLURAL = 11  # from this length a dropped final s is a slip (setuptool), not a singular (websocket)
LONG_NAME_PREFIX = 9  # from this length a letter added in front is a slip (xsetuptools)
SIBLING_PREFIXES = frozenset("acgpt0123456789")  # async, C, gevent, py, typed variants: aresponses, cchardet
SHORT_NAME = 7  # below the top 1,000, short names have legitimate one-letter neighbours (namex/names)
PY_REST = 6  # py + a short word: pyspark/pyshark, pylint/pylink are different projects
VERSION_RANK = 100  # version siblings are common below the very top (pyside2/6, cupy-cuda11x/12x)  # weak look-alikes (any one-letter change, two edits) count only for these targets
COMBO_RANK = 1000
SEVERITY = {  # how sure a kind of match is: character disguises and slips are deliberate
    "transposition": "high", "repetition": "high", "replacement-keyboard": "high", "homoglyph": "high",
    "replacement-homoglyph": "high", "insertion-keyboard": "high", "digit-for-letter": "high",
    "omission": "high", "scope-confusion": "high", "vowel-insertion": "high", "version-bump": "medium",
    "insertion": "medium", "vowel-swap": "medium", "substitution": "medium", "plural": "medium",
    "two-edits": "medium", "separator": "medium", "word-order": "medium", "py-affix": "medium",
    "combosquat": "medium",
}


KIND_TEXT = {"combosquat": "the popular name plus filler words", "two-edits": "two slips in a long name",
             "plural": "plural of the popular name", "digit-for-letter": "a digit in place of a letter",
             "vowel-swap": "one vowel swapped", "substitution": "one letter replaced",
             "version-bump": "another version digit"}  # how evidence names a kind


@dataclass(frozen=True)
class SquatMatch:
    """A name explained as a popular name plus one attacker move (`kind`), with its severity."""

    target: str
    kind: str
    severity: str
    evidence: str


def _weak_edit(q: str, t: str) -> str | None:
    """One-letter changes that are no keyboard slip (vowel swap, other letter, digit for a
    letter, plural s). Legitimate neighbours look like this too, so callers demand a long target,
    an edit away from the first letter and, below the top 1,000, a change that still reads as
    the same name (_weak_far_ok)."""
    if len(q) == len(t):
        diff = [i for i in range(len(q)) if q[i] != t[i]]
        if len(diff) != 1 or diff[0] == 0:
            return None
        x, y = q[diff[0]], t[diff[0]]
        if x.isdigit() and y.isalpha() and diff[0] < len(q) - 1:
            return "digit-for-letter"
        if x.isalpha() and y.isalpha() and x not in SEPARATORS:
            return "vowel-swap" if x in "aeiou" and y in "aeiou" else "substitution"
        return None
    if len(q) == len(t) + 1 and q == t + "s" and not t.endswith("s"):
        return "plural"
    if (len(q) == len(t) - 1 and (q == t[1:] or q == t[:-1]) and t[0] not in SEPARATORS
            and (not _plural_pair(q, t) or len(_tokens(t)[-1]) >= LONG_PLURAL) and not _digit_only(q, t)):  # setuptool
        return "omission"
    if len(q) == len(t) + 1 and q[1:] == t and len(t) >= LONG_NAME_PREFIX and q[0] not in SIBLING_PREFIXES:
        return "insertion"  # a letter before a long name (xsetuptools); short ones make siblings
    if len(q) == len(t) + 1 and q[1:] != t:  # an added letter, not a leading one (cchardet)
        for i in range(1, len(q)):
            if q[:i] + q[i + 1:] == t and q[i].isalpha():
                return "insertion"
    return None


def _digit_doubling(q: str, t: str) -> bool:
    """boto33, urllib33: the trailing version digit typed twice."""
    return len(q) == len(t) + 1 and q[:-1] == t and t[-1:].isdigit() and q[-1] == t[-1]


def _old_scope_name(q: str, ref: "_Reference") -> bool:
    """babel-types for @babel/types: the unscoped family the scope replaced (renamed packages)."""
    scope, core = _split_scope(q)
    if scope:
        return False
    head = q.split("-", 1)[0]
    family = ref.unscoped_prefixes.get(head, 0)
    return f"@{head}/" in q or (head in ref.scopes and family >= 2)


def _version_bump(q: str, t: str) -> bool:
    """boto4 for boto3: the single trailing version digit of a top name changed (not cu12/cu13)."""
    return (len(q) == len(t) >= 3 and q[:-1] == t[:-1] and q[-1:].isdigit() and t[-1:].isdigit()
            and q[-1] != t[-1] and q[-2].isalpha())


def _swap_editops(a: str, b: str) -> list[tuple[str, int, int]] | None:
    """Edit operations turning `a` into `b` where an adjacent swap counts as one ("swap") - the
    optimal string alignment path - or None when no swap is on that path. Levenshtein's
    alignment splits a swap into two replacements, so `playwrgith` read as four edits."""
    n, m = len(a), len(b)
    d = [[i + j if not i * j else 0 for j in range(m + 1)] for i in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] and a[i - 1] != b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    ops, i, j = [], n, m
    while i or j:
        if (i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] and a[i - 1] != b[j - 1]
                and d[i][j] == d[i - 2][j - 2] + 1):
            ops.append(("swap", i - 2, j - 2))
            i, j = i - 2, j - 2
        elif i and j and d[i][j] == d[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if a[i - 1] != b[j - 1]:
                ops.append(("replace", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            ops.append(("delete", i - 1, j))
            i -= 1
        else:
            ops.append(("insert", i, j - 1))
            j -= 1
    return ops[::-1] if any(op[0] == "swap" for op in ops) else None


def _two_edits(q: str, t: str) -> bool:
    """Two slips in a long name (tensofklow, tensrflwo): same first letter and word count, and
    each edit a slip (a dropped letter, a doubled or neighbouring key, a vowel, a swap)."""
    from rapidfuzz.distance import Levenshtein

    if not (len(t) >= TWO_EDIT_LEN and q[:1] == t[:1] and not any(c in SEPARATORS for c in q + t)
            and not _digit_only(q, t)):
        return False  # two changes in a short or many-word name make another word (pytest-cov/-cpp)
    free = 1  # one edit may be any letter away from the first
    ops = _swap_editops(t, q) or [(op.tag, op.src_pos, op.dest_pos) for op in Levenshtein.editops(t, q)]
    for tag, src, dest in ops:
        if tag == "swap":
            ok = src > 0
        elif tag == "delete":
            ok = 0 < src < len(t) - 1 and t[src] not in SEPARATORS
        elif tag == "insert":
            c, p = q[dest], dest
            around = {q[p - 1] if p else "", q[p + 1] if p + 1 < len(q) else ""}
            ok = p > 0 and (c in around or bool(KEYBOARD.get(c, set()) & around))
        else:
            x, y, p = t[src], q[dest], src
            ok = (y in KEYBOARD.get(x, ()) or frozenset((x, y)) in _HOMO_CHARS
                  or (x in "aeiou" and y in "aeiou") or y in {t[p - 1] if p else "", t[p + 1] if p + 1 < len(t) else ""})
        if not ok:
            if free and (src if tag != "insert" else dest) > 0:
                free -= 1
                continue
            return False
    return True


def _combosquat(q: str, ref: "_Reference") -> str | None:
    """A very popular name plus only filler words: `urllib3-secure-lite`, `requests-latest`."""
    toks = _tokens(_split_scope(q)[1])
    if len(toks) < 2:
        return None
    scope = _split_scope(q)[0]
    best = None
    for i in range(len(toks)):
        for j in range(len(toks), i, -1):
            run = "-".join(toks[i:j])
            if ref.eco is Ecosystem.NPM:
                cands = [run] + ([f"@{scope}/{run}"] if scope else [])
            else:
                cands = [run]
            rest = toks[:i] + toks[j:]
            if not rest or not all(w.rstrip("0123456789") in ATTACK_WORDS for w in rest):
                continue
            for c in cands:
                r = ref.rank.get(c)
                if r and r <= COMBO_RANK and len(_collapse(run)) >= 4 and (best is None or r < ref.rank[best]):
                    best = c
    return best


def match_typosquat(name: str, ecosystem, *, reference: Sequence[str] | None = None,
                    known: Iterable[str] | None = None,
                    tail: Sequence[str] | None = None) -> tuple[SquatMatch | None, list[str], str]:
    """(the match or None, similar popular names, evidence); see find_typosquat. `tail`: the
    names below an explicit `reference` (default: the rest of the popular list, or none when
    `reference` is given)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    eco = Ecosystem.parse(ecosystem)
    q = normalize_name(name, eco)
    version = None
    if reference is None:
        from .popular import list_version

        version = list_version(eco)  # once per name: reading the environment is not free
        ref = _popular_reference(eco, REFERENCE_SIZE[eco], version)
    else:
        ref = _reference(eco, tuple(reference))
    if q in ref.rank:
        return None, [], f"{name} is itself a popular {eco.value} package (rank {ref.rank[q]})"
    near = process.extract(q, ref.near_length(q), scorer=OSA.distance, score_cutoff=2, limit=8)
    near.sort(key=lambda t: (t[1], ref.rank[t[0]]))
    similar = [n for n, _, _ in near]
    is_known = (q in set(known)) if known is not None else _is_known(q, eco, version)
    if is_known:
        return None, similar, f"{name} is on the popular {eco.value} list itself"
    scope = _split_scope(q)[0]
    if scope and scope in ref.scopes:  # an owned scope: only its owner publishes there (siblings)
        return None, similar, f"{name} is inside the known npm scope @{scope}"
    match = _structural_match(q, ref)
    if match and match[1] in LOOSE_KINDS and ref.rank[match[0]] > LOOSE_RANK[eco]:
        match = None
    if match and match[1] == "scope-confusion" and _old_scope_name(q, ref):
        match = None
    if match is None and len(q) >= SHORT_EDIT_LEN:
        match = _edit_match(q, near, ref)
    if match and match[1] == "separator":  # squats drop separators (crossenv); added ones are a
        # naming style (json-pointer/jsonpointer, config-parser): only for the top 100 PyPI names
        dropped = _separators(q) < _separators(match[0])
        limit = LOOSE_RANK[eco] if dropped else VERSION_RANK if eco is Ecosystem.PYPI else 0
        match = match if ref.rank[match[0]] <= limit else None
    if match is None and eco is Ecosystem.PYPI and (hit := _py_glued(q, ref)):
        match = (hit, "py-affix")
    if match is None and not scope:
        hit = _combosquat(q, ref)
        match = (hit, "combosquat") if hit else None
    rank = ref.rank
    if (reference is None or tail is not None) and (match is None or SEVERITY.get(match[1]) != "high"):
        below = (_tail_reference(eco, version) if reference is None  # a slip of a listed name beats
                 else _reference(eco, tuple(tail), len(ref.names) + 1))  # a weak match of a top one
        if q not in below.rank and (hit := _tail_match(q, below)):
            match, rank = hit, below.rank
    if match is None:
        return None, similar, ""
    target, op = match
    if target not in similar:
        similar.insert(0, target)
    what = KIND_TEXT.get(op, op.replace("-", " "))
    evidence = f"{name!r} looks like {target!r} (popular rank {rank[target]}): {what}"
    return SquatMatch(target, op, SEVERITY.get(op, "medium"), evidence), similar, evidence


AFFIX_WORDS = frozenset({"py", "python", "python3", "js", "node"})


WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "english_words.txt"
WORD_MIN = 4  # shorter dictionary words are mostly abbreviations that squats share (numy, pyd)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words near popular names (SCOWL via Debian; datasets/build_english_words.py).

    A neighbour of a popular name that is a word is another word, not a misspelling
    (`unicorn`/`uvicorn`); real squats are almost never words."""
    try:
        text = WORDS_FILE.read_text(encoding="utf-8")
    except OSError:  # a trimmed install: fall back to the rank-based rules alone
        return frozenset()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def _is_word(name: str) -> bool:
    """A one-word name that is an ordinary English word, also after a `py` prefix (pylast)."""
    if _split_scope(name)[0] or len(_tokens(name)) != 1:
        return False  # in many-word names squats change one word into another (scikit-lean)
    words = english_words()
    return any(len(f) >= WORD_MIN and f in words for f in (name, name[2:] if name.startswith("py") else ""))


def _another_word(q: str, t: str, op: str, rank: int) -> bool:
    """Changes that make another name rather than a misspelling, the shape of most legitimate
    neighbours (dev false alarms): the name is an English word (unicorn/uvicorn,
    identity/identify, pylast/pglast); a short word of a many-word name below the top 100
    changed (pytest-cov/pytest-csv, faiss-cpu/faiss-gpu, httpx-auth/httpx-oauth); a letter
    replaced in py + a short word (pyspark/pyshark, pylint/pylink) or in the first place below
    the top 100 (asgiref/wsgiref, cython/dython); below the top 1,000, a letter added at the end
    (behave/behavex, pystac/pystack) or dropped from a short name (djlint/dlint, pyngrok/pygrok)."""
    if _is_word(q):
        return True
    tq, tt = _tokens(_split_scope(q)[1]), _tokens(_split_scope(t)[1])
    if len(tt) > 1 and len(tq) == len(tt):
        changed = [b for a, b in zip(tq, tt) if a != b]
        if (len(changed) == 1 and len(changed[0]) < SHORT_WORD and changed[0] not in AFFIX_WORDS
                and rank > VERSION_RANK):
            return True
    replaced = op in ("replacement-keyboard", "substitution", "vowel-swap")
    if replaced and q.startswith("py") and t.startswith("py") and len(t) - 2 < PY_REST:
        return True
    if replaced and q[:1] != t[:1] and rank > VERSION_RANK:
        return True
    if rank <= WEAK_RANK:
        return False
    if op in ("insertion", "insertion-keyboard") and q[:-1] == t:
        return True
    return op == "omission" and len(t) <= SHORT_NAME


def _short_slip(q: str, t: str) -> str | None:
    """A swapped, doubled or dropped letter of a 4-letter name, away from its first letter
    (mokc, ccxtt, cick for ccxt); other changes of so short a name make other names (tika/pika,
    ttach/tach, pydo/pyod)."""
    op = _edit_op(q, t)
    if op not in ("transposition", "repetition", "omission") or q[0] != t[0] or (q[1] != t[1] and q[1] == q[0]):
        return None
    return None if q.startswith("py") and t.startswith("py") else op


CONFUSABLE = {frozenset(p) for p in ("cs", "ck", "sz", "iy", "dq", "bd", "pq", "uv", "vw", "mn", "gq", "gj",
                                     "ft", "bp", "dt", "kq", "xz")}
"""Letters that sound or look alike (pycerial, coloreq): a deliberate replacement, not another name."""


def _weak_far_ok(q: str, t: str, op: str) -> bool:
    """Weak one-letter changes of a name below the top 1,000 that still read as the same name:
    a letter added inside it or dropped at an end of a long one, a vowel for a vowel, a sound- or
    look-alike letter (pysereal, pycerial), any letter inside the name. Another letter at either
    end makes a sibling name there (libsass/libpass, jaxlib/jaxlie, svglib/spglib)."""
    if op in ("insertion", "omission"):
        return True
    if op not in ("vowel-swap", "substitution"):
        return False
    d, x, y = next((i, a, b) for i, (a, b) in enumerate(zip(q, t)) if a != b)
    if op == "substitution" and 2 <= d < len(t) - 2:
        return True  # inside the name; sibling names differ at its ends (svglib/spglib, jaxlib/jaxlie)
    return (x in "aeiouy" and y in "aeiouy") or frozenset((x, y)) in CONFUSABLE


PY_GLUE_RANK = 200


def _py_glued(q: str, ref: "_Reference") -> str | None:
    """`py` glued to a top-200 name of 6+ letters (pycryptography, pydistlib); shorter ones are
    the usual way to name a binding (pyyaml, pytz, pyjwt), so they are left alone."""
    t = q[2:] if q.startswith("py") else ""
    return t if len(t) >= 6 and ref.rank.get(t, PY_GLUE_RANK + 1) <= PY_GLUE_RANK else None


def _tail_match(q: str, tail: "_Reference") -> tuple[str, str] | None:
    """A deliberate slip (STRONG_OPS) of a tail name of 7+ letters, the most popular one first;
    changes that make another name (_another_word) do not count here either."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    hit = _structural_match(q, tail)
    cands = [(hit[0], hit[1])] if hit and hit[1] == "homoglyph" else []
    near = process.extract(q, tail.near_length(q), scorer=OSA.distance, score_cutoff=1, limit=None)
    cands += [(c, _edit_op(q, c)) for c, dist, _ in sorted(near, key=lambda t: tail.rank[t[0]]) if dist == 1]
    for cand, op in cands:
        if (op in STRONG_OPS and len(_collapse(cand)) >= TAIL_MIN_LEN
                and not _another_word(q, cand, op, tail.rank[cand])):
            return cand, op
    return None


def _edit_match(q: str, near, ref: "_Reference") -> tuple[str, str] | None:
    """The best popular name one plausible slip away (or two, for long and very popular names)."""
    weak = None
    for cand, dist, _ in near:
        if min(len(q), len(cand)) < MIN_EDIT_LEN:  # 4 letters: only a slip inside the name
            if dist == 1 and (op := _short_slip(q, cand)) and not _another_word(q, cand, op, ref.rank[cand]):
                return cand, op
            continue
        if dist == 1:
            if (op := _edit_op(q, cand)) and not _another_word(q, cand, op, ref.rank[cand]):
                return cand, op
            if op:
                continue
            if _digit_doubling(q, cand):
                return cand, "repetition"
            if ref.rank[cand] <= VERSION_RANK and _version_bump(q, cand):
                return cand, "version-bump"
            if weak is None and len(_collapse(cand)) >= 6:
                (qs, qc), (cs, cc) = _split_scope(q), _split_scope(cand)
                if (qs == cs and (op := _weak_edit(qc, cc)) and not _another_word(q, cand, op, ref.rank[cand])
                        and (ref.rank[cand] <= WEAK_RANK or _weak_far_ok(qc, cc, op))):
                    weak = (cand, op)
        elif (dist == 2 and weak is None and ref.rank[cand] <= WEAK_RANK and _two_edits(q, cand)
              and not _is_word(q)):
            weak = (cand, "two-edits")
    return weak


def find_typosquat(name: str, ecosystem, *, reference: Sequence[str] | None = None,
                   known: Iterable[str] | None = None) -> tuple[str | None, list[str], str]:
    """(popular name it imitates or None, similar popular names, evidence).

    `reference`: the popular names squats aim at (default: the top REFERENCE_SIZE of the
    ecosystem's list, and deliberate slips of the rest of it: _tail_match). `known`: names that
    are established themselves and so never squats (default: the whole popular list); pass an
    empty set to judge by the name alone.
    """
    match, similar, evidence = match_typosquat(name, ecosystem, reference=reference, known=known)
    return (match.target if match else None), similar, evidence


def _is_known(q: str, eco: Ecosystem, version=None) -> bool:
    """On the whole popular list (long-established names are never squats)."""
    from .popular import _load, list_version

    return q in _load(eco, *(version or list_version(eco)))[1]


def severity_of(evidence: str) -> str:
    """The severity of the kind named at the end of an evidence string (see SEVERITY)."""
    tail = evidence.rsplit(": ", 1)[-1]
    kinds = {text: kind for kind, text in KIND_TEXT.items()}
    return SEVERITY.get(kinds.get(tail, tail.replace(" ", "-")), "medium")
