"""`check`: fast heuristic verdicts for package names (no sandbox), as records or a DataFrame.

Every name is validated first (ecosystems.parse_spec) before anything is fetched; an invalid
or failing name becomes an error row (risk high, `error` says why) and never fails the call or
the batch. Registry look-ups run concurrently; the rest is cheap. This module must not import pandas at import time: the native host uses
`check_records`.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterable, Mapping

from ._callable import make_module_callable
from .ecosystems import Ecosystem, PackageSpec, parse_spec
from .errors import InputError
from .indicators import as_dicts, rank
from .report import render_checks

log = logging.getLogger(__name__)

COLUMNS = ["name", "ecosystem", "exists", "typosquat_of", "similar_to", "risk", "score", "indicators",
           "version", "suggestion", "error", "suggestion_reason"]


def to_spec(item: Any, ecosystem: "str | Ecosystem" = "pypi") -> PackageSpec:
    """A name string, a PackageSpec, or a mapping {name, ecosystem?, version?} -> PackageSpec."""
    if isinstance(item, PackageSpec):
        return item
    if isinstance(item, Mapping):
        eco = item.get("ecosystem") or ecosystem
        version = item.get("version") or None
        return parse_spec(str(item.get("name") or ""), eco, version=str(version) if version else None)
    return parse_spec(item, ecosystem)


def check_one(spec: PackageSpec, *, offline: bool = False, model=None, policy=None) -> dict[str, Any]:
    """The contract record for one validated spec (`policy`: internal names, min-age; policy.py)."""
    from .heuristics import analyze
    from .model.scoring import load_model

    meta, error = None, None
    if policy is not None and not spec.is_local and policy.is_internal(spec.name, spec.ecosystem.value):
        from .policy import check_internal

        return check_internal(spec, policy, offline=offline)
    if spec.is_local:
        report = analyze(spec, None, spec.path, offline=offline)
        exists = None
    else:
        from .registry import fetch_metadata

        meta = fetch_metadata(spec, offline=offline)
        report = analyze(spec, meta, None, offline=offline)
        exists, error = meta.exists, meta.error
        if policy is not None:
            from .policy import release_age_indicator

            too_new = release_age_indicator(meta, policy)
            report.indicators += [too_new] if too_new else []
    score = (model or load_model()).score(report.indicators, dynamic=False)
    indicators = rank(score.annotate(report.indicators))
    return {
        "name": str(spec) if spec.is_local else spec.name,
        "ecosystem": spec.ecosystem.value,
        "exists": exists,
        "typosquat_of": report.typosquat_of,
        "similar_to": report.similar_to,
        "risk": score.risk,
        "score": round(score.probability, 4),
        "indicators": as_dicts(indicators),
        "version": (meta.version if meta is not None and meta.exists else spec.version),
        "suggestion": report.suggestion,
        "error": error,
        "suggestion_reason": report.suggestion_reason,
    }


def error_record(item: Any, ecosystem: "str | Ecosystem", error: str) -> dict[str, Any]:
    """The row of a name that could not be checked: fails closed (risk high, no score)."""
    name = item.get("name") if isinstance(item, Mapping) else item
    eco = item.get("ecosystem") if isinstance(item, Mapping) and item.get("ecosystem") else ecosystem
    try:
        eco = Ecosystem.parse(eco).value
    except InputError:
        eco = str(eco)
    return {"name": str(name) if name is not None else "", "ecosystem": eco, "exists": None,
            "typosquat_of": None, "similar_to": [], "risk": "high", "score": None, "indicators": [],
            "version": None, "suggestion": None, "error": error, "suggestion_reason": None}


def _safe_spec(item: Any, ecosystem) -> "PackageSpec | dict[str, Any]":
    """to_spec, or the error row of an invalid name (one bad name never fails the batch)."""
    try:
        return to_spec(item, ecosystem)
    except InputError as exc:
        return error_record(item, ecosystem, f"invalid input: {exc}")


def check_records(names: Iterable, ecosystem: "str | Ecosystem" = "pypi", *, offline: bool = False,
                  workers: int = 8, progress: Callable[[int, int], None] | None = None,
                  model=None, policy=None) -> list[dict[str, Any]]:
    """Check names (strings, specs or {name, ecosystem, version} dicts); records in input order.

    `progress(done, total)` is called as results arrive. Repeated names are looked up once.
    `policy` (policy.Policy): internal names, min-age, ignores; facts and policy violations
    (policy.GATE_IDS) make a record high risk whatever the score.
    """
    from .advisories import prefetch
    from .model.scoring import load_model
    from .policy import apply_ignores, raise_for_gates

    items = [_safe_spec(item, ecosystem) for item in names]  # all validated before any look-up
    specs = [s for s in items if isinstance(s, PackageSpec)]
    model = model or load_model()
    unique = list(dict.fromkeys(specs))
    total, done, results = len(unique), 0, {}
    prefetch([s for s in unique if policy is None or s.is_local or not policy.is_internal(s.name, s.ecosystem.value)],
             offline=offline)  # one OSV querybatch for the whole check

    def run(spec):
        try:
            return spec, raise_for_gates(check_one(spec, offline=offline, model=model, policy=policy))
        except Exception as exc:  # noqa: BLE001 - one failing name is an error row, not a failed batch
            log.warning("check of %s failed: %s", spec, exc, exc_info=True)
            return spec, error_record({"name": str(spec), "ecosystem": spec.ecosystem}, spec.ecosystem,
                                      f"internal error: {type(exc).__name__}: {exc}")

    if offline or workers <= 1 or total <= 1:
        mapped = map(run, unique)
        pool = None
    else:
        pool = ThreadPoolExecutor(max_workers=min(workers, total), thread_name_prefix="slop-check")
        mapped = pool.map(run, unique)
    try:
        for spec, record in mapped:
            results[spec] = record
            done += 1
            if progress:
                progress(done, total)
    finally:
        if pool:
            pool.shutdown(wait=True)
    records = [dict(results[s]) if isinstance(s, PackageSpec) else s for s in items]
    return apply_ignores(records, policy) if policy is not None else records


def check(names, ecosystem: "str | Ecosystem" = "pypi", *, offline: bool = False, workers: int = 8,
          progress: Callable[[int, int], None] | None = None):
    """check_records as a pandas DataFrame with the contract columns (one row per input name)."""
    import pandas as pd

    if isinstance(names, (str, PackageSpec)):
        names = [names]
    records = check_records(names, ecosystem, offline=offline, workers=workers, progress=progress)
    df = pd.DataFrame.from_records(records, columns=COLUMNS)
    df["exists"] = df["exists"].astype("object")
    return df


# ------------------------------------------------------------------------------- CLI
def read_names_csv(path: str, ecosystem: str) -> list[dict[str, str]]:
    """Rows of a CSV with a `name` column (optional `ecosystem`, `version`)."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "name" not in reader.fieldnames:
                raise InputError(f"{path}: needs a header with a 'name' column")
            return [{"name": (r.get("name") or "").strip(), "ecosystem": (r.get("ecosystem") or "").strip() or ecosystem,
                     "version": (r.get("version") or "").strip() or None} for r in reader]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def is_manifest(item: str) -> bool:
    """A file argument that names a manifest, lockfile or text with install commands (answer.md, Dockerfile)."""
    import os

    from .inputs.manifests import format_by_name

    return os.path.isfile(item) and format_by_name(item) is not None


