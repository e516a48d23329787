"""`check` on what people have: requirement files, manifests, lockfiles and free text.

Dependencies come from `inputs` (the one reader set and the one command grammar); each is
checked once per (name, ecosystem, version) through `check.check_records`, and every record
carries where it came from (`source`, `line`, `via`, `kind`, DESIGN 4.1). Names a name check
cannot judge (URLs, VCS refs, local paths, invalid names) get a record with `risk: null`,
`checked: false` and the reason in `error`, never a silent drop. Light: no pandas.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any, Callable, Iterable

from .check import COLUMNS, check_records, to_spec
from .model.scoring import RISKS
from .errors import InputError
from .inputs import Dependency, extract_commands, read_manifest

INPUT_COLUMNS = COLUMNS + ["source", "line", "via", "kind", "spec", "checked", "note"]


def dependencies_from_text(path: str) -> list[Dependency]:
    """Packages of every install command in a file ('-' = stdin)."""
    if path == "-":
        text, source = sys.stdin.read(), "<stdin>"
    else:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text, source = fh.read(), path
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    return [d for c in extract_commands(text, source=source) for d in c.packages]


def _where(dep: Dependency) -> dict[str, Any]:
    return {"source": dep.source, "line": dep.line, "via": dep.via, "kind": dep.kind, "spec": dep.spec,
            "note": dep.note}


def unchecked_record(dep: Dependency, reason: str) -> dict[str, Any]:
    rec = {c: None for c in COLUMNS}
    rec.update(name=dep.name, ecosystem=dep.ecosystem, similar_to=[], indicators=[], version=dep.version,
               error=f"not checked: {reason}", checked=False, **_where(dep))
    return rec


def check_dependencies(deps: Iterable[Dependency], *, offline: bool = False, workers: int = 8,
                       progress: Callable[[int, int], None] | None = None, model=None,
                       policy=None) -> list[dict[str, Any]]:
    """One check record per Dependency, in order, with source/line/via. Shared look-ups.
    `policy` (policy.Policy): internal names, min-age, ignores."""
    deps = list(deps)
    specs, slots = [], []
    out: list[dict[str, Any] | None] = [None] * len(deps)
    for i, dep in enumerate(deps):
        if not dep.checkable:
            out[i] = unchecked_record(dep, dep.note or "not a registry package name")
            continue
        try:
            spec = to_spec({"name": dep.name, "ecosystem": dep.ecosystem, "version": dep.version})
        except InputError as exc:
            out[i] = unchecked_record(dep, str(exc))
            continue
        specs.append(spec)
        slots.append(i)
    if specs:
        records = check_records(specs, offline=offline, workers=workers, progress=progress, model=model,
                                policy=policy)
        for i, rec in zip(slots, records):
            out[i] = {**rec, "checked": True, **_where(deps[i])}
    return [r for r in out if r is not None]


# ------------------------------------------------------------------ progress and output
def progress_bar(stream=None, width: int = 30) -> Callable[[int, int], None] | None:
    """A one-line bar on a terminal's stderr; None (quiet) when stderr is not a TTY."""
    stream = stream or sys.stderr
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = int(width * done / total) if total else width
        stream.write(f"\rchecking [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            stream.write("\r" + " " * (width + 30) + "\r")
        stream.flush()
    return show


def _risk_key(rec: dict) -> tuple:
    risk = rec.get("risk")
    return (-(RISKS.index(risk) if risk in RISKS else -1), rec.get("line") or 0, rec["name"])


def format_grouped_table(records: list[dict[str, Any]]) -> str:
    """One block per source file; inside it, the riskiest first (then unchecked, by line)."""
    from .report import align, cell

    cols = ["line", "name", "version", "via", "risk", "score", "typosquat_of", "indicators"]
    by_file: dict[str, list[dict]] = {}
    for r in records:
        by_file.setdefault(r.get("source") or "(command line)", []).append(r)
    blocks = []
    for source, recs in by_file.items():
        counts = Counter(r.get("risk") or "unchecked" for r in recs)
        summary = ", ".join(f"{counts[k]} {k}" for k in ("high", "medium", "low", "unchecked") if counts[k])
        rows = []
        for r in sorted(recs, key=_risk_key):
            row = dict(r)
            row["indicators"] = ",".join(i["id"] for i in r.get("indicators") or []) or (
                r.get("error") or "-")
            row["risk"] = r.get("risk") or "unchecked"
            rows.append([cell(row.get(c)) for c in cols])
        blocks.append(f"== {source}: {len(recs)} packages ({summary})\n" + align(cols, rows))
    return "\n\n".join(blocks)


def collect(args) -> tuple[list, list[Dependency]]:
    """(plain name items, dependencies from files) for `check`'s arguments."""
    import os

    from .inputs.manifests import format_by_name

    names, deps = [], []
    for item in args.names:
        fmt = format_by_name(item) if os.path.isfile(item) else None
        if fmt == "text":  # an existing answer.md / script / Dockerfile / notebook: its install commands
            deps += dependencies_from_text(item)
        elif fmt:
            deps += read_manifest(item, fmt=fmt)
        else:
            names.append(item)
    for path in getattr(args, "requirements", None) or []:
        deps += read_manifest(path, fmt="requirements")
    for path in getattr(args, "text", None) or []:
        deps += dependencies_from_text(path)
    return names, deps


def cli_check_files(args, names: list, deps: list[Dependency], *, policy=None,
                    changes: list[str] | None = None) -> int:
    """`check` with -r / --text / manifest arguments (or --only-new, whose `changes` say added or
    bumped per dependency): grouped table, or JSON/CSV/SARIF with source and line."""
    from .check import emit
    from .policy import Policy, apply_ignores

    for item in names:  # plain names given alongside files: checked too, without a source
        spec = to_spec(item, args.ecosystem)
        deps.append(Dependency(name=str(spec) if spec.is_local else spec.name, ecosystem=spec.ecosystem.value,
                               version=spec.version))
    if not deps:
        print("no packages found in the given files", file=sys.stderr)
    progress = progress_bar()  # stderr, and only on a terminal: stdout stays clean for JSON/CSV
    policy = policy or Policy()
    records = check_dependencies(deps, offline=args.offline, workers=args.workers, progress=progress, policy=policy)
    apply_ignores(records, policy)  # unchecked records too: an ignore covers a name, checked or not
    for rec, change in zip(records, changes or ()):
        rec["change"] = change
    code = emit(args, records, policy, table=format_grouped_table,
                columns=INPUT_COLUMNS + (["change"] if changes is not None else []))
    unchecked = sum(1 for r in records if not r["checked"])
    if unchecked:
        print(f"{unchecked} of {len(records)} entries could not be checked by name (see `error`)", file=sys.stderr)
    return code
