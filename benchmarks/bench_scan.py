"""Deep-scan overhead: a traced scan of a small package vs a plain, untraced install + import
in the same image (same container flags, same offline artifacts). Target: <= 1.5x.

    python benchmarks/bench_scan.py [--runs 3]

Prints, per package: plain container seconds, traced sandbox seconds (container run incl.
harness, fake network, strace), whole scan() seconds (prefetch + sandbox + parse + score),
and the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from pathlib import Path

import docker

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.sandbox.docker_backend import DockerBackend
from slopspotter_lab.sandbox.jobs import build_job, new_workdir
from slopspotter_lab.scan import scan

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"
CASES = [("pypi", "slop-benign-pure", "slop_benign_pure"), ("npm", "slop-benign-npm-lib", "slop-benign-npm-lib")]


def plain_run(eco: str, name: str, module: str) -> float:
    """Untraced: install + import as the same user, in the same locked-down container."""
    workdir = new_workdir()
    job = build_job(parse_spec(str(CORPUS / eco / name), eco), workdir, 60, "bench" + uuid.uuid4().hex[:8])
    if eco == "pypi":
        script = (f"mkdir -p /home/alex && chown alex /home/alex && cd /home/alex && su alex -s /bin/sh -c "
                  f"'python3 -m pip install -q --no-index --find-links /in/artifacts/deps --user "
                  f"--break-system-packages --disable-pip-version-check {job.artifact_in_sandbox} && python3 -c \"import {module}\"'")
    else:
        script = (f"mkdir -p /home/alex/app && chown -R alex /home/alex && cd /home/alex/app && su alex -s /bin/sh -c "
                  f"'echo {{}} > package.json && npm install -q --offline --no-audit --no-fund {job.artifact_in_sandbox} "
                  f"&& node -e \"require(\\\"{module}\\\")\"'")
    kw = DockerBackend().container_kwargs(job.sandbox)
    kw.update(command=["sh", "-c", script], detach=False, remove=True, name=f"slopspotter-bench-{uuid.uuid4().hex[:8]}")
    kw["environment"] = {"HOME": "/home/alex"}
    start = time.monotonic()
    docker.from_env().containers.run(**kw)
    took = time.monotonic() - start
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    for eco, name, module in CASES:
        plain, sandbox, whole = [], [], []
        for _ in range(args.runs):
            plain.append(plain_run(eco, name, module))
            t = time.monotonic()
            r = scan(str(CORPUS / eco / name), ecosystem=eco, backend="docker", timeout=60, execute=False)
            whole.append(time.monotonic() - t)
            sandbox.append(r.details["sandbox_duration_s"])
        p, s, w = statistics.median(plain), statistics.median(sandbox), statistics.median(whole)
        print(f"{eco}/{name}: plain {p:.2f}s | traced sandbox {s:.2f}s ({s / p:.2f}x) | whole scan() {w:.2f}s "
              f"({w / p:.2f}x) | syscalls traced {r.syscall_count}")


if __name__ == "__main__":
    main()
