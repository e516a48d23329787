"""Why a check record or scan result got its risk, in words: one home for the browser chip's
tooltip (native host), the MCP server's `explain` tool and anything else that shows a verdict
to a person. Reads indicator meanings from `indicators.REGISTRY`; standard library only (the
native host imports it to answer `check`).
"""

from __future__ import annotations

from typing import Any

from .indicators import REGISTRY, rank

MAX_REASONS = 3


def ranked(indicators: list) -> list[dict]:
    """The indicator dicts in the one display order (indicators.rank)."""
    return rank([i for i in indicators if isinstance(i, dict)])


def indicator_reason(ind: dict, record: dict | None = None) -> str:
    """One short phrase for one indicator: 'typosquat of requests', 'does not exist - did you
    mean X?', 'runs install scripts (postinstall: node x.js)' ..."""
    record = record or {}
    iid, evidence = ind.get("id", "?"), (ind.get("evidence") or "").strip()
    extra = ind.get("extra") or {}
    if iid == "typosquat":
        target = extra.get("target") or record.get("typosquat_of")
        return f"typosquat of {target}" if target else f"typosquat: {evidence}"
    if iid == "established_neighbour" and extra.get("target"):
        return f"near {extra['target']}, but {extra.get('history') or 'long established'}"
    if iid == "not_found":
        text = f"does not exist on {record.get('ecosystem') or 'the registry'}"
        guess = record.get("suggestion") or next(iter(record.get("similar_to") or []), None)
        return f"{text} - did you mean {guess}?" if guess else text
    if iid.startswith("known_malicious"):
        return f"known malicious: {evidence}" if evidence else "known malicious"
    if iid == "install_scripts":
        scripts = extra.get("scripts") or {}
        shown = "; ".join(f"{k}: {v[:80]}" for k, v in scripts.items()) if isinstance(scripts, dict) else ""
        shown = shown or evidence.removeprefix("runs at install: ")
        return f"runs install scripts ({shown})" if shown else "runs install scripts"
    spec = REGISTRY.get(iid)
    if evidence:
        return f"{iid.replace('_', ' ')}: {evidence}"
    return spec.description if spec else iid


def reason(record: dict) -> str:
    """The tooltip line for a check record: the top reasons, or why there are none."""
    if record.get("risk") is None and record.get("error"):
        return f"not checked: {record['error']}"
    inds = ranked(record.get("indicators") or [])
    if inds:
        parts = [indicator_reason(i, record) for i in inds[:MAX_REASONS]]
        more = len(inds) - MAX_REASONS
        return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")
    if record.get("exists") is True:
        return f"exists on {record.get('ecosystem')}; no warning signs"
    if record.get("error"):
        return f"no warning signs in the name ({record['error']})"
    return "no warning signs"


def explain(result: dict) -> dict[str, Any]:
    """Indicators of a check record, a scan result (DESIGN 4.1) or an MCP scan report, with
    their registry meaning, most influential first."""
    verdict = result.get("verdict") or {}
    package = result.get("package") or {}
    name = result.get("name") or package.get("name")
    ecosystem = result.get("ecosystem") or package.get("ecosystem")
    risk = result.get("risk") or verdict.get("risk")
    score = result["score"] if "score" in result else verdict.get("probability", result.get("probability"))
    rows = []
    for ind in ranked(result.get("indicators") or []):
        spec = REGISTRY.get(ind.get("id", ""))
        rows.append({
            "id": ind.get("id"),
            "severity": ind.get("severity"),
            "source": ind.get("source") or (spec.source if spec else None),
            "weight": ind.get("weight"),
            "phase": ind.get("phase"),
            "evidence": ind.get("evidence") or "",
            "meaning": spec.description if spec else "not a declared indicator id",
            "reason": indicator_reason(ind, result),
        })
    summary = reason({**result, "name": name, "ecosystem": ecosystem, "risk": risk})
    return {"name": name, "ecosystem": ecosystem, "risk": risk, "score": score,
            "summary": summary, "indicators": rows}


__all__ = ["reason", "explain", "indicator_reason", "ranked"]
