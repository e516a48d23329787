"""Static analysis on real packages, side by side with GuardDog 3.2, on the same artifacts.

    python benchmarks/bench_static_real.py [--malware-workdir /tmp/malreg-dev] [--guarddog /tmp/gd/bin/guarddog]
    python benchmarks/bench_static_real.py --speed [numpy gevent cython] [--baseline REF]

Malicious: one artifact per family of datasets/realworld/malware_rows.csv (MalRegistry, added
before 2025-01-01), extracted under the work directory by `malregistry.py extract`. Benign: the
cached artifacts of datasets/realworld/benign_rows.csv (`benign.py fetch`). Ours: the static
indicators of `check <artifact>` scored by the shipped model (risk medium / high). GuardDog:
`guarddog pypi scan <archive> --output-format json` (its local-scan mode, run from its own
virtualenv: `python -m venv /tmp/gd && /tmp/gd/bin/pip install 'guarddog==3.2.*'`), counted as
flagged when its `risk_score.label` is `high_risk` (and, looser, `suspicious` or worse).
Nothing is installed or run; GuardDog reads the archives the same way.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT / "datasets" / "realworld"


def family_sample(rows: list[dict], seed: int = 17) -> list[dict]:
    """One row per family (a seeded random member, so big families do not pick their oddest)."""
    rng = random.Random(seed)
    fams: dict[str, list[dict]] = {}
    for r in rows:
        fams.setdefault(r["family"], []).append(r)
    return [rng.choice(sorted(m, key=lambda r: r["path"])) for _, m in sorted(fams.items())]


def our_risk(rows: list[dict]) -> list[str]:
    from slopspotter_lab.model.scoring import load_model

    model = load_model()
    return [model.score([{"id": i, "severity": s} for i, s in json.loads(r["indicators"])], dynamic=False).risk
            for r in rows]


_GD_CACHE_SCRIPT = """
import json, os, shutil, sys, time, guarddog
src = os.path.join(os.path.dirname(guarddog.__file__), "analyzer", "metadata", "resources")
dst = sys.argv[1]
shutil.copytree(src, dst, dirs_exist_ok=True)
for f in os.listdir(dst):
    if f.endswith(".json"):
        p = os.path.join(dst, f)
        d = json.load(open(p))
        if isinstance(d, dict):
            d["downloaded_timestamp"] = int(time.time())
            json.dump(d, open(p, "w"))
"""


def guarddog_env(guarddog: str) -> dict:
    """Its popular-package caches marked fresh, so it does not try the network on every run."""
    cache = Path(tempfile.mkdtemp(prefix="gd-cache-"))
    py = str(Path(guarddog).with_name("python"))
    subprocess.run([py, "-c", _GD_CACHE_SCRIPT, str(cache)], check=True, capture_output=True)
    return {**os.environ, "GUARDDOG_TOP_PACKAGES_CACHE_LOCATION": str(cache), "GUARDDOG_PARALLELISM": "1"}


LABEL_CACHE = Path(tempfile.gettempdir()) / "slopspotter-guarddog-labels.json"
_labels: dict[str, str] = {}


def guarddog_label(guarddog: str, target: Path, env: dict, timeout: float = 300) -> str:
    """GuardDog's risk label for one artifact (cached by path in LABEL_CACHE: a rerun is free)."""
    if not _labels and LABEL_CACHE.exists():
        _labels.update(json.loads(LABEL_CACHE.read_text()))
    key = str(target)
    if key not in _labels or _labels[key].startswith("error"):
        _labels[key] = _guarddog_run(guarddog, target, env, timeout)
        LABEL_CACHE.write_text(json.dumps(_labels))
    return _labels[key]


def _guarddog_run(guarddog: str, target: Path, env: dict, timeout: float) -> str:
    try:
        proc = subprocess.run([guarddog, "pypi", "scan", str(target), "--output-format", "json"],
                              capture_output=True, text=True, timeout=timeout, env=env)
        doc = json.loads(proc.stdout or "{}")
    except (subprocess.TimeoutExpired, ValueError) as exc:
        return f"error:{type(exc).__name__}"
    if doc.get("errors") and not doc.get("results"):
        return "error:" + ";".join(doc["errors"])[:60]
    return (doc.get("risk_score") or {}).get("label") or "none"


_TIME_ONE = """
import json, resource, sys, time
from pathlib import Path
from slopspotter_lab.heuristics.static import analyze_artifact
t = time.time()
inds = analyze_artifact(Path(sys.argv[1]), "pypi")
use = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": time.time() - t, "cpu": use.ru_utime + use.ru_stime, "files_note": [i.evidence for i in inds
      if i.id == "incomplete_analysis"][:1], "risky": sorted({i.id for i in inds if i.severity != "info"})}))
"""


