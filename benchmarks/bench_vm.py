"""VM backend figures on this machine: cold boot vs restore of the saved state, time per job and
per real scan. Prints them; needs the VM image (`slopspotter-lab images build vm`).

    python benchmarks/bench_vm.py [--scans N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from slopspotter_lab.sandbox.base import SandboxJob
from slopspotter_lab.sandbox.libvirt_backend import LibvirtBackend

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"


def trivial_job(scan_id: str) -> SandboxJob:
    jobdir = Path(tempfile.mkdtemp(prefix="slopspotter-job-bench-")) / "job"  # /out lands beside it
    jobdir.mkdir()
    (jobdir / "x.txt").write_text("x\n")
    return SandboxJob(image="python", jobdir=jobdir, command=["sh", "-c", "cp /in/x.txt /out/"], timeout=60,
                      scan_id=scan_id)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=2, help="real corpus scans to time (0 to skip)")
    ap.add_argument("--runs", type=int, default=3, help="restored trivial jobs to time")
    args = ap.parse_args()
    ok, why = LibvirtBackend.available()
    if not ok:
        raise SystemExit(f"VM backend unavailable: {why}")
    print(f"backend: {why}")
    cold = LibvirtBackend(fast_start=False).run(trivial_job("bench-cold"))
    print(f"cold boot to SSH: {cold.details.get('start_s')} s (whole job {cold.duration_s:.1f} s, exit {cold.exit_code})")
    warm = [LibvirtBackend().run(trivial_job(f"bench-warm{i}")) for i in range(args.runs)]
    starts = [r.details["start_s"] for r in warm]
    print(f"restore to SSH: median {statistics.median(starts):.2f} s over {len(starts)} "
          f"(min {min(starts):.2f}, max {max(starts):.2f}); whole trivial job median "
          f"{statistics.median(r.duration_s for r in warm):.1f} s")
    print(f"start speed-up: {cold.details['start_s'] / statistics.median(starts):.1f}x "
          f"(saved-state creation's own cold boot: {warm[0].details.get('cold_boot_s')} s)")
    if args.scans:
        from slopspotter_lab.scan import scan

        picks = [("pypi", "slop-steal-aws"), ("npm", "slop-postinstall-beacon"), ("pypi", "slop-benign-pure")]
        for eco, name in picks[: args.scans]:
            t = time.monotonic()
            r = scan(str(CORPUS / eco / name), ecosystem=eco, backend="libvirt", timeout=150)
            print(f"scan {eco}/{name}: {time.monotonic() - t:.1f} s, risk {r.verdict.get('risk')}, "
                  f"phases {[(p['name'], p['status'], p.get('duration_s')) for p in r.phases]}")


if __name__ == "__main__":
    main()
