"""SARIF 2.1.0 for `check` and `scan`: results where reviewers already look (code scanning).

One rule per indicator id, straight from the one registry (indicators.REGISTRY: description,
default severity, source). One result per indicator of each package that is at least
`min_risk` risky (or carries a fact such as `known_malicious`), located at the manifest file and
line the name came from (`source`, `line` of the record) or, for names given on the command
line, at a logical location `ecosystem/name`. Probability and risk ride in the result's
properties; an ignored package keeps its results with an external suppression and the reason.

Entry point: `sarif_log(records, ...) -> dict` (records are check records, or scan JSON documents
through `scan_records`).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable

from . import __version__
from .indicators import REGISTRY, SEVERITY_RANK

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# GitHub code scanning reads properties.security-severity (a CVSS-like 0-10 string) for its ranking
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
ROOT_ID = "%SRCROOT%"


def _camel(ind_id: str) -> str:
    return "".join(part.capitalize() for part in ind_id.split("_"))


def rules() -> list[dict[str, Any]]:
    """reportingDescriptor per registered indicator id, in registry order."""
    out = []
    for spec in REGISTRY.values():
        out.append({
            "id": spec.id,
            "name": _camel(spec.id),
            "shortDescription": {"text": spec.description},
            "fullDescription": {"text": f"{spec.description} (source: {spec.source}; default severity: {spec.severity})"},
            "defaultConfiguration": {"level": LEVEL[spec.severity]},
            "help": {"text": spec.description},
            "properties": {"tags": ["security", "supply-chain", spec.source],
                           "security-severity": SECURITY_SEVERITY[spec.severity],
                           "severity": spec.severity, "source": spec.source},
        })
    return out


def _uri(source: str, base: Path) -> tuple[str, str | None]:
    """(uri, uriBaseId): relative to the source root when the file is inside it, else a file URI."""
    path = Path(source)
    if not path.is_absolute():
        path = Path.cwd() / path  # relative to where the command ran, which may be below the root
    try:
        return path.resolve().relative_to(base.resolve()).as_posix(), ROOT_ID
    except ValueError:
        return path.resolve().as_uri(), None


_FILE_LINE = re.compile(r"^(?P<file>[^\s:()]+)(?: \([^)]*\))?:(?P<line>\d+)\b")  # "setup.py:11 ...", "package.json (script):1 ..."


def _in_tree(rec: dict[str, Any], ind: dict[str, Any] | None) -> tuple[str, int] | None:
    """(file, line) of a static finding inside a scanned source directory, from its evidence."""
    source = rec.get("source")
    if not ind or not source or not Path(str(source)).is_dir():
        return None
    m = _FILE_LINE.match(ind.get("evidence") or "")
    if not m or not (Path(str(source)) / m["file"]).is_file() or ".." in Path(m["file"]).parts:
        return None
    return str(Path(str(source)) / m["file"]), int(m["line"])


def _location(rec: dict[str, Any], base: Path, ind: dict[str, Any] | None = None) -> dict[str, Any]:
    name, eco = rec.get("name") or "?", rec.get("ecosystem") or "pypi"
    logical = [{"name": name, "fullyQualifiedName": f"{eco}/{name}", "kind": "package"}]
    if not rec.get("source") or str(rec["source"]).startswith("<"):  # no file: command line, <stdin>
        return {"logicalLocations": logical}
    source, line = _in_tree(rec, ind) or (str(rec["source"]), rec.get("line"))
    uri, base_id = _uri(source, base)
    artifact = {"uri": uri, **({"uriBaseId": base_id} if base_id else {})}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if isinstance(line, int) and line >= 1:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical, "logicalLocations": logical}


def _fingerprint(rec: dict[str, Any], ind_id: str) -> str:
    key = "\0".join(str(rec.get(k) or "") for k in ("ecosystem", "name", "version", "source")) + "\0" + ind_id
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _reported(rec: dict[str, Any], min_risk: str) -> bool:
    from .policy import GATE_IDS

    if any(i.get("id") in GATE_IDS for i in rec.get("indicators") or []):
        return True
    from .model.scoring import risk_reaches

    return risk_reaches(rec.get("risk"), min_risk)


def results(records: Iterable[dict[str, Any]], *, base: Path, min_risk: str = "medium") -> list[dict[str, Any]]:
    index = {rid: n for n, rid in enumerate(REGISTRY)}
    out = []
    for rec in records:
        if not _reported(rec, min_risk):
            continue
        name, eco, version = rec.get("name"), rec.get("ecosystem"), rec.get("version")
        what = f"{name}{'==' if eco == 'pypi' else '@'}{version}" if version else str(name)
        for ind in rec.get("indicators") or []:
            ind_id, severity = ind.get("id"), ind.get("severity") or "medium"
            if ind_id not in index or SEVERITY_RANK.get(severity, 2) < SEVERITY_RANK["low"]:
                continue  # info-level context (registry_unreachable) is not a finding
            res: dict[str, Any] = {
                "ruleId": ind_id, "ruleIndex": index[ind_id], "level": LEVEL.get(severity, "warning"),
                "message": {"text": f"{what} ({eco}): {ind.get('evidence') or REGISTRY[ind_id].description} "
                                    f"[risk {rec.get('risk')}, probability {rec.get('score')}]"},
                "locations": [_location(rec, base, ind)],
                "partialFingerprints": {"slopspotterPackageIndicator/v1": _fingerprint(rec, ind_id)},
                "properties": {k: v for k, v in {
                    "package": name, "ecosystem": eco, "version": version, "probability": rec.get("score"),
                    "risk": rec.get("risk"), "severity": severity, "via": rec.get("via"),
                    "typosquat_of": rec.get("typosquat_of"), "suggestion": rec.get("suggestion"),
                    "advisories": (ind.get("extra") or {}).get("advisories"),
                    "security-severity": SECURITY_SEVERITY.get(severity)}.items() if v is not None},
            }
            if rec.get("ignored"):
                ign = rec["ignored"]
                res["suppressions"] = [{"kind": "external", "status": "accepted",
                                        "justification": ign.get("reason") + (f" (until {ign['until']})" if ign.get("until") else "")}]
            out.append(res)
    return out


def sarif_log(records: Iterable[dict[str, Any]], *, base: str | Path | None = None, min_risk: str = "medium",
              notifications: Iterable[str] = (), command_line: str | None = None) -> dict[str, Any]:
    """A complete SARIF 2.1.0 log with one run. `base`: the source root locations are relative to."""
    root = Path(base or Path.cwd()).resolve()
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notes = [{"level": "warning", "message": {"text": n}} for n in notifications]
    if notes:
        invocation["toolExecutionNotifications"] = notes
    if command_line:
        invocation["commandLine"] = command_line
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "slopspotter-lab", "version": __version__,
                                **({"semanticVersion": __version__} if re.fullmatch(r"\d+\.\d+\.\d+", __version__) else {}),
                                "rules": rules()}},
            "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri() + "/"}},
            "invocations": [invocation],
            "results": results(records, base=root, min_risk=min_risk),
            "columnKind": "unicodeCodePoints",
        }],
    }


def scan_records(docs: Iterable[dict[str, Any]], paths: Iterable[str | None] = ()) -> list[dict[str, Any]]:
    """Scan JSON documents (DESIGN 4.1) as the record shape `results` reads; `paths`: the scanned
    target per document, which locates the results when it is a local artifact or directory."""
    out = []
    targets = list(paths)
    for n, doc in enumerate(docs):
        pkg, verdict = doc.get("package") or {}, doc.get("verdict") or {}
        target = targets[n] if n < len(targets) else None
        local = pkg.get("source") == "local" and target and Path(target).exists()
        out.append({"name": pkg.get("name"), "ecosystem": pkg.get("ecosystem"), "version": pkg.get("version"),
                    "risk": verdict.get("risk"), "score": verdict.get("probability"),
                    "indicators": doc.get("indicators") or [], "source": str(Path(target).resolve()) if local else None,
                    "line": None})
    return out


def sarif_text(records: list[dict[str, Any]], notifications: Iterable[str] = ()) -> str:
    """The SARIF log of check records as text, locations relative to the git work tree (or cwd)."""
    return dumps(sarif_log(records, base=source_root(), notifications=notifications))


def scan_text(doc: dict[str, Any]) -> str:
    """The SARIF log of one scan (its JSON; `target`: the path scanned, `ignored`: the policy's)."""
    (record,) = scan_records([doc], paths=[doc.get("target")])
    if doc.get("ignored"):
        record["ignored"] = doc["ignored"]
    return dumps(sarif_log([record], base=source_root()))


def source_root() -> Path:
    """Where SARIF locations are relative to: the git work tree when there is one, else the cwd."""
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return Path.cwd()


def dumps(log: dict[str, Any]) -> str:
    """JSON text; drops the None values the builder leaves for optional fields."""
    def clean(x):
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items() if v is not None}
        if isinstance(x, list):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(log), indent=1)


def _register() -> None:
    from .report import Format, register

    register(Format("sarif", checks=sarif_text, scan=scan_text))


_register()
