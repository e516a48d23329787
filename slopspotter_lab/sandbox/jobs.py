"""The job directory every backend carries to /in: harness/, artifacts/, job.json.

The layout is the contract between scan() and the harness (the VM and gVisor backends reuse
it unchanged): job.json holds the ecosystem, artifact path, phases and their deadlines, the
package user's name and this scan's canary values.
"""

from __future__ import annotations

import json
import secrets
import shutil
import string
import tempfile
from pathlib import Path

from ..ecosystems import Ecosystem, PackageSpec
from .base import Limits, SandboxJob
from .prefetch import prefetch_npm, prefetch_pypi

HARNESS_DIR = Path(__file__).with_name("harness")
HARNESS_FILES = ("main.py", "runner.py", "fakenet.py", "importer.py", "require.js")
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


def build_job(spec: PackageSpec, workdir: Path, timeout: float, scan_id: str, execute: bool = True,
              linger_s: float = 6.0, limits: Limits | None = None) -> tuple[SandboxJob, dict]:
    """Fill workdir/job with harness + artifacts + job.json; return the job and job.json."""
    jobdir = workdir / "job"
    (jobdir / "harness").mkdir(parents=True, exist_ok=True)
    for name in HARNESS_FILES:
        shutil.copy2(HARNESS_DIR / name, jobdir / "harness" / name)
    artifacts = jobdir / "artifacts"
    artifacts.mkdir(exist_ok=True)
    doc: dict = {"ecosystem": spec.ecosystem.value, "deps_dir": "/in/artifacts/deps", "npm_cache": None}
    if spec.ecosystem is Ecosystem.PYPI:
        artifact, info = prefetch_pypi(spec, artifacts)
        image = "python"
    else:
        artifact, info, cache = prefetch_npm(spec, artifacts)
        doc["npm_cache"] = "/in/artifacts/npm-cache/_cacache"
        image = "node"
    work = max(timeout - linger_s - 8.0, 10.0)
    doc.update(
        scan_id=scan_id, user=USER, timeout=timeout, linger_s=linger_s, execute=execute,
        artifact=f"/in/artifacts/{artifact.name}", dist_name=info.name, dist_version=info.version,
        modules_shipped=info.modules,
        phase_timeouts={k: round(work * v, 1) for k, v in DEFAULT_PHASES.items()},
        canaries=make_canaries(),
        trace={"string_limit": 256, "max_bytes": 48 * 1024 * 1024},
    )
    (jobdir / "job.json").write_text(json.dumps(doc, indent=1))
    for path in [jobdir, *jobdir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (jobdir / "job.json").chmod(0o600)  # canaries: for the root harness only
    job = SandboxJob(image=image, jobdir=jobdir, command=["python3", "/in/harness/main.py", "/in/job.json"],
                     timeout=timeout, scan_id=scan_id, limits=limits or Limits())
    return job, doc
