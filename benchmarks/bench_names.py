"""Name checks on development data: typosquat recall per kind, false alarms, "did you mean".

- recall: real malicious PyPI squats (datasets/malregistry/pypi_dev.csv, MalRegistry artifacts
  added before 2025) whose target is in the reference (top 5,000), and the hand-written npm set
  (datasets/npm_squats_dev.csv); a hit needs the right target. Tune and held-out parts apart.
- false alarms: popular names ranked 5,001-15,000 (PyPI) / 5,001-8,000 (npm) judged as if
  unknown (known=set()) against the reference: legitimate names a detector must leave alone.
- baseline: the naive rule "Damerau-Levenshtein (OSA) distance 1 to a reference name".
- suggestions: datasets/hallucinated_dev.csv (self-made), right / wrong / none.

Run: SLOPSPOTTER_DATA_DIR=<popular lists> python benchmarks/bench_names.py [--misses KIND]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slopspotter_lab.ecosystems import normalize_name  # noqa: E402
from slopspotter_lab.heuristics.popular import load_popular  # noqa: E402
from slopspotter_lab.heuristics.typosquat import (REFERENCE_SIZE, find_typosquat, match_typosquat,  # noqa: E402
                                                    reference_names)  # noqa: E402


def naive(name: str, eco: str, ref: list[str]) -> str | None:
    """The highest-ranked reference name at OSA distance 1 (the baseline)."""
    q = normalize_name(name, eco)
    hits = process.extract(q, ref, scorer=OSA.distance, score_cutoff=1, limit=None)
    hits = [h for h in hits if h[0] != q]
    return min(hits, key=lambda h: h[2])[0] if hits else None


def pct(a: int, n: int) -> str:
    return f"{a / n:6.1%}" if n else "    - "


def recall(rows, eco, ref, misses_kind=None):
    """Per split and kind: (n, ours right, naive right); misses printed for one kind."""
    table = defaultdict(lambda: [0, 0, 0])
    missed = []
    for r in rows:
        want = normalize_name(r["target"], eco)
        got = find_typosquat(r["name"], eco)[0]
        base = naive(r["name"], eco, ref)
        for key in ((r["split"], r["kind"]), (r["split"], "ALL"), ("all", "ALL")):
            t = table[key]
            t[0] += 1
            t[1] += got is not None and normalize_name(got, eco) == want
            t[2] += base == want
        if misses_kind in (r["kind"], "ALL") and (got is None or normalize_name(got, eco) != want):
            missed.append(f"{r['name']}->{r['target']} (got {got})")
    return table, missed


def print_recall(title, table):
    print(f"\n{title}\n{'part':8} {'kind':18} {'n':>5}  {'ours':>7}  {'naive DL-1':>10}")
    for (split, kind), (n, ours, base) in sorted(table.items(), key=lambda kv: (kv[0][0], kv[0][1] != "ALL", kv[0][1])):
        print(f"{split:8} {kind:18} {n:5}  {pct(ours, n)}  {pct(base, n):>10}")


def false_alarms_with_tail(eco, ref_size, start, stop):
    """Ranks start+1..stop judged unknown against the whole list less their own half (two folds):
    the top `ref_size` as the reference and the other half as the tail (_tail_match)."""
    names = list(dict.fromkeys(normalize_name(n, eco) for n in load_popular(eco)))
    ref, mid = tuple(names[:ref_size]), names[start:stop]
    flagged = []
    for fold in (0, 1):
        judged, tail = mid[fold::2], tuple(mid[1 - fold::2])
        for n in judged:
            m = match_typosquat(n, eco, reference=ref, known=set(), tail=tail)[0]
            if m:
                flagged.append(f"{n}->{m.target} ({m.kind})")
    return len(mid), flagged


def false_alarms(eco, ref, start, stop):
    """Distinct names of ranks start+1..stop judged unknown against `ref` (ours, naive)."""
    names = list(dict.fromkeys(normalize_name(n, eco) for n in load_popular(eco)))[start:stop]
    ours = []
    for n in names:
        m = match_typosquat(n, eco, reference=ref, known=set())[0]
        if m:
            ours.append(f"{n}->{m.target} ({m.kind})")
    base = [n for n in names if naive(n, eco, ref)]
    return len(names), ours, base


def suggestions(split=None):
    from slopspotter_lab.heuristics.suggest import suggest

    rows = [r for r in csv.DictReader(open(ROOT / "datasets" / "hallucinated_dev.csv", encoding="utf-8"))
            if split in (None, r["split"])]
    out = defaultdict(lambda: [0, 0, 0, 0, 0])  # n, right, wrong, naive right, naive wrong
    wrong, refs = [], {}
    for r in rows:
        eco = r["ecosystem"]
        s = suggest(r["name"], eco)
        got = s.name if s else None
        ref = refs.setdefault(eco, [normalize_name(n, eco) for n in reference_names(eco)])
        nv = process.extractOne(normalize_name(r["name"], eco), ref, scorer=OSA.distance)
        want = {normalize_name(w, eco) for w in r["intended"].split("|")}
        for key in (r["split"], "all"):
            t = out[key]
            t[0] += 1
            if got:
                ok = normalize_name(got, eco) in want
                t[1 if ok else 2] += 1
                if not ok and key == "all":
                    wrong.append(f"{r['name']} -> {got} (want {r['intended']}; {s.reason})")
            if nv:
                t[3 if nv[0] in want else 4] += 1
    return out, wrong


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--misses", help="print the misses of one kind (or ALL)")
    ap.add_argument("--split", choices=("tune", "holdout"),
                    help="recall on one part only (develop with --split tune; keep held-out for checks)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    for eco, path in (("pypi", ROOT / "datasets" / "malregistry" / "pypi_dev.csv"),
                      ("npm", ROOT / "datasets" / "npm_squats_dev.csv")):
        if not path.exists():
            continue
        ref = [normalize_name(n, eco) for n in reference_names(eco)]
        listed = [normalize_name(n, eco) for n in load_popular(eco)]
        on_list, in_ref = set(listed), set(ref)
        squats = [r for r in csv.DictReader(open(path, encoding="utf-8")) if r["label"] == "squat"
                  and normalize_name(r["target"], eco) in on_list and args.split in (None, r["split"])]
        rows = [r for r in squats if normalize_name(r["target"], eco) in in_ref]
        table, missed = recall(rows, eco, ref, args.misses)
        print_recall(f"{eco}: recall with the right target, squats of the top {REFERENCE_SIZE[eco]:,} ({path.name})", table)
        if missed:
            print("misses:", "; ".join(missed))
        table, _ = recall(squats, eco, listed, None)
        print(f"\n{eco}: squats of any name on the popular list ({len(on_list):,} names; naive DL-1 against all of them)")
        for (split, kind), (n, ours, base) in sorted(table.items()):
            if kind == "ALL":
                print(f"{split:8} {'ALL':18} {n:5}  {pct(ours, n)}  {pct(base, n):>10}")
    # npm's list holds 5,247 distinct names, so a second npm figure uses the top 2,500 as the
    # reference and the next 2,747 distinct names as legitimate unknowns
    for eco, ref_size, start, stop in (("pypi", 5000, 5000, 15000), ("npm", 5000, 5000, 15000),
                                       ("npm", 2500, 2500, 15000)):
        ref = tuple(dict.fromkeys(normalize_name(n, eco) for n in load_popular(eco)))[:ref_size]
        n, ours, base = false_alarms(eco, ref, start, stop)
        print(f"\n{eco}: false alarms on distinct ranks {start + 1:,}-{start + n:,} judged as unknown names "
              f"(reference: top {ref_size:,}): ours {pct(len(ours), n)} ({len(ours)}), naive DL-1 "
              f"{pct(len(base), n)} ({len(base)})")
        if ref_size == REFERENCE_SIZE[eco]:
            names = list(dict.fromkeys(normalize_name(n, eco) for n in load_popular(eco)))[start:stop]
            prod = sum(1 for x in names if find_typosquat(x, eco)[0])
            print(f"   as `check` runs (the whole popular list is known): {pct(prod, n)} ({prod})")
        if args.misses:
            print("   ours flag:", ", ".join(ours))
        if ref_size == REFERENCE_SIZE[eco] and eco == "pypi":
            n, flagged = false_alarms_with_tail(eco, ref_size, start, stop)
            print(f"   judged against the whole list less their own half (the top {ref_size:,} and the other "
                  f"half as the tail): {pct(len(flagged), n)} ({len(flagged)})")
            if args.misses:
                print("   flag:", ", ".join(flagged))
    try:
        out, wrong = suggestions(args.split)
    except (ImportError, FileNotFoundError) as exc:
        print(f"\nsuggestions: skipped ({exc})")
    else:
        print("\n\"did you mean\" on hallucination-like names with a clear intent (self-made set)")
        print(f"{'part':8} {'n':>4}  {'right':>7}  {'wrong/made':>10}  {'none':>6}   naive closest: right  wrong")
        for key, (n, right, bad, nr, nw) in sorted(out.items()):
            print(f"{key:8} {n:4}  {pct(right, n)}  {pct(bad, right + bad):>10}  {pct(n - right - bad, n)}"
                  f"   {pct(nr, n)}  {pct(nw, n)}")
        if args.misses:
            print("wrong:", "; ".join(wrong))
    print(f"\n({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
