"""gVisor vs runc: scan time per package, and what each tracing mode shows the package.

    python benchmarks/bench_gvisor.py [--repeat N] [PACKAGE_DIR ...]

Scans each package (default: two benign and two malicious corpus packages) N times under
`docker` (runc + strace), `gvisor` with gVisor's own syscall log (invisible tracer) and `gvisor`
with strace inside; prints the median wall time of each, the gVisor/runc ratio, the syscall
rows captured, and whether the hostile probe saw a tracer (TracerPid).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "corpus"
DEFAULT = ["pypi/slop-benign-pure", "pypi/slop-cred-harvest", "npm/slop-benign-npm-lib", "npm/slop-postinstall-beacon"]
MODES = [("docker", None), ("gvisor", "gvisor"), ("gvisor", "strace")]


def one(path: Path, backend: str, mode: str | None) -> tuple[float, int, set[str]]:
    from slopspotter_lab.scan import scan

    eco = "npm" if (path / "package.json").exists() else "pypi"
    t0 = time.monotonic()
    res = scan(str(path), ecosystem=eco, backend=backend, timeout=90, trace_mode=mode)
    took = time.monotonic() - t0
    ids = {i.id for i in res.indicators}
    return took, int(res.syscall_count or 0), ids


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("packages", nargs="*", default=DEFAULT)
    args = ap.parse_args()
    print(f"{'package':34} {'backend/trace':16} {'median s':>9} {'syscalls':>9}  indicators")
    medians: dict[tuple[str, str], list[float]] = {}
    for rel in args.packages:
        path = Path(rel) if Path(rel).is_dir() else CORPUS / rel
        for backend, mode in MODES:
            label = f"{backend}/{mode or 'strace'}"
            runs = [one(path, backend, mode) for _ in range(args.repeat)]
            med = statistics.median(r[0] for r in runs)
            medians.setdefault((backend, mode or "strace"), []).append(med)
            ids = sorted(set.union(*(r[2] for r in runs)))
            print(f"{rel:34} {label:16} {med:9.2f} {runs[-1][1]:9d}  {','.join(ids)}", flush=True)
    runc = statistics.mean(medians[("docker", "strace")])
    for (backend, mode), values in medians.items():
        print(f"mean of medians {backend}/{mode}: {statistics.mean(values):.2f} s  (x{statistics.mean(values) / runc:.2f} of runc)")
    probe = CORPUS / "hostile" / "pypi" / "slop-hostile-probe"
    from slopspotter_lab.scan import scan

    for backend, mode in MODES:
        res = scan(str(probe), ecosystem="pypi", backend=backend, timeout=60, trace_mode=mode)
        tells = sorted({h.split(".tell.")[0] for h in res.dns["hostname"] if ".tell.probe.invalid" in str(h)})
        print(f"probe under {backend}/{mode or 'strace'}: {', '.join(tells) or 'nothing'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
