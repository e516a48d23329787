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
""".split())


@dataclass(frozen=True)
class Suggestion:
    name: str
    kind: str  # "import-name" | "typo" | "project-token" | "edit-distance"
    reason: str


def suggest(name: str, ecosystem, match=None) -> Suggestion | None:
    """The package `name` most likely meant, or None when nothing is clear.

    `match`: the typosquat match already computed for `name` (heuristics.typosquat.SquatMatch).
    """
    from .popular import popular_rank

    eco = Ecosystem.parse(ecosystem)
    if popular_rank(name, eco) is not None:
        return None
    if eco is Ecosystem.PYPI and (dist := _import_dist(name)):
        return Suggestion(dist, "import-name", f"`import {name}` comes from the distribution {dist!r}")
    if match is None:
        from .typosquat import match_typosquat

        match = match_typosquat(name, eco)[0]
    if (hit := _project_token(name, eco)):  # a project named verbatim beats a near miss
        return hit
    if match is not None and match.kind != "combosquat":
        return Suggestion(match.target, "typo", f"a near miss of {match.target!r} ({match.kind.replace('-', ' ')})")
    if match is not None:
        return Suggestion(match.target, "project-token", f"{match.target!r} plus filler words")
    return _closest(name, eco)


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
    for i in range(len(toks)):
        for j in range(i + 1, len(toks) + 1):
            rest = toks[:i] + toks[j:]
            if not rest or any(t not in DESCRIPTIVE and not t.isdigit() for t in rest):
                continue
            run = toks[i:j]
            for cand, how in _spellings(run, eco):
                rank = popular_rank(cand, eco)
                dist = _import_dist(cand) if eco is Ecosystem.PYPI else None
                if rank is None and dist:
                    cand, rank, how = dist, popular_rank(dist, eco), f"`import {cand}` comes from {dist!r}"
                if rank is None or (len(cand) < 3):
                    continue
                key = (j - i, -rank)
                if best is None or key > best[0]:
                    what = f"the project {cand!r} plus descriptive words ({', '.join(rest)})"
                    best = (key, Suggestion(_spelled(cand, eco), "project-token", f"{what}; {how}" if how else what))
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


def _closest(name: str, eco: Ecosystem) -> Suggestion | None:
    """A popular name one edit away (two for long names), when exactly one is that close."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from .typosquat import reference_names

    q = normalize_name(name, eco)
    ref = reference_names(eco)
    limit = 1 if len(q) < 8 else 2
    if len(q) < 5:
        return None
    hits = process.extract(q, ref, scorer=OSA.distance, score_cutoff=limit, limit=3,
                           processor=lambda s: normalize_name(s, eco))
    if not hits:
        return None
    best = min(h[1] for h in hits)
    top = [h for h in hits if h[1] == best]
    if len(top) > 1 and best > 1:
        return None  # two equally close projects: no clear intent
    cand = min(top, key=lambda h: h[2])[0]
    return Suggestion(cand, "edit-distance", f"{cand!r} is {best} edit{'s' if best > 1 else ''} away")
