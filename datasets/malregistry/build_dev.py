"""Development set of real malicious PyPI names from MalRegistry, labelled squat / other.

MalRegistry (github.com/lxyeternal/pypi_malregistry, ASE 2023) stores `<name>/<version>/<artifact>`.
Only names whose every artifact was added to that repository before 2025-01-01 (commit date of
the commit that added the file, from `git log --diff-filter=A`) are used; later additions are
kept for independent evaluation and never read here. Nothing but names, dates and commits is
taken: no artifact is checked out, extracted or read.

Labelling rule (independent of the detector, which it is used to measure), against the PyPI
popular list (all ranks), on PEP 503-normalised names; the name itself must not be on the list:
  1. separator:  same letters once separators are removed (`python-dateutil` / `pythondateutil`)
  2. homoglyph:  same after look-alikes are folded (0->o, 1->l, rn->m, vv->w)
  3. edit-1:     one insertion/deletion/substitution/adjacent swap from a popular name of >= 4
                 letters (the highest-ranked such name is the target); the kind says which edit
  4. edit-2:     two edits from a popular name of >= 7 letters: a *candidate* only, labelled
                 `unsure` unless the hand review accepts it (most are coincidences)
  5. combosquat: the popular name (>= 4 letters, >= 2 for names with a separator) is a run of
                 whole words of the name, plus other words (`requests-toolbelt-fast`), unless
                 that popular name is an ordinary word (GENERIC: `utils`, `data`, `download` ...)
then a hand review (review.csv: name, label, target, reason) overrides rule hits that are
coincidences (`styling` is not `typing`) and adds squats the rule missed. `split` puts every
target's squats in one part (hash of the target), so tuning never sees a held-out target.

Run: SLOPSPOTTER_DATA_DIR=<popular lists> python datasets/malregistry/build_dev.py \
         --git-dir <MalRegistry clone or bare repo> [--out datasets/malregistry/pypi_dev.csv]
(or set MALREGISTRY_GIT_DIR).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein, OSA

HERE = Path(__file__).resolve().parent
CUTOFF = "2025-01-01"
VOWELS = set("aeiouy")
ROWS = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
POS = {c: (r, i) for r, row in enumerate(ROWS) for i, c in enumerate(row)}
GENERIC = {"download", "link", "utils", "data", "dataset", "money", "public", "tools", "auth", "certificates",
           "shell", "update", "comm", "style", "make", "inject", "hello-world", "mnemonic", "panda", "args",
           "attr", "captcha", "telegram", "crypto", "azure", "azureml", "http-client", "docker", "jupyter",
           "entrypoints", "typing", "graphene"}
FOLD = [("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("3", "e"), ("5", "s"), ("4", "a")]


def added_dates(git_dir: str) -> dict[str, tuple[str, str, str]]:
    """name -> (earliest commit date, its commit, latest commit date) over the files added."""
    out = subprocess.run(["git", "--git-dir", git_dir, "log", "--diff-filter=A", "--no-renames",
                          "--name-only", "--format=C %H %cI"], check=True, capture_output=True,
                         text=True).stdout
    seen: dict[str, tuple[str, str, str]] = {}
    commit = date = ""
    for line in out.splitlines():
        if line.startswith("C "):
            _, commit, date = line.split(" ")
            continue
        parts = line.split("/")
        if len(parts) < 3:  # README, .gitignore: not an artifact
            continue
        name = parts[0]
        first, first_commit, last = seen.get(name, (date, commit, date))
        if date <= first:
            first, first_commit = date, commit
        seen[name] = (first, first_commit, max(last, date))
    return seen


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def fold(name: str) -> str:
    s = name.replace("-", "")
    for a, b in FOLD:
        s = s.replace(a, b)
    return s


def edit_kind(name: str, target: str) -> str:
    """What one edit did: vowel, keyboard, digit-for-letter, omission, repetition, ..."""
    a, b = name.replace("-", ""), target.replace("-", "")
    if a == b:
        return "separator"
    ops = Levenshtein.editops(b, a)
    if OSA.distance(a, b) == 1 and Levenshtein.distance(a, b) == 2:
        return "transposition"
    if len(ops) != 1:
        return "two-edits"
    op = ops[0]
    if op.tag == "insert":
        c = a[op.dest_pos]
        if a.startswith(b) and a[len(b):] in ("s", "es", "z"):
            return "suffix"
        if c.isdigit():
            return "suffix" if op.dest_pos == len(a) - 1 else "insertion"
        if (op.dest_pos > 0 and a[op.dest_pos - 1] == c) or (op.dest_pos + 1 < len(a) and a[op.dest_pos + 1] == c):
            return "vowel-doubling" if c in VOWELS else "repetition"
        return "vowel-insertion" if c in VOWELS else "insertion"
    if op.tag == "delete":
        return "vowel-dropping" if b[op.src_pos] in VOWELS else "omission"
    x, y = b[op.src_pos], a[op.dest_pos]
    if y.isdigit() and not x.isdigit():
        return "digit-for-letter"
    if x.isdigit() and y.isdigit():
        return "digit-change"
    if x in VOWELS and y in VOWELS:
        return "vowel-swap"
    if x in POS and y in POS and abs(POS[x][0] - POS[y][0]) <= 1 and abs(POS[x][1] - POS[y][1]) <= 1:
        return "keyboard"
    return "substitution"


def indexes(popular: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Popular names by their separator-free and by their look-alike-folded spelling."""
    collapsed: dict[str, str] = {}
    folded: dict[str, str] = {}
    for p in popular:
        collapsed.setdefault(p.replace("-", ""), p)
        if len(p) >= 5:
            folded.setdefault(fold(p), p)
    return collapsed, folded


