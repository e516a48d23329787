"""Real malware under gVisor: deep-scan a family-stratified sample of pre-2025 MalRegistry artifacts.

    python datasets/realworld/dynamic.py [--n 120] [--workers 2] [--timeout 90] [--workdir /tmp/malreg-dev]
    python datasets/realworld/dynamic.py --summary          # the tables of docs/scan.md, from the CSV
    python datasets/realworld/dynamic.py --rescore          # risks again with the current model file
    python datasets/realworld/dynamic.py --benign           # the real benign set, scanned the same way

The benign set (`--benign`) is every package of `benign_rows.csv`: the very artifacts its static
rows were made from (the sdists `benign.py fetch` cached, sha256-checked), scanned under the same
backend, deadline and prefetch as the malware, so the dynamic rows of both classes can be set
side by side and fitted (`dynamic_benign_rows.csv`).

The sample is one artifact per family of `malware_rows.csv` (the static rows of malregistry.py:
pre-2025 artifacts only), families drawn with a fixed seed, so a rerun picks the same ones. The
artifacts are the archives malregistry.py `extract` wrote under the work directory (run it first;
`--repo` here extracts what is missing); each archive's sha256 is checked against the row.

Safety: the work directory must be outside this repository (default /tmp/malreg-dev). Each
artifact is scanned by `scan()` with the **gVisor backend only** (any other backend is refused):
network_mode none, the harness's fake network, nothing of the package runs on the host.
Prefetching its declared dependencies reads metadata statically and fetches only names on the
bundled popular PyPI list (sandbox/prefetch.py). The committed CSV holds provenance (path,
sha256), family, per-phase status and failure_reason, every indicator of the scan as
[id, severity, source] (rows the model can be fitted on, and rescored from), risks; never
malware code and never output tails (they can hold the malware's own output): those go to
`<workdir>/dynamic/results.jsonl`, outside the repository.

Resume-safe: every result is appended to the CSV (and the JSONL) as soon as it completes; a rerun
skips the paths already there. One progress line per artifact on stderr.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import malregistry  # noqa: E402

OUT = HERE / "dynamic_rows.csv"
BENIGN_OUT = HERE / "dynamic_benign_rows.csv"
# the static rows each scanned set comes from (`static_risk` and the rescore read them)
STATIC = {OUT.name: HERE / "malware_rows.csv", BENIGN_OUT.name: HERE / "benign_rows.csv"}
SEED = 20261201
BACKEND = "gvisor"
PHASES = ("install", "import", "execute")
COLUMNS = ["name", "version", "path", "sha256", "family", "backend",
           *[f"{p}_{k}" for p in PHASES for k in ("status", "reason")], "import_from_source",
           "dynamic_indicators", "indicators", "dynamic_risk", "static_risk", "combined_risk", "combined_probability",
           "deps_fetched", "deps_not_fetched", "scan_error", "seconds"]


def sample(rows: list[dict], n: int, seed: int = SEED) -> list[dict]:
    """One row per family, `n` families, chosen with a fixed seed (deterministic)."""
    by_family: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_family[r["family"]].append(r)
    rng = random.Random(seed)
    families = sorted(by_family)
    rng.shuffle(families)
    return [rng.choice(sorted(by_family[f], key=lambda r: r["path"])) for f in families[:n]]


def _indicators(cell: str) -> list:
    """[[id, severity(, source)], ...] (malware_rows.csv and this CSV) -> Indicator objects."""
    from slopspotter_lab.indicators import REGISTRY, Indicator

    return [Indicator(i[0], i[1], "", source=i[2] if len(i) > 2 else REGISTRY[i[0]].source)
            for i in json.loads(cell or "[]") if i[0] in REGISTRY]


def static_risk(indicator_cell: str) -> str:
    """The risk the model gives the row's static indicators alone (as `check` of the file would)."""
    from slopspotter_lab.model.scoring import load_model

    return load_model().score(_indicators(indicator_cell), dynamic=False).risk


def _jsonl(out: Path, workdir: Path) -> Path:
    """Where the tails of the scans written to `out` are kept (outside the repository)."""
    return workdir / "dynamic" / ("results.jsonl" if out.name == OUT.name else f"results-{out.stem}.jsonl")