def cli_check(args) -> int:
    """`slopspotter-lab check`: exit 0 ran, 2 bad input, 1 when a result not ignored reaches fail-on
    (`--fail-on`, else the policy file's)."""
    from .policy import load_policy, warn_expired

    policy = load_policy(getattr(args, "config", None))
    warn_expired(policy)
    if getattr(args, "only_new", False):
        from .check_inputs import cli_check_files

        deps, changes = _only_new_deps(args)
        return cli_check_files(args, [], deps, policy=policy, changes=changes)
    if getattr(args, "base", None):
        raise InputError("--base applies to --only-new")
    if getattr(args, "requirements", None) or getattr(args, "text", None) or any(map(is_manifest, args.names)):
        from .check_inputs import cli_check_files, collect  # files: requirements, manifests, text

        names, deps = collect(args)
        return cli_check_files(args, names, deps, policy=policy)
    # a bad name typed on the command line is a usage error (exit 2, nothing fetched); rows of a
    # --from CSV are a batch: a bad row becomes an error row and the others are checked
    items: list = [to_spec(n, args.ecosystem) for n in args.names]
    if getattr(args, "from_file", None):
        items += read_names_csv(args.from_file, args.ecosystem)
    if not items:
        raise InputError("no package names given (pass NAME... or --from CSV)")
    progress = None
    if args.format == "table" and sys.stderr.isatty() and len(items) > 20:
        progress = lambda done, total: print(f"\r{done}/{total}", end="", file=sys.stderr)  # noqa: E731
    records = check_records(items, args.ecosystem, offline=args.offline, workers=args.workers, progress=progress,
                            policy=policy)
    if progress:
        print(file=sys.stderr)
    return emit(args, records, policy)


def emit(args, records: list[dict[str, Any]], policy, *, table: Callable[[list], str] | None = None,
         columns: list[str] | None = None) -> int:
    """Print records in --format through report.py (SARIF with the policy's expired-ignore notes);
    `table`/`columns`: the file view's grouped table and CSV columns. Returns the fail-on exit code."""
    from .policy import failing
    from .report import checks_csv

    if args.format == "csv":
        text = checks_csv(records, columns=columns)
    elif args.format == "sarif":
        from .sarif import sarif_text

        text = sarif_text(records, notifications=[f"ignore of {i.name} expired on {i.until}: it no longer applies"
                                                  for i in policy.expired_ignores()])
    elif args.format == "table" and table is not None:
        text = table(records) if records else ""
    else:
        text = render_checks(records, args.format)
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    for rec in records:
        if rec.get("ignored") and args.format == "table":
            print(f"ignored by the policy: {rec['name']} ({rec['ignored']['reason']})", file=sys.stderr)
    return 1 if failing(records, args.fail_on or policy.fail_on) else 0


def _only_new_deps(args) -> tuple[list, list[str]]:
    """The dependencies a change adds or re-versions, and `added` / `bumped` for each."""
    from .changes import new_dependencies

    if not args.base:
        raise InputError("--only-new needs --base REF (the git ref to compare with, e.g. origin/main)")
    found = new_dependencies(args.base, args.names or None)
    if not found:
        print("slopspotter-lab: no new or re-versioned dependencies", file=sys.stderr)
    return [c.dependency for c in found], [c.change for c in found]


make_module_callable(__name__, "check")
