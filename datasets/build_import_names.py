"""Build slopspotter_lab/data/import_names.csv: import name -> distribution name.

Why: LLMs often write `pip install <import name>` (opengl for PyOpenGL, git for GitPython).
The table comes from data a kept library already ships, never from crawling the registry:

1. pipreqs' `mapping` file (Apache-2.0), read out of its wheel, which is downloaded with
   `pip download --no-deps` and opened as a zip (nothing is installed or run);
2. the distributions installed in the running environment: their top_level.txt, else the
   top-level names in RECORD;
3. a few well-known platform packages not installed here (CURATED below).

Run: python datasets/build_import_names.py [--pipreqs-version 0.5.0]
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata as md
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "slopspotter_lab" / "data" / "import_names.csv"
CURATED = {  # import name: distribution (Windows/macOS-only packages, absent from this machine)
    "win32com": "pywin32", "win32api": "pywin32", "win32con": "pywin32", "pythoncom": "pywin32",
    "pywintypes": "pywin32", "win32gui": "pywin32", "objc": "pyobjc", "Foundation": "pyobjc",
    "AppKit": "pyobjc", "Cocoa": "pyobjc", "Quartz": "pyobjc", "cv2": "opencv-python",
    "mpl_toolkits": "matplotlib", "OpenGL": "PyOpenGL", "skimage": "scikit-image",
    "sklearn": "scikit-learn", "magic": "python-magic", "jose": "python-jose",
    "dotenv": "python-dotenv", "docx": "python-docx", "pptx": "python-pptx", "telegram": "python-telegram-bot",
}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def from_pipreqs(version: str) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "-q", "-d", tmp, f"pipreqs=={version}"], check=True)
        wheel = next(Path(tmp).glob("pipreqs-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            text = zf.read("pipreqs/mapping").decode("utf-8")
    pairs = []
    for line in text.splitlines():
        if ":" in line:
            imp, dist = (x.strip() for x in line.split(":", 1))
            if imp and dist:
                pairs.append((imp, dist))
    return pairs


def from_installed() -> list[tuple[str, str]]:
    pairs = []
    for dist in md.distributions():
        name = dist.metadata["Name"]
        if not name:
            continue
        tops = (dist.read_text("top_level.txt") or "").split()
        if not tops:
            tops = sorted({f.parts[0].removesuffix(".py") for f in dist.files or []
                           if f.parts and not f.parts[0].endswith((".dist-info", ".egg-info", ".data", ".pth"))
                           and f.parts[0] not in ("..", "__pycache__", "bin")})
        for top in tops:
            if top.isidentifier() and not top.startswith("_"):
                pairs.append((top, name))
    return pairs


def build(version: str) -> list[tuple[str, str, str]]:
    rows: dict[str, tuple[str, str, str]] = {}
    sources = [("pipreqs", from_pipreqs(version)), ("installed", from_installed()),
               ("curated", list(CURATED.items()))]
    for source, pairs in sources:
        for imp, dist in pairs:
            if _norm(imp) == _norm(dist):
                continue  # same name: nothing to confuse
            rows.setdefault(_norm(imp), (imp, dist, source))
    return sorted(rows.values(), key=lambda r: r[0].lower())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pipreqs-version", default="0.5.0")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = build(args.pipreqs_version)
    with open(args.out, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["import_name", "distribution", "source"])
        w.writerows(rows)
    print(f"{len(rows)} import names -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
