"""Packing corpus sources with our own tarfile code, and the job directory layout."""

import json
import tarfile
from pathlib import Path

import pytest

from slopspotter_lab.ecosystems import parse_spec
from slopspotter_lab.errors import InputError
from slopspotter_lab.sandbox.base import LABEL, NAME_PREFIX, SandboxJob
from slopspotter_lab.sandbox.jobs import HARNESS_FILES, build_job, make_canaries
from slopspotter_lab.sandbox.packing import pack_npm, pack_sdist, python_name_version

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_sdist_from_setup_py_is_read_statically(tmp_path):
    src = CORPUS / "pypi" / "slop-steal-aws"
    assert python_name_version(src) == ("slop-steal-aws", "0.1.0")
    out = pack_sdist(src, tmp_path)
    assert out.name == "slop_steal_aws-0.1.0.tar.gz"
    with tarfile.open(out) as tar:
        names = tar.getnames()
        assert "slop_steal_aws-0.1.0/PKG-INFO" in names and "slop_steal_aws-0.1.0/setup.py" in names
        assert all(n.startswith("slop_steal_aws-0.1.0/") for n in names)
    assert not (tmp_path / "pwned").exists()


def test_sdist_from_pyproject(tmp_path):
    out = pack_sdist(CORPUS / "pypi" / "slop-benign-pure", tmp_path)
    with tarfile.open(out) as tar:
        assert "slop_benign_pure-0.2.0/slop_benign_pure/__init__.py" in tar.getnames()


def test_npm_tarball_layout_is_reproducible(tmp_path):
    a = pack_npm(CORPUS / "npm" / "slop-benign-npm-lib", tmp_path / "a")
    b = pack_npm(CORPUS / "npm" / "slop-benign-npm-lib", tmp_path / "b")
    assert a.name == "slop-benign-npm-lib-0.3.0.tgz" and a.read_bytes() == b.read_bytes()
    with tarfile.open(a) as tar:
        assert set(tar.getnames()) == {"package/package.json", "package/index.js"}


def test_source_without_static_version_is_refused(tmp_path):
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup(name=compute())\n")
    with pytest.raises(InputError):
        python_name_version(tmp_path)


def test_canaries_are_unique_and_realistic():
    a, b = make_canaries(), make_canaries()
    assert a["aws_access_key_id"].startswith("AKIA") and len(a["aws_access_key_id"]) == 20
    assert a["github_token"].startswith("ghp_") and a["npm_token"].startswith("npm_")
    assert all(a[k] != b[k] for k in a)


def test_job_directory_layout(tmp_path):
    spec = parse_spec(str(CORPUS / "npm" / "slop-benign-npm-lib"), "npm")
    job = build_job(spec, tmp_path, timeout=60, scan_id="t123", trace_mode="strace")
    sandbox = job.sandbox
    assert isinstance(sandbox, SandboxJob) and sandbox.image == "node" and sandbox.scan_id == "t123"
    assert sandbox.command == ["python3", "/in/harness/main.py", "/in/job.json"]
    assert sandbox.trace_mode == job.trace_mode == "strace"
    for name in HARNESS_FILES:
        assert (job.jobdir / "harness" / name).is_file()
    doc = json.loads((job.jobdir / "job.json").read_text())
    assert doc == job.job_json() and doc["artifact"] == "/in/artifacts/slop-benign-npm-lib-0.3.0.tgz"
    assert (job.jobdir / "job.json").stat().st_mode & 0o077 == 0  # canaries: root harness only
    assert sum(doc["phase_timeouts"].values()) + doc["linger_s"] < doc["timeout"]


