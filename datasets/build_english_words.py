"""Build slopspotter_lab/data/english_words.txt: ordinary English words near popular names.

The typosquat detector spares a one-letter neighbour of a popular name when the neighbour is an
ordinary English word (`unicorn`/`uvicorn`, `identity`/`identify`): real squats almost never
are (none of the 655 tuning squats is), legitimate projects often are. Only the words that can
matter are kept (4+ letters, OSA distance <= 2 from a top-5,000 PyPI or npm name, or `py` + the
word within distance 1), so the shipped list stays small and loads in milliseconds.

Source: SCOWL size 70 as packaged by Debian (`wamerican-large`, /usr/share/dict/american-english-large;
SCOWL licence: free to use, copy, modify and distribute with its copyright notice, see
datasets/README.md). Lower-cased, ASCII letters only, possessives dropped. Size 70 spared three
more dev false alarms than size 50 (parametrize, pymantic, pysher) and no tuning squat.

Run: apt-get install wamerican-large
     SLOPSPOTTER_DATA_DIR=<popular lists> python datasets/build_english_words.py \
         [/usr/share/dict/american-english-large]
"""

from __future__ import annotations

import sys
from pathlib import Path

from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slopspotter_lab.ecosystems import normalize_name  # noqa: E402
from slopspotter_lab.heuristics.typosquat import reference_names  # noqa: E402

OUT = ROOT / "slopspotter_lab" / "data" / "english_words.txt"
DEFAULT = ["/usr/share/dict/american-english-large"]
HEADER = (
    "# English words (SCOWL size 70 via Debian wamerican-large) within two edits of a popular package\n"
    "# name; built by datasets/build_english_words.py.\n"
    "# Copyright 2000-2011 by Kevin Atkinson\n"
    "# Permission to use, copy, modify, distribute and sell these word lists, the associated scripts,\n"
    "# the output created from the scripts, and its documentation for any purpose is hereby granted\n"
    "# without fee, provided that the above copyright notice appears in all copies and that both that\n"
    "# copyright notice and this permission notice appear in supporting documentation. Kevin Atkinson\n"
    "# makes no representations about the suitability of this array for any purpose. It is provided\n"
    "# \"as is\" without express or implied warranty.\n")


def read_words(paths: list[str]) -> set[str]:
    words = set()
    for p in paths:
        for line in open(p, encoding="utf-8", errors="replace"):
            w = line.strip().lower()
            if len(w) >= 4 and w.isascii() and w.isalpha():
                words.add(w)
    return words


def near_popular(words: set[str]) -> list[str]:
    """Words within two edits of a reference name (or py+word within one), in chunks."""
    names = sorted({normalize_name(n, e).split("/")[-1].replace("-", "").replace("_", "").replace(".", "")
                    for e in ("pypi", "npm") for n in reference_names(e)})
    ordered = sorted(words)
    keep = []
    for i in range(0, len(ordered), 4000):
        chunk = ordered[i:i + 4000]
        d = cdist(chunk, names, scorer=OSA.distance, score_cutoff=2, dtype="uint8", workers=1)
        dp = cdist(["py" + w for w in chunk], names, scorer=OSA.distance, score_cutoff=1, dtype="uint8", workers=1)
        keep += [w for w, row, rowp in zip(chunk, d, dp) if (row <= 2).any() or (rowp <= 1).any()]
    return keep


def main(argv=None) -> int:
    paths = (argv if argv is not None else sys.argv[1:]) or DEFAULT
    keep = near_popular(read_words(paths))
    OUT.write_text(HEADER + "\n".join(keep) + "\n", encoding="utf-8")
    print(f"{len(keep)} words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
