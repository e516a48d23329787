"""Build datasets/typosquats_labelled.csv (name, ecosystem, label, target, source).

- squat/historical: names of real typosquats named in public reports (names only, no code):
  the 2017 SK-CSIRT PyPI advisory, the 2017 npm "hacktask" takedown, the 2018 colourama and
  2019 jeIlyfish/python3-dateutil PyPI cases, and later vendor write-ups (see REPORTED).
- squat/generated: one variant per operator of popular names, from
  heuristics.typosquat.generate_variants with a fixed seed (a consistency check: the detector
  uses the same operators, so its recall here is not an independent figure).
- legit: popular names ranked 1001-3000 (the reference for name-only false alarms is the
  top 1000), from the lists in $SLOPSPOTTER_DATA_DIR.

Run: SLOPSPOTTER_DATA_DIR=../shared/data python datasets/build_typosquats_labelled.py
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

from slopspotter_lab.ecosystems import normalize_name
from slopspotter_lab.heuristics.popular import load_popular
from slopspotter_lab.heuristics.typosquat import generate_variants

OUT = Path(__file__).with_name("typosquats_labelled.csv")
REPORTED = [  # (name, ecosystem, target, source)
    ("setup-tools", "pypi", "setuptools", "SK-CSIRT 2017"),
    ("urlib3", "pypi", "urllib3", "SK-CSIRT 2017"),
    ("urllib", "pypi", "urllib3", "SK-CSIRT 2017"),
    ("django-server", "pypi", "django", "SK-CSIRT 2017"),
    ("colourama", "pypi", "colorama", "2018 PyPI removal (colourama)"),
    ("jeIlyfish", "pypi", "jellyfish", "2019 PyPI removal (jeIlyfish)"),
    ("python3-dateutil", "pypi", "python-dateutil", "2019 PyPI removal (python3-dateutil)"),
    ("reqeusts", "pypi", "requests", "vendor reports of requests typosquats"),
    ("requesst", "pypi", "requests", "vendor reports of requests typosquats"),
    ("beautifulsup4", "pypi", "beautifulsoup4", "vendor reports"),
    ("crossenv", "npm", "cross-env", "npm hacktask takedown 2017"),
    ("cross-env.js", "npm", "cross-env", "npm hacktask takedown 2017"),
    ("babelcli", "npm", "babel-cli", "npm hacktask takedown 2017"),
    ("mongose", "npm", "mongoose", "npm hacktask takedown 2017"),
    ("jquery.js", "npm", "jquery", "npm hacktask takedown 2017"),
    ("d3.js", "npm", "d3", "npm hacktask takedown 2017"),
    ("gruntcli", "npm", "grunt-cli", "npm hacktask takedown 2017"),
    ("nodesass", "npm", "node-sass", "npm hacktask takedown 2017"),
    ("noderequest", "npm", "request", "npm hacktask takedown 2017"),
    ("node-sqlite", "npm", "sqlite3", "npm hacktask takedown 2017"),
    ("nodesqlite", "npm", "sqlite3", "npm hacktask takedown 2017"),
    ("sqliter", "npm", "sqlite3", "npm hacktask takedown 2017"),
    ("mysqljs", "npm", "mysql", "npm hacktask takedown 2017"),
    ("nodemailer-js", "npm", "nodemailer", "npm hacktask takedown 2017"),
    ("nodemailer.js", "npm", "nodemailer", "npm hacktask takedown 2017"),
    ("http-proxy.js", "npm", "http-proxy", "npm hacktask takedown 2017"),
    ("ffmepg", "npm", "ffmpeg", "npm hacktask takedown 2017"),
    ("nodeffmpeg", "npm", "ffmpeg", "npm hacktask takedown 2017"),
    ("mssql.js", "npm", "mssql", "npm hacktask takedown 2017"),
    ("mssql-node", "npm", "mssql", "npm hacktask takedown 2017"),
    ("nodemssql", "npm", "mssql", "npm hacktask takedown 2017"),
    ("opencv.js", "npm", "opencv", "npm hacktask takedown 2017"),
    ("electorn", "npm", "electron", "2020 npm removal (electorn)"),
    ("twilio-npm", "npm", "twilio", "2020 npm removal (twilio-npm)"),
    ("loadyaml", "npm", "js-yaml", "npm security advisories"),
]


def generated(eco: str, rng: random.Random, count: int) -> list[tuple[str, str, str, str]]:
    popular = load_popular(eco)
    known = {normalize_name(n, eco) for n in popular}
    rows = []
    for target in rng.sample(popular[:1000], count):
        by_op: dict[str, list[str]] = {}
        for variant, op in generate_variants(target, eco):
            if normalize_name(variant, eco) not in known:
                by_op.setdefault(op, []).append(variant)
        if by_op:
            op = rng.choice(sorted(by_op))
            rows.append((rng.choice(by_op[op]), eco, target, f"generated:{op}"))
    return rows


def main() -> int:
    rng = random.Random(20260401)
    rows = [(n, e, "squat", t, s) for n, e, t, s in REPORTED]
    for eco in ("pypi", "npm"):
        rows += [(n, e, "squat", t, s) for n, e, t, s in generated(eco, rng, 150)]
        popular = load_popular(eco)
        top = {normalize_name(n, eco) for n in popular[:1000]}
        rows += [(n, eco, "legit", "", "popular rank 1001-3000") for n in popular[1000:3000]
                 if normalize_name(n, eco) not in top]
    with open(OUT, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "ecosystem", "label", "target", "source"])
        w.writerows(rows)
    print(f"{len(rows)} rows -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