def time_static(archive: Path, code_root: Path) -> dict:
    """Static analysis of one archive in a fresh interpreter running the code under `code_root`."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    proc = subprocess.run([sys.executable, "-c", _TIME_ONE, str(archive)], capture_output=True, text=True, env=env,
                          check=True, cwd=tempfile.gettempdir())
    return json.loads(proc.stdout.strip().splitlines()[-1])


def speed(names: list[str], cache: Path, baseline: str | None) -> None:
    """Seconds of `check <sdist>`'s static analysis (extraction included) on big sdists, this code
    and (with --baseline REF) the code of a git ref, side by side."""
    manifest = json.loads((cache / "manifest.json").read_text())
    roots = {"this": ROOT}
    if baseline:
        old = Path(tempfile.mkdtemp(prefix="static-baseline-"))
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", baseline, "slopspotter_lab"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        roots = {baseline: old, "this": ROOT}
    print("static analysis time per sdist (cpu s / wall s, fresh interpreter, extraction included):")
    for name in names:
        cells = []
        for label, root in roots.items():
            r = time_static(cache / manifest[name]["file"], root)
            cells.append(f"{label}: {r['cpu']:.1f} / {r['wall']:.1f}{' (' + r['files_note'][0][:48] + ')' if r['files_note'] else ''}")
        print(f"  {name:10s} " + "  |  ".join(cells))


def _pct(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "0/0"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--malware-workdir", type=Path,
                    default=Path(os.environ.get("SLOPSPOTTER_MALWARE_WORKDIR") or Path(tempfile.gettempdir()) / "malreg-dev"))
    ap.add_argument("--benign-cache", type=Path, default=None)
    ap.add_argument("--guarddog", default=os.environ.get("GUARDDOG") or "", help="guarddog executable (own venv)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="at most N malicious families (0 = all)")
    ap.add_argument("--out", type=Path, help="write per-artifact verdicts to this CSV")
    ap.add_argument("--speed", nargs="*", metavar="NAME", help="time static analysis of these cached benign sdists "
                    "(default numpy gevent cython) instead of the comparison")
    ap.add_argument("--baseline", metavar="REF", help="with --speed: also time the code of this git ref")
    args = ap.parse_args(argv)

    sys.path.insert(0, str(REAL))
    import benign as benign_mod

    if args.speed is not None:
        speed(args.speed or ["numpy", "gevent", "cython"], args.benign_cache or benign_mod.cache_dir(), args.baseline)
        return 0

    mal = family_sample(list(csv.DictReader((REAL / "malware_rows.csv").open())))
    ben = list(csv.DictReader((REAL / "benign_rows.csv").open()))
    if args.limit:
        every = our_risk(mal)
        print(f"ours on all {len(mal)} families: risk >= medium {_pct(sum(r != 'low' for r in every), len(mal))}, "
              f"high {_pct(sum(r == 'high' for r in every), len(mal))}")
        # a fixed random order of families, cut at --limit (a shorter run is a prefix of a longer one)
        mal = random.Random(1).sample(mal, min(150, len(mal)))[:args.limit]
    mal_risk, ben_risk = our_risk(mal), our_risk(ben)
    print(f"side by side on: {len(mal)} malicious families (one artifact each), {len(ben)} benign packages")
    print("ours (static check, shipped model):")
    print(f"  malicious  risk >= medium {_pct(sum(r != 'low' for r in mal_risk), len(mal))}, "
          f"high {_pct(sum(r == 'high' for r in mal_risk), len(mal))}")
    print(f"  benign     risk >= medium {_pct(sum(r != 'low' for r in ben_risk), len(ben))}, "
          f"high {_pct(sum(r == 'high' for r in ben_risk), len(ben))}  "
          f"{[r['name'] for r, k in zip(ben, ben_risk) if k != 'low']}")
    gd_mal: list[str] = []
    gd_ben: list[str] = []
    if args.guarddog:
        env = guarddog_env(args.guarddog)
        index = {d["path"]: d for d in json.loads((args.malware_workdir / "index.json").read_text())}
        cache = args.benign_cache or benign_mod.cache_dir()
        manifest = json.loads((cache / "manifest.json").read_text())
        mal_targets = [args.malware_workdir / (index[r["path"]].get("archive") or index[r["path"]]["tree"]) for r in mal]
        ben_targets = [cache / manifest[r["name"]]["file"] for r in ben]
        t0 = time.time()
        with cf.ThreadPoolExecutor(args.workers) as pool:
            gd_mal = list(pool.map(lambda t: guarddog_label(args.guarddog, t, env), mal_targets))
            gd_ben = list(pool.map(lambda t: guarddog_label(args.guarddog, t, env), ben_targets))
        errors = sum(x.startswith("error") for x in gd_mal + gd_ben)
        print(f"GuardDog 3.2 (local scan, {time.time() - t0:.0f} s, {errors} errors):")
        loose = ("high_risk", "suspicious")
        print(f"  malicious  high_risk {_pct(sum(x == 'high_risk' for x in gd_mal), len(mal))}, "
              f"suspicious or worse {_pct(sum(x in loose for x in gd_mal), len(mal))}")
        print(f"  benign     high_risk {_pct(sum(x == 'high_risk' for x in gd_ben), len(ben))}, "
              f"suspicious or worse {_pct(sum(x in loose for x in gd_ben), len(ben))}  "
              f"{[r['name'] for r, x in zip(ben, gd_ben) if x == 'high_risk']}")
    if args.out:
        with args.out.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["kind", "name", "path", "family", "ours", "guarddog"])
            for rows, risks, gds, kind in ((mal, mal_risk, gd_mal, "malicious"), (ben, ben_risk, gd_ben, "benign")):
                for k, (r, risk) in enumerate(zip(rows, risks)):
                    w.writerow([kind, r["name"], r["path"], r["family"], risk, gds[k] if gds else ""])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
