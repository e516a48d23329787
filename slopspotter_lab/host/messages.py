"""The native messaging requests (DESIGN 4.3): ping, check, check-text, deep-scan.

Handlers take the decoded message dict and return the reply dict; a bad message raises
MessageError, which the host turns into `{"success": false, "error": ...}`. Nothing heavy is
imported at module level: ping and check must not load pandas, Docker or libvirt.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
from typing import Any, Callable

from .. import __version__

log = logging.getLogger(__name__)

NOT_AVAILABLE = "Deep scan not available; heuristic only."
MAX_CHECK_PACKAGES = 500
MAX_TEXT_CHARS = 1_000_000  # a check-text body larger than this is refused (pages send blocks)

_LANGUAGES = {
    "python": "pypi", "py": "pypi", "pypi": "pypi", "pip": "pypi",
    "javascript": "npm", "js": "npm", "node": "npm", "nodejs": "npm", "npm": "npm",
    "typescript": "npm", "ts": "npm",
}
_DISPLAY = {"pypi": "Python", "npm": "JavaScript"}


class MessageError(ValueError):
    """The message is well-framed JSON but not a valid request."""


def _field(msg: dict, key: str, kind: type | tuple, required: bool = True, default: Any = None) -> Any:
    """Fetch msg[key] checking its JSON type; MessageError names the field and the expected type."""
    if key not in msg or msg[key] is None:
        if required:
            raise MessageError(f"missing field {key!r}")
        return default
    value = msg[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in kinds):
        raise MessageError(f"field {key!r} must be {_kind_name(kind)}, not {type(value).__name__}")
    return value


def _kind_name(kind: type | tuple) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number"}
    return " or ".join(dict.fromkeys(names.get(k, k.__name__) for k in kinds))


# ---------------------------------------------------------------- ping

def cheap_backends() -> list[str]:
    """Backends that look usable, judged from sockets and executables only (no SDK imports)."""
    found = []
    if os.environ.get("DOCKER_HOST") or os.path.exists("/var/run/docker.sock") or shutil.which("docker"):
        found.append("docker")
    if shutil.which("virsh") or os.path.exists("/var/run/libvirt/libvirt-sock"):
        found.append("libvirt")
    return found


_MODEL_CACHE: dict[str, Any] = {}


def model_info() -> dict[str, Any]:
    """What the ping reports about the scoring model (loaded once, standard library only)."""
    if "info" not in _MODEL_CACHE:
        try:
            scoring = importlib.import_module("slopspotter_lab.model.scoring")
            model = scoring.load_model()
            info = {"loaded": True, **model.summary()}
            held_out = (model.doc.get("metrics") or {}).get("held_out") or {}
            info["metrics"] = {k: v for k, v in held_out.items() if isinstance(v, (int, float))}
            _MODEL_CACHE["info"] = info
        except Exception as exc:  # the host still answers; check may then fail per message
            _MODEL_CACHE["info"] = {"loaded": False, "error": f"{type(exc).__name__}: {exc}"}
    return _MODEL_CACHE["info"]


def handle_ping(msg: dict) -> dict:
    return {
        "success": True,
        "version": __version__,
        "backends": cheap_backends(),
        "model": model_info(),
        "deepScanLanguages": sorted(set(_DISPLAY.values())),
    }


# ---------------------------------------------------------------- check

def _package_list(msg: dict) -> list[tuple[str, str]]:
    packages = _field(msg, "packages", list)
    if not packages:
        raise MessageError("'packages' is empty")
    if len(packages) > MAX_CHECK_PACKAGES:
        raise MessageError(f"{len(packages)} packages in one check (limit {MAX_CHECK_PACKAGES})")
    default_eco = _field(msg, "ecosystem", str, required=False, default="pypi")
    out = []
    for i, item in enumerate(packages):
        if isinstance(item, str):
            out.append((item, default_eco))
        elif isinstance(item, dict):
            name = item.get("name")
            eco = item.get("ecosystem") or item.get("language") or default_eco
            if not isinstance(name, str) or not isinstance(eco, str):
                raise MessageError(f"packages[{i}]: 'name' and 'ecosystem' must be strings")
            out.append((name, eco))
        else:
            raise MessageError(f"packages[{i}] must be an object {{name, ecosystem}} or a string")
    return out


def _error_record(name: str, ecosystem: str, error: str) -> dict:
    return {"name": name, "ecosystem": ecosystem, "exists": None, "typosquat_of": None,
            "similar_to": [], "risk": None, "score": None, "indicators": [], "error": error}


def handle_check(msg: dict) -> dict:
    """Heuristic check of many names; names that fail validation get a per-record error."""
    from .. import config
    from ..ecosystems import Ecosystem, validate_name
    from ..errors import InputError

    pairs = _package_list(msg)
    offline = _field(msg, "offline", bool, required=False, default=False)
    results: list[dict | None] = [None] * len(pairs)
    groups: dict[Ecosystem, list[int]] = {}
    for i, (name, eco_text) in enumerate(pairs):
        try:
            eco = Ecosystem.parse(eco_text)
            validate_name(name, eco)
        except InputError as exc:
            results[i] = _error_record(name, eco_text, str(exc))
            continue
        groups.setdefault(eco, []).append(i)
    if groups:
        check = importlib.import_module("slopspotter_lab.check")
        for eco, idx in groups.items():
            records = check.check_records([pairs[i][0] for i in idx], eco,
                                          offline=offline or config.offline(), workers=8)
            for i, rec in zip(idx, records):
                results[i] = rec
    from ..explain import reason

    for rec in results:
        rec["reason"] = reason(rec)
    return {"success": True, "results": results}


def handle_check_text(msg: dict) -> dict:
    """Extract install commands from free text with the project's one grammar, check every
    package they name; each result carries the command it came from (DESIGN 4.3)."""
    from ..inputs import extract_commands

    text = _field(msg, "text", str)
    if len(text) > MAX_TEXT_CHARS:
        raise MessageError(f"'text' has {len(text)} characters (limit {MAX_TEXT_CHARS})")
    only = _field(msg, "ecosystem", str, required=False)
    if only is not None and only not in ("pypi", "npm"):
        raise MessageError(f"'ecosystem' must be pypi or npm, not {only!r}")
    offline = _field(msg, "offline", bool, required=False, default=False)
    commands, origins = [], []
    for cmd in extract_commands(text):
        if only and cmd.ecosystem != only:
            continue
        ref = {"tool": cmd.tool, "ecosystem": cmd.ecosystem, "line": cmd.line, "text": cmd.text,
               "notes": list(cmd.notes)}
        commands.append(ref)
        origins.extend((ref, dep) for dep in cmd.packages)
    checkable = [dep for _, dep in origins if dep.checkable]
    if len(checkable) > MAX_CHECK_PACKAGES:
        raise MessageError(f"{len(checkable)} packages in one text (limit {MAX_CHECK_PACKAGES})")
    checked = iter(handle_check({"packages": [{"name": d.name, "ecosystem": d.ecosystem} for d in checkable],
                                 "offline": offline})["results"] if checkable else [])
    results = []
    for ref, dep in origins:
        if dep.checkable:
            rec = next(checked)
        else:  # a URL, path or VCS requirement: named, but not a registry name to check
            rec = _error_record(dep.name, dep.ecosystem, dep.note or "not a registry package")
            from ..explain import reason

            rec["reason"] = reason(rec)
        rec["command"] = {k: ref[k] for k in ("tool", "line", "text")}
        if dep.spec:
            rec["spec"] = dep.spec
        results.append(rec)
    return {"success": True, "commands": commands, "results": results}


# ---------------------------------------------------------------- deep-scan

def language_to_ecosystem(language: str) -> str | None:
    return _LANGUAGES.get(language.strip().lower())


_scan_override: Callable | None = None


def use_scan(fn: Callable | None) -> None:
    """Make `fn` the deep-scan function of this process (a server started with main(scan=...);
    tests pass a fake). None restores slopspotter_lab.scan.scan."""
    global _scan_override
    _scan_override = fn


def scan_function() -> Callable:
    """The deep-scan function: slopspotter_lab.scan.scan unless use_scan() set another."""
    if _scan_override is not None:
        return _scan_override
    from ..scan import scan

    return scan


def _as_dict(result: Any) -> dict:
    if isinstance(result, dict):
        return result
    return result.to_dict()


def to_extension_result(scan: dict, package: str, language: str) -> dict:
    """Map scan JSON (DESIGN 4.1) to the shape the extension reads (DESIGN 4.3)."""
    from ..report import scan_lists

    verdict = scan.get("verdict") or {}
    lists = scan_lists(scan)
    return {
        "packageName": package,
        "language": language,
        "isMalicious": bool(verdict.get("is_malicious")),
        "confidence": float(verdict.get("probability") or 0.0),
        "riskLevel": verdict.get("risk"),
        "indicators": lists["indicators"],
        "indicatorDetails": lists["indicator_details"],
        "networkConnections": lists["network"],
        "fileOperations": lists["files"],
        "processSpawns": lists["processes"],
        "backend": scan.get("backend"),
        "error": scan.get("error"),
    }


def run_deep_scan(package: str, language: str, timeout: float = 120.0, backend: str = "auto",
                  progress: Callable[[str], None] | None = None) -> dict:
    """Scan one package and return the extension-shaped reply (runs in a worker thread);
    `progress(stage)` is called as the scan moves on (metadata, prefetch, sandbox, parse)."""
    eco = language_to_ecosystem(language)
    if eco is None:
        return {"success": False, "error": NOT_AVAILABLE, "heuristicOnly": True}
    from ..ecosystems import validate_name
    from ..errors import InputError

    try:
        validate_name(package, eco)
    except InputError as exc:
        return {"success": False, "error": str(exc)}
    try:
        kwargs = {"progress": progress} if progress else {}
        found = _as_dict(scan_function()(package, ecosystem=eco, backend=backend, timeout=timeout, **kwargs))
    except Exception as exc:
        log.exception("deep scan of %s failed", package)
        return {"success": False, "error": f"deep scan failed: {type(exc).__name__}: {exc}"}
    result = to_extension_result(found, package, _DISPLAY[eco])
    if result["error"] and not found.get("verdict"):
        return {"success": False, "error": result["error"], "result": result}
    return {"success": True, "result": result}


def parse_deep_scan(msg: dict) -> dict:
    """Validate a deep-scan request before it is queued; returns run_deep_scan's kwargs."""
    package = _field(msg, "packageName", str)
    language = _field(msg, "language", str, required=False, default="Python")
    vm_image = _field(msg, "vmImagePath", str, required=False)
    timeout = _field(msg, "timeout", (int, float), required=False, default=120.0)
    progress = _field(msg, "progress", bool, required=False, default=False)
    if not package.strip():
        raise MessageError("'packageName' is empty")
    if not 0 < timeout <= 3600:
        raise MessageError("'timeout' must be between 0 and 3600 seconds")
    return {"package": package.strip(), "language": language, "timeout": float(timeout),
            "backend": "libvirt" if vm_image else "auto", "progress": progress}


HANDLERS: dict[str, Callable[[dict], dict]] = {"ping": handle_ping, "check": handle_check,
                                              "check-text": handle_check_text}
ASYNC_TYPES = {"deep-scan", "deep_scan", "deepScan"}