def _local_phases(path: Path, workdir: Path | None = None) -> dict[str, list[dict]]:
    """The phase records with tails the scans left outside the repository (results.jsonl), by path."""
    jsonl = _jsonl(path, workdir or Path(os.environ.get("SLOPSPOTTER_MALWARE_WORKDIR") or malregistry.DEFAULT_WORKDIR))
    out: dict[str, list[dict]] = {}
    if jsonl.exists():
        for line in jsonl.read_text().splitlines():
            rec = json.loads(line)
            out[rec["path"]] = rec.get("phases") or []
    return out


def rescore(path: Path) -> None:
    """Recompute the three risks of every row with the current model file (after a refit), from
    the indicators the CSV keeps, and the failure reasons from the tails kept outside the
    repository (when they are there): no scan runs again."""
    from slopspotter_lab.model.scoring import load_model
    from slopspotter_lab.trace.phase_reasons import failure_reason

    model = load_model()
    with STATIC.get(path.name, HERE / "malware_rows.csv").open(newline="") as fh:
        static = {r["path"]: r["indicators"] for r in csv.DictReader(fh)}
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    tails = _local_phases(path)
    for r in rows:
        for phase in tails.get(r["path"], []):  # reasons again, with the current classifier
            if phase.get("name") in PHASES and r[f"{phase['name']}_status"] not in ("", "ok"):
                r[f"{phase['name']}_reason"] = failure_reason(phase) or ""
        r["static_risk"] = static_risk(static.get(r["path"], "[]"))
        if r["scan_error"] == "refused":
            continue
        inds = _indicators(r["indicators"])
        r["dynamic_risk"] = model.score([i for i in inds if i.source == "dynamic"], dynamic=True).risk
        score = model.score(inds, dynamic=True)
        r["combined_risk"], r["combined_probability"] = score.risk, round(score.probability, 4)
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"rescored {len(rows)} rows of {path.name} with model {model.version if hasattr(model, 'version') else ''}",
          file=sys.stderr)


def dynamic_risk(result) -> str:
    """The risk of what the sandbox saw, alone (the scan ran, so dynamic=True)."""
    from slopspotter_lab.model.scoring import load_model

    return load_model().score(result.dynamic_indicators, dynamic=bool(result.phases)).risk


def _error_kind(error: str | None) -> str:
    """A short class of the scan's error (its text may quote the sandbox's output: not committed)."""
    if not error:
        return ""
    for key, kind in (("deadline", "deadline"), ("no phase records", "no_phase_records"),
                      ("heuristics failed", "heuristics_failed"), ("could not copy", "copy_out_failed")):
        if key in error:
            return kind
    return "other"


def scan_one(row: dict, archive: Path, timeout: float) -> tuple[dict, dict]:
    """(committed CSV row, local JSONL record with tails) for one artifact."""
    from slopspotter_lab.errors import InputError
    from slopspotter_lab.scan import scan

    out = {c: "" for c in COLUMNS}
    out.update({k: row[k] for k in ("name", "version", "path", "sha256", "family")}, backend=BACKEND,
               static_risk=static_risk(row.get("indicators", "[]")))
    t0 = time.monotonic()
    try:
        r = scan(str(archive), ecosystem="pypi", backend=BACKEND, timeout=timeout)
    except InputError as exc:  # refused before any sandbox (no static name, not an archive pip takes)
        out.update(scan_error="refused", seconds=round(time.monotonic() - t0, 1))
        return out, {"path": row["path"], "refused": str(exc)[:300]}
    if r.backend != BACKEND:
        raise SystemExit(f"scan ran on {r.backend!r}, not {BACKEND}: stopping ({r.error})")
    for p in r.phases:
        if p.get("name") in PHASES:
            out[f"{p['name']}_status"], out[f"{p['name']}_reason"] = p.get("status"), p.get("failure_reason") or ""
            if p["name"] == "import":
                out["import_from_source"] = int(bool(p.get("source_tree")))
    deps = r.details.get("deps_prefetch") or []
    out.update(dynamic_indicators=";".join(sorted({i.id for i in r.dynamic_indicators})),
               indicators=json.dumps([[i.id, i.severity, i.source] for i in r.indicators], separators=(",", ":")),
               dynamic_risk=dynamic_risk(r), combined_risk=r.verdict.get("risk"),
               combined_probability=r.verdict.get("probability"),
               deps_fetched=sum(d.get("status") == "fetched" for d in deps),
               deps_not_fetched=sum(d.get("status") != "fetched" for d in deps),
               scan_error=_error_kind(r.error), seconds=round(time.monotonic() - t0, 1))
    local = {"path": row["path"], "phases": [{k: p.get(k) for k in ("name", "status", "failure_reason", "output_tail")}
                                             for p in r.phases],
             "deps_prefetch": deps, "error": r.error,
             "dynamic": [{"id": i.id, "phase": i.phase, "evidence": i.evidence[:200]} for i in r.dynamic_indicators]}
    return out, local