def test_prepared_job_is_typed_and_frozen(tmp_path):
    """The host path, the sandbox path, the name and the version come from prefetch, once."""
    import dataclasses

    spec = parse_spec(str(CORPUS / "npm" / "slop-benign-npm-lib"), "npm")
    job = build_job(spec, tmp_path, timeout=60, scan_id="t124")
    assert job.artifact == job.jobdir / "artifacts" / "slop-benign-npm-lib-0.3.0.tgz" and job.artifact.is_file()
    assert job.artifact_in_sandbox == "/in/artifacts/" + job.artifact.name
    assert (job.dist_name, job.version, job.ecosystem.value) == ("slop-benign-npm-lib", "0.3.0", "npm")
    assert job.trace_mode is None and job.canaries == json.loads((job.jobdir / "job.json").read_text())["canaries"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.version = "9.9.9"


def test_local_wheel_name_and_version_are_read_not_guessed(tmp_path):
    """A local wheel's name and version come from its METADATA (issue 18), dashes and all."""
    import zipfile

    from slopspotter_lab.sandbox.prefetch import _local_python

    wheel = tmp_path / "my_pkg-1.0.post2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("my_pkg-1.0.post2.dist-info/METADATA", "Metadata-Version: 2.1\nName: my-pkg\nVersion: 1.0.post2\n")
        zf.writestr("my_pkg/__init__.py", "")
    out = tmp_path / "artifacts"
    out.mkdir()
    fetched = _local_python(parse_spec(str(wheel)), out)
    assert (fetched.name, fetched.version, fetched.path) == ("my-pkg", "1.0.post2", out / wheel.name)
    assert fetched.modules == ("my_pkg",)
    bad = tmp_path / "notapackage.whl"
    bad.write_bytes(b"PK")
    with pytest.raises(InputError):
        _local_python(parse_spec(str(bad)), out)


def test_container_settings_are_locked_down(tmp_path):
    from slopspotter_lab.sandbox.docker_backend import DockerBackend

    job = SandboxJob(image="python", jobdir=tmp_path, command=["true"], timeout=30, scan_id="abc")
    kw = DockerBackend(client=object()).container_kwargs(job)
    # the harness is pid 1 (shown as /sbin/init) and needs SYS_ADMIN/SYS_CHROOT/MKNOD for the clean
    # tree; the package user holds no capability (the hostile probe checks CapEff in a real scan)
    assert kw["network_mode"] == "none" and kw["read_only"] is True and kw["init"] is False
    assert kw["environment"]["SLOPSPOTTER_CLOAK"] == "1"
    assert kw["cap_drop"] == ["ALL"] and not {"SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "NET_RAW", "BPF",
                                               "SYS_RESOURCE", "AUDIT_CONTROL", "MAC_ADMIN"} & set(kw["cap_add"])
    assert "no-new-privileges" in kw["security_opt"]
    assert kw["volumes"][str(tmp_path.resolve())] == {"bind": "/in", "mode": "ro"}
    assert all("size=" in v and "nosuid" in v for v in kw["tmpfs"].values())
    assert kw["name"].startswith(NAME_PREFIX) and kw["labels"][LABEL] == "1"
    assert kw["pids_limit"] > 0 and kw["mem_limit"].endswith("m") and kw["nano_cpus"] > 0
    assert kw["hostname"] != "" and "docker" not in kw["hostname"]

    class Gvisorish(DockerBackend):
        runtime = "runsc"

    assert Gvisorish(client=object()).container_kwargs(job)["runtime"] == "runsc"


def test_gvisor_scratch_comes_on_top_of_the_memory_limit(tmp_path):
    # tmpfs lives in gVisor's Sentry memory: /home and /tmp get half the disk budget each and the
    # container's memory limit grows by it (a 256 MiB scratch cut from the memory did not hold
    # botocore's install)
    from slopspotter_lab.sandbox.base import Limits
    from slopspotter_lab.sandbox.gvisor_backend import GVisorBackend

    job = SandboxJob(image="python", jobdir=tmp_path, command=["true"], timeout=30, scan_id="abc",
                     limits=Limits(memory_mb=1024, disk_mb=1024))
    kw = GVisorBackend(client=object()).container_kwargs(job)
    assert "size=512m" in kw["tmpfs"]["/home"] and "size=512m" in kw["tmpfs"]["/tmp"]
    assert kw["mem_limit"] == kw["memswap_limit"] == "2048m"
    small = GVisorBackend(client=object()).container_kwargs(
        SandboxJob(image="python", jobdir=tmp_path, command=["true"], timeout=30, scan_id="abd",
                   limits=Limits(memory_mb=512, disk_mb=100)))
    assert "size=64m" in small["tmpfs"]["/tmp"] and small["mem_limit"] == "640m"
