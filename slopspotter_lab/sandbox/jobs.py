"""The job directory every backend carries to /in: harness/, artifacts/, job.json.

The layout is the contract between scan() and the harness (the VM and gVisor backends reuse
it unchanged): job.json holds the ecosystem, artifact path, phases and their deadlines, the
package user's name and this scan's canary values. `build_job` returns a `PreparedJob` that
carries the same facts, typed, to the backend (`job.sandbox`) and to the parser.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import string
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..ecosystems import Ecosystem, PackageSpec
from .base import Limits, SandboxJob
from .prefetch import prefetch_npm, prefetch_pypi
from .tls_ca import make_ca, protect

HARNESS_DIR = Path(__file__).with_name("harness")
HARNESS_FILES = ("main.py", "runner.py", "fakenet.py", "tlssink.py", "trust.py", "cloak.py", "importer.py", "require.js")
USER = "alex"
DEFAULT_PHASES = {"install": 0.55, "import": 0.2, "execute": 0.1}  # shares of the overall deadline
TMP_PREFIX = "slopspotter-job-"


def make_canaries() -> dict[str, str]:
    """Fresh fake credentials, unique to one scan, shaped like the real thing."""
    up = string.ascii_uppercase + string.digits
    alnum = string.ascii_letters + string.digits
    pick = lambda alphabet, n: "".join(secrets.choice(alphabet) for _ in range(n))  # noqa: E731
    return {
        "aws_access_key_id": "AKIA" + pick(up, 16),
        "aws_secret_access_key": pick(alnum, 40),
        "github_token": "ghp_" + pick(alnum, 36),
        "npm_token": "npm_" + pick(alnum, 36),
        "pypi_token": "pypi-AgEIcHlwaS5vcmc" + pick(alnum, 40),
        "ssh_key_body": "b3BlbnNzaC1rZXktdjEAAAAA" + pick(alnum, 40),
    }


def new_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix=TMP_PREFIX))


@dataclass(frozen=True)
class PreparedJob:
    """One scan's job, prepared on the host: what the backend runs and what the parser needs.

    Everything is known once, here: the artifact's host path and the path the harness sees, the
    distribution's name and version as prefetch read them, the deadlines and the trace mode."""

    sandbox: SandboxJob  # what Backend.run() takes: image, /in directory, command, limits, trace mode
    artifact: Path  # the target artifact on the host (inside jobdir/artifacts)
    artifact_in_sandbox: str  # the same file as the harness sees it (/in/artifacts/...)
    dist_name: str
    version: str | None
    ecosystem: Ecosystem
    scan_id: str
    timeout: float  # the overall deadline, seconds
    linger_s: float  # how long survivors of a phase are still traced
    phase_timeouts: Mapping[str, float] = field(default_factory=dict)
    canaries: Mapping[str, str] = field(default_factory=dict)
    execute: bool = True
    modules_shipped: tuple[str, ...] = ()  # the import phase's fallback (prefetch read them from the artifact)
    tls: Mapping[str, str] = field(default_factory=dict)  # the per-scan CA's files as the harness sees them
    deps_prefetch: tuple[dict, ...] = ()  # a local artifact's declared deps: fetched or not, and why

    @property
    def jobdir(self) -> Path:
        return self.sandbox.jobdir

    @property
    def trace_mode(self) -> str | None:
        return self.sandbox.trace_mode

    def job_json(self) -> dict:
        """job.json, the contract between the host and the harness."""
        eco = self.ecosystem.value
        return {"ecosystem": eco, "deps_dir": "/in/artifacts/deps",
                "npm_cache": "/in/artifacts/npm-cache/_cacache" if self.ecosystem is Ecosystem.NPM else None,
                "scan_id": self.scan_id, "user": USER, "timeout": self.timeout, "linger_s": self.linger_s,
                "execute": self.execute, "artifact": self.artifact_in_sandbox, "dist_name": self.dist_name,
                "modules_shipped": list(self.modules_shipped),
                "phase_timeouts": dict(self.phase_timeouts), "canaries": dict(self.canaries),
                "trace": {"string_limit": 256, "max_bytes": 48 * 1024 * 1024},
                **({"tls": dict(self.tls)} if self.tls else {})}


def _copy_harness(jobdir: Path) -> None:
    (jobdir / "harness").mkdir(parents=True, exist_ok=True)
    for name in HARNESS_FILES:
        shutil.copy2(HARNESS_DIR / name, jobdir / "harness" / name)


def build_job(spec: PackageSpec, workdir: Path, timeout: float, scan_id: str, *, meta=None,
              execute: bool = True, trace_mode: str | None = None, linger_s: float = 6.0,
              limits: Limits | None = None) -> PreparedJob:
    """Fill workdir/job with harness + artifacts + job.json and return the prepared job.

    `meta` is the registry metadata the scan already fetched (so it is not fetched twice)."""
    jobdir = workdir / "job"
    _copy_harness(jobdir)
    artifacts = jobdir / "artifacts"
    artifacts.mkdir(exist_ok=True)
    if spec.ecosystem is Ecosystem.PYPI:
        fetched, image = prefetch_pypi(spec, artifacts, meta), "python"
    else:
        fetched, image = prefetch_npm(spec, artifacts)[0], "node"
    work = max(timeout - linger_s - 8.0, 10.0)
    tls = {}
    if os.environ.get("SLOPSPOTTER_TLS_INTERCEPT", "1") != "0":  # 0: the sinkhole keeps TLS opaque
        tls = {role: f"/in/tls/{name}" for role, name in make_ca(jobdir / "tls").items()}
    sandbox = SandboxJob(image=image, jobdir=jobdir, command=["python3", "/in/harness/main.py", "/in/job.json"],
                         timeout=timeout, scan_id=scan_id, limits=limits or Limits(), trace_mode=trace_mode)
    job = PreparedJob(sandbox=sandbox, artifact=fetched.path, artifact_in_sandbox=f"/in/artifacts/{fetched.path.name}",
                      dist_name=fetched.name, version=fetched.version, ecosystem=spec.ecosystem, scan_id=scan_id,
                      timeout=timeout, linger_s=linger_s, execute=execute, modules_shipped=fetched.modules,
                      phase_timeouts={k: round(work * v, 1) for k, v in DEFAULT_PHASES.items()},
                      canaries=make_canaries(), tls=tls, deps_prefetch=fetched.deps)
    (jobdir / "job.json").write_text(json.dumps(job.job_json(), indent=1))
    for path in [jobdir, *jobdir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (jobdir / "job.json").chmod(0o600)  # canaries: for the root harness only
    if tls:
        protect(jobdir / "tls")  # the CA's and leaf's keys too
    return job