def _done(path: Path) -> set[str]:
    if not path.exists():
        return set()
    with path.open(newline="") as fh:
        return {r["path"] for r in csv.DictReader(fh)}


def _verified(path: Path | None, sha256: str) -> Path | None:
    """`path` if it is a file whose sha256 is the row's (the artifact the static row was made from)."""
    if path is None or not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
        return None
    return path


def _archive_for(workdir: Path, index: dict, row: dict) -> Path | None:
    rec = index.get(row["path"])
    return _verified(workdir / rec["archive"] if rec and rec.get("archive") else None, row["sha256"])


def _benign_archive(cache: Path, manifest: dict, row: dict) -> Path | None:
    """The cached sdist a benign static row was made from, if it is there with the row's sha256."""
    rec = manifest.get(row["name"])
    return _verified(cache / rec["file"] if rec else None, row["sha256"])


def _todo(args, workdir: Path) -> tuple[list[dict], list[tuple[dict, Path | None]]]:
    """(rows chosen, [(row, archive or None)]) of the set to scan, minus what --out already has."""
    done = _done(args.out)
    if args.benign:
        import benign

        cache = benign.cache_dir()
        manifest = json.loads((cache / "manifest.json").read_text()) if (cache / "manifest.json").exists() else {}
        with (HERE / "benign_rows.csv").open(newline="") as fh:
            chosen = list(csv.DictReader(fh))
        return chosen, [(r, _benign_archive(cache, manifest, r)) for r in chosen if r["path"] not in done]
    with (HERE / "malware_rows.csv").open(newline="") as fh:
        chosen = sample(list(csv.DictReader(fh)), args.n, args.seed)
    if args.repo and not (workdir / malregistry.INDEX).exists():
        malregistry.extract_all(malregistry.repo_path(args.repo), workdir)
    index = {d["path"]: d for d in json.loads((workdir / malregistry.INDEX).read_text())}
    return chosen, [(r, _archive_for(workdir, index, r)) for r in chosen if r["path"] not in done]


