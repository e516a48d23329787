"""Typosquat recall and false-alarm rate on datasets/typosquats_labelled.csv.

Two settings:
- name-only (the issue's yardstick): reference = top 1000 popular names, no knowledge that
  a name is itself popular; compared with the naive "Levenshtein distance 1" rule.
- production: the default reference and the popular-list allowance `check` uses.

Run: SLOPSPOTTER_DATA_DIR=../shared/data python datasets/eval_typosquats.py
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from slopspotter_lab.ecosystems import normalize_name
from slopspotter_lab.heuristics.popular import load_popular
from slopspotter_lab.heuristics.typosquat import find_typosquat

DATA = Path(__file__).with_name("typosquats_labelled.csv")


def main() -> int:
    rows = list(csv.DictReader(open(DATA, encoding="utf-8")))
    for eco in ("pypi", "npm"):
        ref = [normalize_name(n, eco) for n in load_popular(eco)[:1000]]
        sub = [r for r in rows if r["ecosystem"] == eco]
        for label, kind in (("squat", "historical"), ("squat", "generated"), ("legit", None)):
            part = [r for r in sub if r["label"] == label and (kind is None or r["source"].startswith("generated") == (kind == "generated"))]
            if not part:
                continue
            naive = sum(1 for r in part if process.extractOne(normalize_name(r["name"], eco), ref,
                                                              scorer=Levenshtein.distance, score_cutoff=1))
            name_only = [r for r in part if find_typosquat(r["name"], eco, reference=ref, known=set())[0]]
            prod = [r for r in part if find_typosquat(r["name"], eco)[0]]
            what = "recall" if label == "squat" else "false alarms"
            print(f"{eco:4} {label:5} {kind or '':10} n={len(part):5}  {what}: naive lev1 {naive / len(part):6.1%}  "
                  f"ours name-only {len(name_only) / len(part):6.1%}  ours production {len(prod) / len(part):6.1%}")
            if label == "squat" and kind == "historical":
                missed = [r["name"] for r in part if r not in prod]
                print(f"      missed (production): {', '.join(missed) or '-'}")
            if label == "squat" and kind == "generated":
                missed = Counter(r["source"] for r in part if r not in prod)
                print(f"      missed by operator (production): {dict(missed) or '-'}")
        tail = load_popular(eco)[6000:]
        top = [normalize_name(n, eco) for n in load_popular(eco)[:5000]]
        flagged = [n for n in tail if find_typosquat(n, eco, reference=top, known=set())[0]]
        print(f"{eco:4} legit rank 6001+ n={len(tail):5} as unknown names vs top 5000 (production reference): "
              f"false alarms {len(flagged) / len(tail):6.1%}  e.g. {', '.join(flagged[:8])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