def label(name: str, popular: list[str], rank: dict[str, int], idx) -> tuple[str, str, str]:
    """(label, target, kind) by the rule in the module docstring."""
    q = norm(name)
    if q in rank:
        return "popular", q, ""
    collapsed, folded = idx
    if (t := collapsed.get(q.replace("-", ""))):
        return "squat", t, "separator"
    if (t := folded.get(fold(q))) and len(q) >= 5:
        return "squat", t, "homoglyph"
    near = [(p, d) for p, d, _ in process.extract(q, popular, scorer=OSA.distance, score_cutoff=2, limit=20)]
    one = sorted((p for p, d in near if d == 1 and len(p) >= 4), key=rank.get)
    if one:
        return "squat", one[0], edit_kind(q, one[0])
    two = sorted((p for p, d in near if d == 2 and len(p) >= 7), key=rank.get)
    if two:
        return "unsure", two[0], "two-edits"
    toks = q.split("-")
    runs = ["-".join(toks[i:j]) for i in range(len(toks)) for j in range(i + 1, len(toks) + 1)]
    hits = [r for r in runs if r != q and r in rank and (len(r) >= 4 or "-" in r) and r not in GENERIC]
    if hits:
        best = max(hits, key=lambda r: (len(r), -rank[r]))
        return "squat", best, "combosquat"
    return "other", "", ""


def split_of(key: str) -> str:
    """About a third held out, by a stable hash (of the target for squats)."""
    return "holdout" if int(hashlib.sha1(key.encode()).hexdigest(), 16) % 3 == 0 else "tune"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--git-dir", default=os.environ.get("MALREGISTRY_GIT_DIR"),
                    help="MalRegistry clone or bare repository (or $MALREGISTRY_GIT_DIR)")
    ap.add_argument("--out", default=str(HERE / "pypi_dev.csv"))
    args = ap.parse_args(argv)
    if not args.git_dir:
        ap.error("give --git-dir or set MALREGISTRY_GIT_DIR")
    from slopspotter_lab.heuristics.popular import load_popular

    popular = [norm(n) for n in load_popular("pypi")]
    if not popular:
        ap.error("no popular PyPI list: set SLOPSPOTTER_DATA_DIR")
    rank: dict[str, int] = {}
    for i, p in enumerate(popular):
        rank.setdefault(p, i + 1)
    review = {}
    with open(HERE / "review.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            review[r["name"]] = r
    dates = added_dates(args.git_dir)
    kept = sorted(n for n, (first, _, last) in dates.items() if last < CUTOFF)
    later = sum(1 for n, (first, _, last) in dates.items() if last >= CUTOFF)
    rows, idx = [], indexes(popular)
    for name in kept:
        lab, target, kind = label(name, popular, rank, idx)
        how = "rule"
        if name in review:
            r = review[name]
            lab, target, how = r["label"], r["target"], "review: " + r["reason"]
            kind = edit_kind(norm(name), target) if lab == "squat" and not r.get("kind") else r.get("kind", "")
        first, commit, _ = dates[name]
        rows.append({"name": name, "first_added": first[:10], "commit": commit[:12], "label": lab,
                     "target": target, "target_rank": rank.get(target, ""), "kind": kind, "labelled_by": how,
                     "split": split_of(target if lab == "squat" else name)})
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    squats = sum(r["label"] == "squat" for r in rows)
    print(f"{len(kept)} names added before {CUTOFF} ({later} with later artifacts left out); "
          f"{squats} labelled squat -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