def run(args) -> int:
    from slopspotter_lab.sandbox import backend_class

    if args.backend != BACKEND:
        raise SystemExit(f"refusing backend {args.backend!r}: real malware runs under gVisor only")
    ok, why = backend_class(BACKEND).available()
    if not ok:
        raise SystemExit(f"gVisor is not available here: {why}")
    workdir = malregistry._workdir(args.workdir)  # refuses a directory inside the repository
    local_dir = workdir / "dynamic"
    local_dir.mkdir(exist_ok=True)
    chosen, todo = _todo(args, workdir)
    missing = [r["path"] for r, a in todo if a is None]
    todo = [(r, a) for r, a in todo if a is not None]
    if missing:
        print(f"{len(missing)} sampled artifacts have no archive with the row's sha256 (malware: a lone file, or "
              f"not extracted: run malregistry.py extract; benign: run benign.py fetch); skipped", file=sys.stderr)
    print(f"{len(chosen)} families sampled, {len(chosen) - len(todo) - len(missing)} already scanned, {len(todo)} to scan "
          f"with {args.workers} worker(s), {args.timeout:.0f} s each", file=sys.stderr)
    lock = threading.Lock()
    new_file = not args.out.exists()
    t0 = time.time()
    with args.out.open("a", newline="") as fh, _jsonl(args.out, workdir).open("a") as jl, \
            ThreadPoolExecutor(args.workers) as pool:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        if new_file:
            writer.writeheader()
        futures = {pool.submit(scan_one, r, a, args.timeout): r for r, a in todo}
        for k, fut in enumerate(as_completed(futures), 1):
            row = futures[fut]
            try:
                out, local = fut.result()
            except Exception as exc:  # an infrastructure failure: say so, keep the others going
                print(f"[{k}/{len(todo)}] {row['path']}: ERROR {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
                continue
            with lock:
                writer.writerow(out)
                fh.flush()
                jl.write(json.dumps(local) + "\n")
                jl.flush()
            print(f"[{k}/{len(todo)}] {row['path']}: " + " ".join(
                f"{p}={out[p + '_status'] or '-'}{'(' + out[p + '_reason'] + ')' if out[p + '_reason'] else ''}"
                for p in PHASES) + f" dyn=[{out['dynamic_indicators']}] risk {out['static_risk']}/"
                f"{out['dynamic_risk']}/{out['combined_risk']} {out['seconds']}s "
                f"(elapsed {time.time() - t0:.0f}s)", file=sys.stderr, flush=True)
    return 0


def summary(path: Path) -> str:
    """Per-phase counts, reasons, and static vs dynamic verdicts per family (markdown)."""
    from slopspotter_lab.model.scoring import risk_reaches

    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    scanned = [r for r in rows if r["scan_error"] != "refused"]
    lines = [f"{len(rows)} artifacts (one per family), {len(rows) - len(scanned)} refused before the sandbox", "",
             "| phase | ok | failed / skipped: reasons |", "|---|---|---|"]
    for p in PHASES:
        ok = sum(r[f"{p}_status"] == "ok" for r in scanned)
        reasons = Counter(r[f"{p}_reason"] or r[f"{p}_status"] or "none" for r in scanned if r[f"{p}_status"] != "ok")
        lines.append(f"| {p} | {ok} | " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()) + " |")
    dyn = [r for r in scanned if r["dynamic_indicators"]]
    ids = Counter(i for r in dyn for i in r["dynamic_indicators"].split(";"))
    lines += ["", f"dynamic indicators in {len(dyn)} of {len(scanned)} scans: "
              + ", ".join(f"{k} {v}" for k, v in ids.most_common())]
    for level in ("medium", "high"):
        s = [risk_reaches(r["static_risk"], level) for r in scanned]
        d = [risk_reaches(r["dynamic_risk"], level) for r in scanned]
        c = sum(risk_reaches(r["combined_risk"], level) for r in scanned)
        both = sum(a and b for a, b in zip(s, d))
        lines += ["", f"families flagged at risk >= {level} (static = `check` of the file, dynamic = the sandbox alone, "
                      f"combined = the scan's verdict: {c} of {len(scanned)})", "",
                  "| | dynamic flags | dynamic does not |", "|---|---|---|",
                  f"| static flags | {both} | {sum(a and not b for a, b in zip(s, d))} |",
                  f"| static does not | {sum(b and not a for a, b in zip(s, d))} | "
                  f"{sum(not a and not b for a, b in zip(s, d))} |"]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=120, help="families to sample (one artifact each)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--workers", type=int, default=2, help="concurrent gVisor scans")
    ap.add_argument("--timeout", type=float, default=90.0, help="per-scan deadline, seconds")
    ap.add_argument("--backend", default=BACKEND, help="only gvisor is accepted")
    ap.add_argument("--workdir", type=Path, default=Path(os.environ.get("SLOPSPOTTER_MALWARE_WORKDIR")
                                                         or malregistry.DEFAULT_WORKDIR))
    ap.add_argument("--repo", help="MalRegistry copy, to extract the sample when the work directory has none")
    ap.add_argument("--benign", action="store_true",
                    help="scan the real benign set (benign_rows.csv, cached by benign.py fetch) instead")
    ap.add_argument("--out", type=Path, help=f"default {OUT.name}, or {BENIGN_OUT.name} with --benign")
    ap.add_argument("--summary", action="store_true", help="print the report tables from --out and exit")
    ap.add_argument("--rescore", action="store_true", help="recompute the risks in --out with the current model")
    args = ap.parse_args(argv)
    args.out = args.out or (BENIGN_OUT if args.benign else OUT)
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    if args.rescore:
        rescore(args.out)
    if args.summary or args.rescore:
        print(summary(args.out))
        return 0
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
