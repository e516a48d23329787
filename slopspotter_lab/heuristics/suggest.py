""""Did you mean": the real package behind a name that does not exist, with the reason.

LLM-hallucinated names are mostly (1) an import name used as a distribution name (`sklearn`,
`yaml`), (2) a real project plus descriptive words (`openai-python-client`,
`pydantic-schema-validator`), (3) a slip of a real name. Each has its own evidence, tried in
that order; when none is clear we say nothing, because a wrong package is worse than none.
Offline and cheap: the import-name table, the popular lists and the typosquat matcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..ecosystems import Ecosystem, normalize_name

# words that describe a package rather than name a project: left out when looking for the
# project token of a descriptive compound
DESCRIPTIVE = frozenset("""
    py python python3 py3 node js javascript ts typescript lib library libs client clients sdk api apis
    wrapper wrappers binding bindings util utils utility utilities tool tools toolkit toolbox helper helpers
    kit core common base plugin plugins extension extensions ext addon integration integrations module
    modules package pkg framework official simple easy fast async sync light lite pro plus new latest v2
    http https web rest server service cli cmd config configuration loader parser parse parsing validator
    validation validators schema schemas manager handler handlers runner engine driver connector adapter
    generator builder models model data db database cache queue task tasks auth middleware components
    component hooks hook types typings date time array dataframe image images plot plotting charts chart
    test testing tests template templates html xml json yaml console log logging ssh sms payments
    payment storage s3 orm neural network networks classifier gpt claude llm ai ml model-loader asgi
    wsgi postgres postgresql mysql sqlite mongo redis-client colors color build
    retry session sessions upload uploader download downloader pipeline pipelines trainer training
    chat token tokens processing processor scraper scraping crawler document documents docs query
    queries ui app apps verify verifier extra extras s3 library
""".split())


AMBIGUOUS_RANK_RATIO = 10


@dataclass(frozen=True)
class Suggestion:
    name: str
    kind: str  # "import-name" | "typo" | "project-token"
    reason: str


def suggest(name: str, ecosystem, match=None) -> Suggestion | None:
    """The package `name` most likely meant, or None when nothing is clear.

    `match`: the typosquat match already computed for `name` (heuristics.typosquat.SquatMatch).
    """
    from .popular import popular_rank

    eco = Ecosystem.parse(ecosystem)
    own = popular_rank(name, eco)
    if eco is Ecosystem.PYPI and (dist := _import_dist(name)) and _more_popular(dist, own, eco):
        # also when the import name is a project of its own (sklearn, jwt), if a less popular one
        return Suggestion(dist, "import-name", f"`import {name}` comes from the distribution {dist!r}")
    if own is not None:
        return None
    if match is None:
        from .typosquat import match_typosquat

        match = match_typosquat(name, eco)[0]
    if (hit := _project_token(name, eco)):  # a project named verbatim beats a near miss
        return hit
    if match is not None and match.kind != "combosquat":
        return Suggestion(match.target, "typo", f"a near miss of {match.target!r} ({match.kind.replace('-', ' ')})")
    if match is not None:
        return Suggestion(match.target, "project-token", f"{match.target!r} plus filler words")
    return None  # a popular name merely a letter or two away, with no plausible slip, is too weak


def _import_dist(name: str) -> str | None:
    from .names import distribution_for_import

    return distribution_for_import(name)


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[-_./@]+", name.lower()) if t]


def _project_token(name: str, eco: Ecosystem) -> Suggestion | None:
    """A popular project named by a run of the name's words, the other words descriptive."""
    from .popular import popular_rank

    toks = _tokens(name)
    if len(toks) < 2:
        return None
    best = None  # (words covered, -rank, suggestion)
    seen: dict[str, int] = {}  # every project the name's words spell, with its rank
    for i in range(len(toks)):
        for j in range(i + 1, len(toks) + 1):
            rest = toks[:i] + toks[j:]
            if not rest or any(t not in DESCRIPTIVE and not t.isdigit() for t in rest):
                continue
            run = toks[i:j]
            for cand, how in _spellings(run, eco):
                rank = popular_rank(cand, eco)
                dist = _import_dist(cand) if eco is Ecosystem.PYPI else None
                if dist and _more_popular(dist, rank, eco):  # bs4 -> beautifulsoup4, not docker -> docker-py
                    cand, rank, how = dist, popular_rank(dist, eco), f"`import {cand}` comes from {dist!r}"
                if rank is None or (len(cand) < 3):
                    continue
                if (newer := _versioned_sibling(cand, rank, eco)):
                    cand, rank, how = newer[0], newer[1], f"{cand!r} continues as {newer[0]!r}"
                key = (j - i, -rank)
                seen.setdefault(normalize_name(cand, eco), rank)
                if best is None or key > best[0]:
                    what = f"the project {cand!r} plus descriptive words ({', '.join(rest)})"
                    best = (key, Suggestion(_spelled(cand, eco), "project-token", f"{what}; {how}" if how else what))
    if best and min(seen.values()) * AMBIGUOUS_RANK_RATIO < -best[0][1]:
        return None  # a far more popular project is named too (redis in redis-cache-client): no clear intent
    return best[1] if best else None


def _spellings(run: list[str], eco: Ecosystem):
    """How a run of words may spell a project: joined by '-', '', '.', or with a py/python affix."""
    yield "-".join(run), ""
    if len(run) > 1:
        yield "".join(run), ""
        if eco is Ecosystem.NPM:
            yield ".".join(run), ""
    word = "-".join(run)
    if eco is Ecosystem.PYPI:
        for affixed in (f"python-{word}", f"py{word}", f"{word}-python"):
            yield affixed, "its usual PyPI spelling"
    else:
        for affixed in (f"{word}js", f"{word}.js", f"node-{word}"):
            yield affixed, "its usual npm spelling"


def _more_popular(dist: str, rank: int | None, eco: Ecosystem) -> bool:
    """`dist` is on the popular list and ranks above `rank` (None: not popular at all)."""
    from .popular import popular_rank

    r = popular_rank(dist, eco)
    return r is not None and (rank is None or r < rank)


def _versioned_sibling(name: str, rank: int, eco: Ecosystem) -> tuple[str, int] | None:
    """A more popular `name` + version digit (beautifulsoup -> beautifulsoup4, boto -> boto3): the
    old name of a renamed project is rarely what a description of it means."""
    from .popular import popular_rank

    best = None
    for d in "0123456789":
        r = popular_rank(f"{name}{d}", eco)
        if r is not None and r < (best[1] if best else rank):
            best = (f"{name}{d}", r)
    return best


def _spelled(name: str, eco: Ecosystem) -> str:
    """The popular list's own spelling of a normalised name."""
    from .popular import popular_names

    names = popular_names(eco)
    key = (eco, id(names))
    if _SPELLING.get(key, (None,))[0] is not names:
        table = {}
        for n in names:
            table.setdefault(normalize_name(n, eco), n)
        _SPELLING[key] = (names, table)
    return _SPELLING[key][1].get(normalize_name(name, eco), name)


_SPELLING: dict = {}
