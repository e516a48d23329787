"""Frames and dynamic indicators from a recorded real sandbox run (tests/trace/data/steal-aws:
slop-steal-aws's setup.py reads ~/.aws/credentials and POSTs it to a .invalid host)."""

import json
import shutil
from pathlib import Path

import pandas as pd

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
